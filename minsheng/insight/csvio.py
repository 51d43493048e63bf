"""Reading the CSV files the insight commands take, with one-line errors.

Every problem a user can cause (missing file, wrong encoding, broken quoting, missing
columns, empty file) raises ``CSVError`` with a Chinese+English one-line message; the
commands turn it into a non-zero exit.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
from collections import Counter
from pathlib import Path

TITLE_COLUMNS = ("留言主题", "title")
BODY_COLUMNS = ("留言详情", "body")
TEXT_COLUMNS = ("留言", "text")
ID_COLUMNS = ("留言编号", "id")

MAX_FIELD_CHARS = 100_000  # no message, reply or title comes near this; 2 MB fields are not messages

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class CSVError(ValueError):
    """A CSV input problem the user must fix; str() is a one-line message."""


def read_rows(path: str | Path, required: tuple[str, ...] = ()) -> tuple[list[str], list[dict]]:
    """Return (header, rows) of a UTF-8 (BOM allowed) CSV file."""
    path = Path(path)
    if path.is_dir():
        raise CSVError(f"{path} 是目录, 不是 CSV 文件")
    if not path.is_file():
        raise CSVError(f"文件不存在: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CSVError(f"无法读取 {path}: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CSVError(f"{path}: 是 UTF-16 编码, 不是 UTF-8; 请另存为 UTF-8 CSV")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CSVError(f"{path}: 不是 UTF-8 编码 (byte {exc.start}); 请另存为 UTF-8 CSV") from None
    if "\x00" in raw:
        raise CSVError(f"{path}: 含有 NUL 字节, 不是文本 CSV 文件")
    lines = raw.splitlines(keepends=True)
    try:
        reader = csv.reader(lines, strict=True)
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise CSVError(f"{path}: 文件为空或缺少表头")
        header = [h.strip() for h in header]
        if len(header) == 1 and ("\t" in header[0] or ";" in header[0]):
            raise CSVError(f"{path}: 表头只有一列且含制表符或分号; 请用逗号分隔的 CSV")
        duplicated = [h for h, n in Counter(header).items() if h and n > 1]
        if duplicated:
            raise CSVError(f"{path}: 表头有重复的列名 {', '.join(duplicated)}")
        rows = []
        for record in reader:
            if not record or not any(c.strip() for c in record):
                continue
            if len(record) != len(header):
                raise CSVError(
                    f"{path}: 第 {reader.line_num} 行有 {len(record)} 列, 表头有 {len(header)} 列 (引号未闭合?)"
                )
            for name, value in zip(header, record, strict=True):
                if len(value) > MAX_FIELD_CHARS:
                    raise CSVError(f"{path}: 第 {reader.line_num} 行的 {name or '(无名列)'} 过长 "
                                   f"({len(value)} 字, 上限 {MAX_FIELD_CHARS} 字)")
            rows.append(dict(zip(header, record, strict=True)))
    except csv.Error as exc:
        raise CSVError(f"{path}: CSV 格式错误 (第 {reader.line_num} 行): {exc}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise CSVError(f"{path}: 缺少列 {', '.join(missing)}; 现有列: {', '.join(header)}")
    return header, rows


def pick_column(header: list[str], candidates: tuple[str, ...]) -> str | None:
    """The first of ``candidates`` present in ``header``."""
    return next((c for c in candidates if c in header), None)


def message_texts(path: str | Path) -> tuple[list[str], list[str], list[dict], list[str]]:
    """(titles, bodies, rows, header) from a CSV with a title and/or body column, or
    one text column (read as the body)."""
    header, rows = read_rows(path)
    title_col = pick_column(header, TITLE_COLUMNS)
    body_col = pick_column(header, BODY_COLUMNS) or pick_column(header, TEXT_COLUMNS)
    if not title_col and not body_col:
        raise CSVError(
            f"{path}: 需要标题列 (留言主题/title)、正文列 (留言详情/body) 或文本列 (留言/text); 现有列: {', '.join(header)}"
        )
    titles = [r.get(title_col, "") if title_col else "" for r in rows]
    bodies = [r.get(body_col, "") if body_col else "" for r in rows]
    return titles, bodies, rows, header


def row_ids(header: list[str], rows: list[dict]) -> list[str]:
    """留言编号 (or id) when present, else 1-based row numbers."""
    col = pick_column(header, ID_COLUMNS)
    return [r[col] if col else str(i) for i, r in enumerate(rows, start=1)]


def check_output(path: str | Path) -> Path:
    """CSVError unless ``path`` can be an output file: not a directory, in an existing
    directory. Commands call it before the work, so a bad --out fails at once."""
    path = Path(path)
    if path.is_dir():
        raise CSVError(f"输出路径是目录, 不是文件: {path}")
    parent = path.parent
    if not parent.is_dir():
        raise CSVError(f"输出目录不存在: {parent}")
    if not os.access(parent, os.W_OK):
        raise CSVError(f"无法写入 {path}: 目录不可写")
    return path


def write_rows(path: str | Path, header: list[str], rows) -> int:
    """Write UTF-8 (with BOM, so spreadsheet programs read Chinese) CSV; return count.
    Written to a temporary file then renamed, so a failure (an I/O error, or an error
    raised while ``rows`` is produced) never leaves a half-written file at ``path``."""
    path = check_output(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                n += 1
        os.replace(tmp, path)
    except OSError as exc:
        raise CSVError(f"无法写入 {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return n


def one_line_usage_errors(parser) -> None:
    """argparse reports a bad option value (--top abc) with the whole usage block first;
    keep only its one-line ``prog: error: ...`` message (exit status 2 as before)."""
    parser.print_usage = lambda file=None: None


# --- dates and counts (hotspots, replies) ----------------------------------------
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d %H:%M:%S", "%Y%m%d")


def parse_time(value: str, path, line: int, column: str):
    """A naive datetime from 2019/2/28 11:25:05, 2019-08-01 09:00 or ISO 8601;
    CSVError names the file, the line and the column otherwise."""
    import datetime as dt

    raw = (value or "").strip()
    text = raw.replace("-", "/").replace("T", " ")
    if "." in text:
        text = text.split(".", 1)[0]
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(raw).replace(tzinfo=None)
    except ValueError:
        raise CSVError(f"{path}: 第 {line} 条记录的 {column} 不是有效的时间: {raw!r}") from None


def parse_count(value: str, path, line: int, column: str) -> int:
    """A non-negative count (点赞数, 反对数); empty means 0."""
    raw = (value or "").strip()
    if not raw:
        return 0
    try:
        number = int(float(raw))
    except (ValueError, OverflowError):
        raise CSVError(f"{path}: 第 {line} 条记录的 {column} 不是数字: {raw!r}") from None
    if number < 0:
        raise CSVError(f"{path}: 第 {line} 条记录的 {column} 不能为负数: {raw!r}")
    return number


def require_data(path, rows: list[dict], texts: list[str], max_chars: int = 20000) -> None:
    """No data rows, text that is not Chinese, or a text too long to be a message
    -> CSVError."""
    from .text import han_ratio

    if not rows:
        raise CSVError(f"{path}: 只有表头, 没有数据行")
    if not any(t.strip() for t in texts):
        raise CSVError(f"{path}: 所有行的文本都为空")
    sample = "".join(t[:200] for t in texts[:2000])
    if han_ratio(sample) < 0.2:
        raise CSVError(f"{path}: 文本几乎不含中文 (中文字符占 {han_ratio(sample):.0%}); 请检查是否选错了文件或列")
    for i, text in enumerate(texts, start=1):
        if len(text) > max_chars:
            raise CSVError(f"{path}: 第 {i} 条记录的文本有 {len(text)} 字, 超过上限 {max_chars} 字")
