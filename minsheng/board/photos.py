"""Photo uploads: check that a file really is a JPEG or PNG image of sane size, and
re-encode it so that EXIF (GPS position, camera serial), text chunks and colour
profiles never reach the public."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
MAX_PIXELS = 40_000_000  # larger is a decompression bomb, not a phone photo
MAX_SIDE = 4096  # longer sides are scaled down when re-encoding
# the browser (static/js/photos.js) shrinks a photo over max_bytes(), its longer side to this
BROWSER_SIDE = 2560
# what a citizen whose phone photo was refused can do (without scripts the browser does not shrink it)
SMALLER = "可在手机相机设置中选较低的分辨率重拍, 或截图后上传"


@dataclass
class CleanPhoto:
    file: ContentFile
    sha256: str
    content_type: str
    width: int
    height: int


def max_bytes() -> int:
    """The largest photo accepted (uploads and Open311 media links)."""
    return getattr(settings, "MINSHENG_MAX_PHOTO_BYTES", 5 * 1024 * 1024)


def _too_big(name: str, limit: int) -> ValidationError:
    return ValidationError(f"「{name}」超过 {limit // (1024 * 1024)} MB: {SMALLER}", code="too_big")


def clean_photo(uploaded) -> CleanPhoto:
    """Validate and re-encode one uploaded file; ValidationError in Chinese otherwise."""
    name = getattr(uploaded, "name", "") or "照片"
    size = getattr(uploaded, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise _too_big(name, limit)
    uploaded.seek(0)
    raw = uploaded.read(limit + 1)
    if len(raw) > limit:
        raise _too_big(name, limit)
    if not raw:
        raise ValidationError(f"「{name}」是空文件", code="empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(raw))
            fmt = probe.format
            if fmt not in ALLOWED:
                raise ValidationError(f"「{name}」不是 JPEG 或 PNG 图片", code="format")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(f"「{name}」像素过大: {SMALLER}", code="bomb")
            probe.verify()  # structural check; the image must be reopened after verify()
            image = Image.open(io.BytesIO(raw))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"「{name}」像素过大: {SMALLER}", code="bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(f"「{name}」不是有效的图片文件 (只接受 JPEG 或 PNG)", code="invalid") from None
    content_type, ext = ALLOWED[fmt]
    data, width, height = _reencode(image, fmt)
    digest = hashlib.sha256(data).hexdigest()
    return CleanPhoto(file=ContentFile(data, name=f"{digest[:20]}.{ext}"), sha256=digest,
                      content_type=content_type, width=width, height=height)


def _reencode(image: Image.Image, fmt: str) -> tuple[bytes, int, int]:
    image = ImageOps.exif_transpose(image)  # keep the visible orientation, then drop EXIF
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    if fmt == "JPEG":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    # A fresh image holds pixels only: no exif, icc_profile, text chunks or comments.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue(), clean.width, clean.height
