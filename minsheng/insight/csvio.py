"""Reading the CSV files the insight commands take, with one-line errors, and writing
their output.

Every problem a user can cause (missing file, wrong encoding, broken quoting, missing
columns, empty file, an empty or over-long text, a duplicate 留言编号, a bad date or count,
a bad --out) raises ``CSVError`` with a Chinese+English one-line message; the commands turn
it into a non-zero exit. A row is always named the same way (``row_name``): its record number and the line
of the file it starts on, 「第 3 条记录 (第 4 行)」.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import re
import shutil
import stat
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..progress import due
from ..text_cut import cut

TITLE_COLUMNS = ("留言主题", "title")
BODY_COLUMNS = ("留言详情", "body")
TEXT_COLUMNS = ("留言", "text")
ID_COLUMNS = ("留言编号", "id")

# One limit for every command, for each field and for a message's title + body together:
# no message, reply or title comes near it (the longest in the reference data has 12,220
# characters); a 2 MB field is not a message.
MAX_TEXT_CHARS = 100_000
# rows: the commands count on stderr past this, each tenth of the way in a log (``row_counter``). Classifying
# reads about 1,000 rows a second: at 10,000 the reference files (9,212 typed messages) ran in silence
PROGRESS_EVERY = 1_000
MODEL_FILES = frozenset({"model.json", "weights.npz", ".model.json.tmp", ".weights.npz.tmp"})

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class CSVError(ValueError):
    """A CSV input problem the user must fix; str() is a one-line message."""


def row_name(number: int, line: int | None = None) -> str:
    """How every message names a row: 「第 N 条记录 (第 L 行)」, N counting data rows from 1
    (the header is not one), L the line of the file the row starts on (the header is line 1;
    a quoted field may span lines, so L can run ahead of N + 1)."""
    return f"第 {number} 条记录" + (f" (第 {line} 行)" if line else "")


@dataclass
class Table:
    """A CSV file as read: its header, its data rows, and the line each row starts on."""

    path: str
    header: list[str]
    rows: list[dict]
    lines: list[int]

    def where(self, index: int) -> str:
        """「path: 第 N 条记录 (第 L 行)」 for the row at 0-based ``index``."""
        return f"{self.path}: {row_name(index + 1, self.lines[index])}"


STDIN = "-"  # --data -: the CSV comes on standard input (`cat F.csv | minsheng classify --data - ...`)
STDIN_NAME = "标准输入"
MAX_LISTED_COLUMNS = 20  # an error lists at most these many of a file's columns, each cut to 30 characters
BINARY_SIGNATURES = {b"PK\x03\x04": "Excel 工作簿 (xlsx) 或 zip 压缩包", b"\x1f\x8b": "gzip 压缩文件",
                     b"\xd0\xcf\x11\xe0": "旧版 Excel 工作簿 (xls)", b"%PDF": "PDF 文件"}


def column_name(name: str) -> str:
    """A header cell as the column's name: without surrounding spaces, nor the byte-order
    marks and zero-width spaces a pasted or concatenated header carries (a 「\ufeff留言主题」
    column was not 留言主题: detect-hotspots said it was missing, the other commands
    silently read no titles)."""
    return name.strip().strip("\ufeff\u200b\u2060").strip()


def columns_text(header: list[str]) -> str:
    """A file's columns for an error message: 「留言编号, 留言主题, …」, at most
    MAX_LISTED_COLUMNS names of at most 30 characters, so that the one-line error of a file
    that is no CSV (one 5 MB "column") stays a line to read."""
    names = [cut(h, 30) for h in header[:MAX_LISTED_COLUMNS]]
    more = len(header) - MAX_LISTED_COLUMNS
    return ", ".join(names) + (f" 等 {len(header)} 列" if more > 0 else "")


def _read_input(path: Path) -> tuple[bytes, str]:
    """(bytes, name to show) of ``--data``: a file, a pipe (/dev/stdin, a named pipe) or
    ``-`` for standard input. A directory, a missing file, a device and a terminal on
    standard input (the command would wait for typing) are CSVErrors."""
    if str(path) == STDIN and not path.exists():
        if sys.stdin is None or sys.stdin.isatty():
            raise CSVError("--data -: 标准输入是终端, 没有数据; 请用管道或重定向提供 CSV (… < F.csv), 或给出文件路径")
        return sys.stdin.buffer.read(), STDIN_NAME
    if path.is_dir():
        raise CSVError(f"{path} 是目录, 不是 CSV 文件")
    if not path.exists():
        raise CSVError(f"文件不存在: {path}")
    if not (path.is_file() or path.is_fifo()):
        raise CSVError(f"{path} 不是普通文件 (设备或套接字), 不是 CSV 文件")
    try:
        return path.read_bytes(), str(path)
    except OSError as exc:
        raise CSVError(f"无法读取 {path}: {exc.strerror or exc}") from None


def _decode(data: bytes, shown: str) -> str:
    """The text of a UTF-8 (BOM allowed) file; CSVError naming what the file is instead
    (UTF-16, GBK as Excel's 「CSV (逗号分隔)」 saves it, a workbook, a zip) and the first
    line that is not UTF-8. The encoding is never guessed to read the file: issue 3 counts a
    wrong encoding among the bad input that is refused with one line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CSVError(f"{shown}: 是 UTF-16 编码, 不是 UTF-8; 请另存为 UTF-8 CSV")
    kind = next((what for magic, what in BINARY_SIGNATURES.items() if data.startswith(magic)), None)
    if kind:
        raise CSVError(f"{shown}: 是 {kind}, 不是 CSV 文件; 请另存为 UTF-8 CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            hint = "看起来是 GBK/GB18030 编码 (Excel 「CSV (逗号分隔)」 的默认编码); 请另存为 「CSV UTF-8 (逗号分隔)」"
        except UnicodeDecodeError:
            hint = "请另存为 UTF-8 CSV"
        raise CSVError(f"{shown}: 不是 UTF-8 编码 (第 {line} 行, 第 {exc.start} 字节); {hint}") from None


_SEP_LINE = re.compile(r"sep=(.)(\r\n|\n|\r)")
_DELIMITERS = ("\t", ";")  # besides the comma, for a header that holds no comma


def _delimiter(raw: str) -> tuple[str, str, int]:
    """(delimiter, text, lines skipped) of a CSV text: Excel's 「sep=,」 first line names the
    delimiter (and is no header); else a header line holding no comma but tabs (a .tsv file,
    a table copied from a spreadsheet) or semicolons is separated by those, where they part two
    column names or more: a lone name with a stray tab after it (「留言\t」) is a one-column comma CSV."""
    if sep := _SEP_LINE.match(raw):
        return sep.group(1), raw[sep.end():], 1
    first = re.split(r"\r\n|\n|\r", raw, maxsplit=1)[0]
    if "," not in first:
        for delimiter in _DELIMITERS:
            if sum(1 for name in first.split(delimiter) if column_name(name)) >= 2:
                return delimiter, raw, 0
    return ",", raw, 0


def read_table(path: str | Path, required: tuple[str, ...] = ()) -> Table:
    """A UTF-8 (BOM allowed) CSV file as a ``Table``; ``-`` reads standard input."""
    if not str(path).strip():  # Path("") is the working directory: 「. 是目录, 不是 CSV 文件」
        raise CSVError("--data 为空; 请给出 CSV 文件路径")
    data, shown = _read_input(Path(path))
    raw = _decode(data, shown)
    path = shown  # how every message below names the input
    if "\x00" in raw:
        raise CSVError(f"{path}: 含有 NUL 字节, 不是文本 CSV 文件")
    # lines end at \n, \r\n or \r, as csv reads them: str.splitlines also ends one at \u2028, \x85,
    # \x0c and \x1c-\x1e, which a CSV writer leaves unquoted in a field (a title pasted from a web page)
    delimiter, raw, skipped = _delimiter(raw)
    lines = io.StringIO(raw, newline="")
    rows: list[dict] = []
    starts: list[int] = []
    start = 1 + skipped  # the line the next record starts on
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise CSVError(f"{path}: 文件为空或缺少表头")
        header = [column_name(h) for h in header]
        duplicated = [h for h, n in Counter(header).items() if h and n > 1]
        if duplicated:
            raise CSVError(f"{path}: 表头有重复的列名 {', '.join(duplicated)}")
        start = reader.line_num + 1 + skipped
        blank = None  # the first blank record not yet followed by another: blanks that end the file are no rows
        for record in reader:
            line, start = start, reader.line_num + 1 + skipped
            if not record or not any(c.strip() for c in record):
                blank = blank or f"{path}: {row_name(len(rows) + 1, line)}"
                continue
            if blank:  # skipped, it would have renumbered every row after it (classify's `row`)
                raise CSVError(f"{blank}为空行; 请删除空行或填写内容")
            where = f"{path}: {row_name(len(rows) + 1, line)}"
            # `cat a.csv b.csv`: b's header would be read as a message
            if column_name(record[0]) == header[0] and [column_name(c) for c in record] == header:
                raise CSVError(f"{where}与表头相同 (几个 CSV 文件直接拼接了?); 请只保留第一行表头")
            if len(record) != len(header):
                raise CSVError(f"{where}有 {len(record)} 列, 表头有 {len(header)} 列 (引号未闭合?)")
            for name, value in zip(header, record, strict=True):
                if len(value) > MAX_TEXT_CHARS:
                    raise CSVError(f"{where}的 {name or '(无名列)'} 过长 ({len(value)} 字, 上限 {MAX_TEXT_CHARS} 字)")
            rows.append(dict(zip(header, record, strict=True)))
            starts.append(line)
    except csv.Error as exc:
        raise CSVError(f"{path}: {row_name(len(rows) + 1, start)}: CSV 格式错误: {exc}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise CSVError(f"{path}: 缺少列 {', '.join(missing)}; 现有列: {columns_text(header)}")
    return Table(str(path), header, rows, starts)


def read_rows(path: str | Path, required: tuple[str, ...] = ()) -> tuple[list[str], list[dict]]:
    """(header, rows) of a UTF-8 (BOM allowed) CSV file."""
    table = read_table(path, required)
    return table.header, table.rows


def pick_column(header: list[str], candidates: tuple[str, ...]) -> str | None:
    """The header's name of the first of ``candidates`` present in ``header``; an English
    name in any case (Title, BODY, as a spreadsheet or pandas may write it) when none is
    written exactly so."""
    exact = next((c for c in candidates if c in header), None)
    if exact is not None:
        return exact
    folded = {}
    for name in header:
        folded.setdefault(name.casefold(), name)
    return next((folded[c.casefold()] for c in candidates if c.casefold() in folded), None)


def message_columns(table: Table) -> tuple[list[str], list[str]]:
    """(titles, bodies) of a table with a title and/or body column, or one text column
    (read as the body)."""
    title_col = pick_column(table.header, TITLE_COLUMNS)
    body_col = pick_column(table.header, BODY_COLUMNS) or pick_column(table.header, TEXT_COLUMNS)
    if not title_col and not body_col:
        raise CSVError(f"{table.path}: 需要标题列 (留言主题/title)、正文列 (留言详情/body) 或文本列 (留言/text); "
                       f"现有列: {columns_text(table.header)}")
    titles = [r.get(title_col, "") if title_col else "" for r in table.rows]
    bodies = [r.get(body_col, "") if body_col else "" for r in table.rows]
    return titles, bodies


def read_messages(path: str | Path) -> tuple[Table, list[str], list[str]]:
    """(table, titles, bodies) of a CSV of messages (see ``message_columns``), every row
    checked by ``require_texts``: the reading of classify, find-duplicates and the files
    of train-classifier and evaluate-classifier."""
    table = read_table(path)
    titles, bodies = message_columns(table)
    require_texts(table, [t + b for t, b in zip(titles, bodies, strict=True)], "标题和正文")
    return table, titles, bodies


def message_texts(path: str | Path) -> tuple[list[str], list[str], list[dict], list[str]]:
    """(titles, bodies, rows, header) from a CSV with a title and/or body column, or
    one text column (read as the body)."""
    table = read_table(path)
    titles, bodies = message_columns(table)
    return titles, bodies, table.rows, table.header


def row_ids(header: list[str], rows: list[dict]) -> list[str]:
    """留言编号 (or id) when present, else 1-based row numbers."""
    col = pick_column(header, ID_COLUMNS)
    return [r[col] if col else str(i) for i, r in enumerate(rows, start=1)]


def unique_ids(table: Table) -> list[str]:
    """The 留言编号 (or id) of every row, stripped, when the column is present, else the
    1-based row numbers. An empty or repeated id -> CSVError: the output is keyed by it,
    and a row that cannot be told apart cannot be joined back to the input."""
    col = pick_column(table.header, ID_COLUMNS)
    if not col:
        return [str(i) for i in range(1, len(table.rows) + 1)]
    ids: list[str] = []
    first: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        rid = row[col].strip()
        if not rid:
            raise CSVError(f"{table.where(i)}的 {col} 为空")
        if rid in first:
            raise CSVError(f"{table.where(i)}的 {col} {rid} 与{row_name(first[rid] + 1, table.lines[first[rid]])}重复")
        first[rid] = i
        ids.append(rid)
    return ids


_WORD_CHAR = re.compile("[\u4e00-\u9fffA-Za-z0-9]")


def require_texts(table: Table, texts: list[str], what: str) -> None:
    """CSVError for no data rows, a row whose ``what`` (e.g. 标题和正文, 答复意见) is empty or
    longer than MAX_TEXT_CHARS, or texts that are hardly Chinese. ``texts`` has one
    string per row (a message's title + body joined)."""
    from .text import han_ratio, normalize

    if not table.rows:
        raise CSVError(f"{table.path}: 只有表头, 没有数据行")
    for i, text in enumerate(texts):
        if len(text) > MAX_TEXT_CHARS:
            raise CSVError(f"{table.where(i)}的{what}过长 ({len(text)} 字, 上限 {MAX_TEXT_CHARS} 字)")
        # a Chinese character, a Latin letter or a digit stays one when normalised: the whole (long)
        # text is normalised only when it holds none
        if not _WORD_CHAR.search(text) and not normalize(text):
            raise CSVError(f"{table.where(i)}的{what}为空")
    sample = "".join(t[:200] for t in texts[:2000])
    if han_ratio(sample) < 0.2:
        raise CSVError(f"{table.path}: {what}几乎不含中文 (中文字符占 {han_ratio(sample):.0%}); 请检查是否选错了文件或列")


def _probe_writable(directory: Path, shown: str | Path) -> None:
    """CSVError unless a file can be created in ``directory``: os.access says yes to root
    on /proc, so create (and remove) a real one."""
    try:
        fd, name = tempfile.mkstemp(prefix=".minsheng-probe-", dir=directory)
    except OSError as exc:
        raise CSVError(f"无法写入 {shown}: 目录 {directory} 不可写 ({exc.strerror or exc})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)


def _not_a_file(path: Path) -> bool:
    """Whether ``path`` (through links) exists and is no regular file: a device, a pipe."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _a_device(path: Path) -> bool:
    """Whether ``path`` (through links) is a character device (/dev/null, a terminal): written
    in place, what it holds is not lost by writing it, and two outputs may be one."""
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (through links too), existing or not yet."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output(path: str | Path, others: tuple[str | Path, ...] = ()) -> Path:
    """CSVError unless ``path`` can be an output file: not empty, not a directory, not the
    same file as any of ``others`` (the input, another output: writing it would destroy
    that data), in a writable directory (missing folders are created when it is written, below
    the nearest existing one, which must be writable). Commands call it before the work, so a
    bad --out fails at once."""
    if not str(path).strip():
        raise CSVError("输出路径为空")
    if str(path) == STDIN:  # a file named "-" in the working directory was written, and reported as "→ -"
        raise CSVError("输出路径 - : 不写到标准输出 (它留给摘要); 请给出输出文件名")
    if str(path).endswith(("/", os.sep)):  # Path() drops the slash: --out results/ wrote a file named results
        raise CSVError(f"输出路径 {path} 以 / 结尾, 是目录; 请给出输出文件名")
    path = Path(path)
    if path.is_dir():
        raise CSVError(f"输出路径是目录, 不是文件: {path}")
    same = next((other for other in others if other and same_file(path, other)), None)
    if same is not None and not _a_device(path):  # /dev/null twice, a terminal's stdout and stderr: written in place
        raise CSVError(f"输出文件 {path} 与 {same} 是同一个文件, 写入会覆盖它; 请换一个输出文件名")
    if _not_a_file(path):  # /dev/null, a named pipe: written in place (``replacing``), its folder is not written
        if not os.access(path, os.W_OK):
            raise CSVError(f"无法写入 {path}: 没有写权限")
        return path
    _probe_writable(_nearest_folder(path, "输出目录"), path)  # missing folders are made when it is written
    if path.exists() and not os.access(path, os.W_OK):  # replacing it by a rename would pass over its mode
        raise CSVError(f"输出文件 {path} 是只读的; 请换一个输出文件名, 或先改变它的权限")
    return path


def check_not_model_file(path: str | Path, model: str | Path) -> None:
    """CSVError when the output ``path`` is one of the files of the model directory ``model``
    (model.json, weights.npz; through links too): ``classify --out M/model.json`` wrote the
    predictions over the model it had read. Other files beside the model's are fine."""
    for name in ("model.json", "weights.npz"):
        if same_file(path, Path(model) / name):
            raise CSVError(f"输出文件 {path} 是模型 {model} 的 {name}, 写入会毁掉模型; 请换一个输出文件名")


def check_model_output(path: str | Path) -> Path:
    """CSVError unless ``path`` can receive a model: not empty, not a file, and either a
    minsheng model directory (retraining replaces its files), an empty directory, or a new
    one whose nearest existing parent is a writable directory (missing folders are created,
    as for ``var/models/topic`` on a fresh install). A folder holding other files is
    refused rather than filled with model files. Called before training."""
    if not str(path).strip():
        raise CSVError("--out 为空; 请给出模型目录")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise CSVError(f"--out {path} 已存在且不是目录")
    if path.is_dir():
        try:
            names = {p.name for p in path.iterdir()}
        except OSError as exc:
            raise CSVError(f"无法读取模型目录 {path}: {exc.strerror or exc}") from None
        if names and "model.json" not in names and not names <= MODEL_FILES:
            raise CSVError(f"--out {path} 不是 minsheng 模型目录 (没有 model.json, 却有其他文件); 请换一个新目录或空目录")
        _probe_writable(path, path)
        return path
    _probe_writable(_nearest_folder(path, "模型目录", path), path)
    return path


def _nearest_folder(path: Path, what: str, made: Path | None = None) -> Path:
    """The nearest existing folder above ``path``, where the missing ones (``made``, by
    default ``path``'s parent) will be created; CSVError when it is a file."""
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise CSVError(f"无法创建{what} {made or path.parent}: {ancestor} 不是目录")
    return ancestor


@contextlib.contextmanager
def replacing(path: str | Path):
    """A temporary path beside ``path`` (checked by ``check_output``) for the block to
    write; renamed onto ``path`` when the block succeeds, removed otherwise, so a failure
    (an I/O error, or an error raised while the content is produced) never leaves a
    half-written file at ``path``. A symbolic link at ``path`` stays a link: its target is
    written. A device or a named pipe (/dev/null, a pipe to another program) is written in
    place: renaming the file onto it replaced it (run as root, --out /dev/full turned the
    device into a CSV file and reported success)."""
    path = check_output(path)
    if _not_a_file(path):
        try:
            yield path
        except OSError as exc:
            raise CSVError(f"无法写入 {path}: {exc.strerror or exc}") from None
        return
    path = Path(os.path.realpath(path))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # --out results/run1/p.csv in a fresh folder
        yield tmp
        replace_keeping_mode(tmp, path)
    except OSError as exc:
        raise CSVError(f"无法写入 {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def row_counter(progress, total: int, what: str, *, every: int = 0):
    """``count(done)``, the count of a long file's rows on stderr: 「  done/total what」 through ``progress``
    (``minsheng.progress.Progress``) at every ``every``-th row and the last; None for a file of one step or
    fewer (read in a moment, it says nothing). ``every`` is the command's step, ``PROGRESS_EVERY`` unless it
    passes its own (score-replies: 1,000). ``count`` takes a second argument, ignored, to be the
    ``progress(done, total)`` of ``classify.evaluate``."""
    every = every or PROGRESS_EVERY
    if total <= every:
        return None

    def count(done: int, _total: int | None = None) -> None:
        if due(done, total, every):
            progress(f"  {done}/{total} {what}", done, total)

    return count


def replace_keeping_mode(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` onto ``path``; a file written over keeps its permissions (a 600 file
    stays private), as with ``>``: the CSV outputs, and a model directory's files."""
    if path.exists():
        shutil.copymode(path, tmp)
    os.replace(tmp, path)


def write_rows(path: str | Path, header: list[str], rows) -> int:
    """Write plain UTF-8 CSV without a BOM, so that a program reading it as UTF-8 finds the
    first column under its exact name (留言编号), its lines ending in \n as the reference files'
    do (csv's default \r\n left a \r on the header that `head -1` shows); return the count.
    Written through ``replacing``: never half-written."""
    with replacing(path) as tmp:
        return fill_csv(tmp, header, rows)


def fill_csv(path: str | Path, header: list[str], rows) -> int:
    """``write_rows`` straight into ``path``: for the temporary file of a ``replacing`` block
    that writes two outputs, both or neither."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


# --- dates and counts (hotspots, replies) ----------------------------------------
# a cell quoted in an error is cut to 40 characters: a 留言时间 or 点赞数 holding a whole letter (a column
# shifted) made a one-line error of 100,000 characters
QUOTED_MAX = 40


_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d %H:%M:%S", "%Y%m%d")
# 2019/2/28 11:25:05, as the first of _TIME_FORMATS reads it (ASCII digits, one space)
_PLAIN_TIME = re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2}) ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})")
_DOTTED_DATE = re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})(?=\s|$)")
# days since 1899-12-30: 10000 is 1927, 99999 is 2173; a spreadsheet writes no leading zero (00000 or
# 01234 in the column is a code or an id, not a day of 1899)
_EXCEL_SERIAL = re.compile(r"[1-9]\d{4}(?:\.\d+)?")
# 14时30分, 14点30分05秒, 14时: the clock written in Chinese, read as 14:30, 14:30:05, 14:00
_HAN_CLOCK = re.compile(r"(?<![0-9])([0-9]{1,2})[时点](?:([0-9]{1,2})分)?(?:([0-9]{1,2})秒)?")
_FRACTION = re.compile(r"(:[0-9]{2})\.[0-9]+(?![0-9.Zz+/])")
_HALF_DAY = re.compile(r"\s*(上午|下午|AM|PM|am|pm)\s*")


def _spreadsheet_time(text: str):
    """A naive datetime from what a spreadsheet writes when 留言时间 loses its format: the
    serial day number (43473.6118 is 2019/1/8 14:41, rounded to the second), or a 12-hour
    clock (2019/1/8 下午 2:39, 2019/1/8 2:39:05 PM); None for anything else."""
    import datetime as dt

    if _EXCEL_SERIAL.fullmatch(text):
        return dt.datetime(1899, 12, 30) + dt.timedelta(seconds=round(float(text) * 86400))
    half = _HALF_DAY.search(text)
    if not half or " " not in text.strip():
        return None
    clock = _HALF_DAY.sub(" ", text).strip()
    for fmt in ("%Y/%m/%d %I:%M:%S", "%Y/%m/%d %I:%M"):
        try:
            at = dt.datetime.strptime(clock, fmt)
        except ValueError:
            continue
        return at.replace(hour=at.hour % 12 + (12 if half.group(1) in ("下午", "PM", "pm") else 0))
    return None


def parse_time(value: str, path, number: int, column: str, line: int | None = None):
    """A naive datetime from 2019/2/28 11:25:05, 2019-08-01 09:00, 2019.8.1 09:00,
    2019年2月28日 11:25, ISO 8601, a spreadsheet's serial day number (43473.6118) or 12-hour
    clock (2019/1/8 下午 2:39); CSVError names the file, the row (record ``number``, file
    ``line``) and the column otherwise. A date with the year last (1/8/2019) is refused:
    month-first or day-first cannot be told apart."""
    import datetime as dt

    shown = (value or "").strip()
    if not shown:
        raise CSVError(f"{path}: {row_name(number, line)}的 {column} 为空 (应为 2019/1/8 14:39:05 或 2019-01-08 14:39 之类)")
    # full-width digits, colons and slashes (２０１９/３/１ １４：００, typed with a Chinese input method) as ASCII
    raw = unicodedata.normalize("NFKC", shown)
    raw = _HAN_CLOCK.sub(lambda m: f"{m.group(1)}:{m.group(2) or '00'}" + (f":{m.group(3)}" if m.group(3) else ""), raw)
    text = _DOTTED_DATE.sub(r"\1/\2/\3", raw).replace("-", "/").replace("T", " ")
    if "年" in text:  # 2019年2月28日 11:25:05, as a Chinese spreadsheet writes a date
        text = " ".join(text.replace("年", "/").replace("月", "/").replace("日", " ").split())
    if "." in text and not _EXCEL_SERIAL.fullmatch(text):  # 11:25:05.250: the fraction of a second is dropped
        # (not before a zone: 06:00:00.250Z is read whole below, in the site's time)
        text = _FRACTION.sub(r"\1", text)
    if plain := _PLAIN_TIME.fullmatch(text):  # the reference files' own form, read without strptime (slow)
        with contextlib.suppress(ValueError):  # (2019/2/30, 24:00: as strptime below, refused)
            return dt.datetime(*map(int, plain.groups()))
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    at = _spreadsheet_time(text)
    if at is not None:
        return at
    try:
        at = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CSVError(f"{path}: {row_name(number, line)}的 {column} 不是有效的时间: {cut(shown, QUOTED_MAX)!r} "
                       "(应为 2019/1/8 14:39:05 或 2019-01-08 14:39 之类)") from None
    if at.tzinfo is not None:  # 2019-03-01T06:00:00Z is 14:00 in 北京时间, the time of every other row
        at = at.astimezone(_local_zone())
    return at.replace(tzinfo=None, microsecond=0)  # the fraction of a second dropped, as above


def _local_zone():
    """The zone a time written with an offset is read in: the site's TIME_ZONE (Asia/Shanghai)."""
    import zoneinfo

    from django.conf import settings

    return zoneinfo.ZoneInfo(getattr(settings, "TIME_ZONE", None) or "Asia/Shanghai")


def parse_count(value: str, path, number: int, column: str, line: int | None = None) -> int:
    """A count (点赞数, 反对数): a whole number, 0 or more, written as 2 or as a spreadsheet
    writes it (2.0); empty means 0. Anything else (1.9, -3, abc, 1e400) is a CSVError naming
    the file, the row and the column: truncating 1.9 to 1 would silently change the data."""
    raw = (value or "").strip()
    if not raw:
        return 0
    where = f"{path}: {row_name(number, line)}的 {column}"
    try:
        count = float(raw)
    except ValueError:
        raise CSVError(f"{where} 不是数字: {cut(raw, QUOTED_MAX)!r}") from None
    if not math.isfinite(count):
        raise CSVError(f"{where} 不是数字: {cut(raw, QUOTED_MAX)!r}")
    if count < 0:
        raise CSVError(f"{where} 不能为负数: {cut(raw, QUOTED_MAX)!r}")
    if not count.is_integer():
        raise CSVError(f"{where} 应为整数: {cut(raw, QUOTED_MAX)!r}")
    return int(count)
