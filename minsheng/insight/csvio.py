"""Reading the CSV files the insight commands take, with one-line errors.

Every problem a user can cause (missing file, wrong encoding, broken quoting, missing
columns, empty file) raises ``CSVError`` with a Chinese+English one-line message; the
commands turn it into a non-zero exit.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

TITLE_COLUMNS = ("留言主题", "title")
BODY_COLUMNS = ("留言详情", "body")
TEXT_COLUMNS = ("留言", "text")
ID_COLUMNS = ("留言编号", "id")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class CSVError(ValueError):
    """A CSV input problem the user must fix; str() is a one-line message."""


def read_rows(path: str | Path, required: tuple[str, ...] = ()) -> tuple[list[str], list[dict]]:
    """Return (header, rows) of a UTF-8 (BOM allowed) CSV file."""
    path = Path(path)
    if not path.is_file():
        raise CSVError(f"文件不存在: {path}")
    try:
        raw = path.read_bytes().decode("utf-8-sig")
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
        rows = []
        for record in reader:
            if not record or not any(c.strip() for c in record):
                continue
            if len(record) != len(header):
                raise CSVError(
                    f"{path}: 第 {reader.line_num} 行有 {len(record)} 列, 表头有 {len(header)} 列 (引号未闭合?)"
                )
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


def write_rows(path: str | Path, header: list[str], rows) -> int:
    """Write UTF-8 (with BOM, so spreadsheet programs read Chinese) CSV; return count."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise CSVError(f"输出目录不存在: {path.parent}")
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


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
    except ValueError:
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
    sample = "".join(t[:200] for t in texts[:2000])
    if han_ratio(sample) < 0.2:
        raise CSVError(f"{path}: 文本几乎不含中文 (中文字符占 {han_ratio(sample):.0%}); 请检查是否选错了文件或列")
    for i, text in enumerate(texts, start=1):
        if len(text) > max_chars:
            raise CSVError(f"{path}: 第 {i} 条记录的文本有 {len(text)} 字, 超过上限 {max_chars} 字")
