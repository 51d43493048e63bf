"""The directory as CSV files, with natural keys so it round-trips between databases.

Files (UTF-8, a BOM is written for spreadsheet programs and accepted on input):

- regions.csv          code, name, level (1–4), parent_code
- units.csv            name, short_name, region_code, kind, parent_name, is_active, contact_phone
- addressees.csv       region_code, title, unit_name, sort, is_active
- topics.csv           code, name, parent_code, keywords, sort, is_active
- responsibilities.csv region_code, topic_code, unit_name, role (lead / assist)

Import creates and updates rows by natural key (region code, unit name, addressee
region + title, topic code, responsibility region + topic + unit); rows that are not
in the files are left as they are (switch units, addressees and topics off with
``is_active``). Every row is validated first; on any error nothing changes.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from minsheng.insight.csvio import replacing  # the one way outputs are written

from .models import (
    CODE_RESERVED,
    UNCLASSIFIED_CODE,
    Addressee,
    Region,
    Responsibility,
    Topic,
    Unit,
    normalize_contact_phone,
    validate_contact_phone,
)

FILES: dict[str, list[str]] = {
    "regions.csv": ["code", "name", "level", "parent_code"],
    "units.csv": ["name", "short_name", "region_code", "kind", "parent_name", "is_active", "contact_phone"],
    "addressees.csv": ["region_code", "title", "unit_name", "sort", "is_active"],
    "topics.csv": ["code", "name", "parent_code", "keywords", "sort", "is_active"],
    "responsibilities.csv": ["region_code", "topic_code", "unit_name", "role"],
}
# Columns an input file may leave out (they take the model default).
OPTIONAL = {"short_name", "kind", "parent_name", "is_active", "sort", "keywords", "unit_name", "parent_code", "role",
            "contact_phone"}

_CODE = re.compile(r"^\d{6}(\d{3})?(\d{3})?$", re.ASCII)  # ６２０１００ (full-width) is not a code
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_INT = 2_147_483_647  # PositiveIntegerField on PostgreSQL
_TRUE = {"1", "true", "yes", "是", "y"}
_FALSE = {"0", "false", "no", "否", "n"}

Progress = Callable[[str], None]


class DirectoryImportError(ValueError):
    """Validation failed; ``errors`` holds one line per problem ("file:line: message")."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"{len(errors)} 处错误, 未做任何修改")


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return (self.values.get(key) or "").strip()

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Bundle:
    rows: dict[str, list[Row]] = field(default_factory=dict)

    @classmethod
    def from_dicts(cls, data: dict[str, list[dict[str, str]]]) -> Bundle:
        return cls({name: [Row(name, i, values) for i, values in enumerate(data.get(name, []), start=2)]
                    for name in FILES})

    def get(self, name: str) -> list[Row]:
        return self.rows.get(name, [])


@dataclass
class Result:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # 「注意: …」 lines: written, but worth a look

    def count(self, name: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[name] = bucket.get(name, 0) + 1

    def summary(self) -> str:
        parts = []
        for name in FILES:
            c, u, s = self.created.get(name, 0), self.updated.get(name, 0), self.unchanged.get(name, 0)
            if c or u or s:
                parts.append(f"{name}: 新增 {c}, 更新 {u}, 未变 {s}")
        return "; ".join(parts) or "没有数据"


# --- export ---------------------------------------------------------------------

def export_rows() -> dict[str, list[dict[str, str]]]:
    regions = [{"code": r.code, "name": r.name, "level": str(r.level), "parent_code": r.parent.code if r.parent else ""}
               for r in Region.objects.select_related("parent").order_by("level", "code")]
    units = [{"name": u.name, "short_name": u.short_name, "region_code": u.region.code, "kind": u.kind,
              "parent_name": u.parent.name if u.parent else "", "is_active": _bool_out(u.is_active),
              "contact_phone": u.contact_phone}
             for u in Unit.objects.select_related("region", "parent").order_by("region__code", "name")]
    addressees = [{"region_code": a.region.code, "title": a.title, "unit_name": a.unit.name if a.unit else "",
                   "sort": str(a.sort), "is_active": _bool_out(a.is_active)}
                  for a in Addressee.objects.select_related("region", "unit").order_by("region__code", "sort", "title")]
    topics = [{"code": t.code, "name": t.name, "parent_code": t.parent.code if t.parent else "",
               "keywords": t.keywords, "sort": str(t.sort), "is_active": _bool_out(t.is_active)}
              for t in _topics_parents_first()]
    responsibilities = [{"region_code": r.region.code, "topic_code": r.topic.code, "unit_name": r.unit.name,
                         "role": r.role}
                        for r in Responsibility.objects.select_related("region", "topic", "unit")
                        .order_by("region__code", "topic__code", "role", "unit__name")]
    return {"regions.csv": regions, "units.csv": units, "addressees.csv": addressees, "topics.csv": topics,
            "responsibilities.csv": responsibilities}


def _topics_parents_first() -> list[Topic]:
    topics = list(Topic.objects.select_related("parent").order_by("sort", "code"))
    return sorted(topics, key=lambda t: (len(t.lineage()), t.sort, t.code))


def _bool_out(value: bool) -> str:
    return "1" if value else "0"


def export_directory(out: Path) -> dict[str, int]:
    """Write the five CSV files into ``out`` (created if missing); returns row counts. All
    five or none: each is written beside its name and renamed once all are written (a full
    disk, or a folder named units.csv, truncated the earlier export's file and left the
    five from two exports). insight.csvio.CSVError when one cannot be written. The rows are read
    first: a database never migrated left an empty ``out`` behind (until 2026-12-07)."""
    tables = export_rows()
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    with contextlib.ExitStack() as files:
        for name, rows in tables.items():
            with open(files.enter_context(replacing(out / name)), "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=FILES[name])
                writer.writeheader()
                writer.writerows(rows)
            counts[name] = len(rows)
    return counts


# --- reading --------------------------------------------------------------------

def read_directory(folder: Path) -> tuple[Bundle, list[str]]:
    """Read whichever of the five files exist in ``folder``; returns (bundle, errors)."""
    errors: list[str] = []
    if not folder.is_dir():
        return Bundle(), [f"{folder}: 是文件, 请给出存放这些文件的目录" if folder.exists() else f"{folder}: 目录不存在"]
    present = [name for name in FILES if (folder / name).is_file()]
    if not present:
        return Bundle(), [f"{folder}: 没有找到 {', '.join(FILES)} 中的任何文件"]
    bundle = Bundle()
    for name in present:
        rows, file_errors = read_table(folder / name, name, FILES[name], OPTIONAL)
        bundle.rows[name] = rows
        errors += file_errors
    return bundle, errors


def read_table(path: Path, name: str, columns: list[str], optional: set[str]) -> tuple[list[Row], list[str]]:
    """The rows of one CSV file with the header ``columns`` (those in ``optional`` may be
    left out), or one line per problem "name:line: message": encoding (a hint for Excel's
    GBK), quoting, columns, row lengths. A file of another import (accounts.staffcsv) reads
    the same way."""
    reader = None
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                return [], [f"{name}:1: 文件为空, 缺少表头"]
            repeated = sorted({c for c in header if header.count(c) > 1})
            if repeated:  # a row would silently keep the last of the two values
                return [], [f"{name}:1: 表头有重复的列名 {', '.join(repeated)}"]
            missing = [c for c in columns if c not in header and c not in optional]
            unknown = [c for c in header if c not in columns]
            if missing or unknown:
                problems = []
                if missing:
                    problems.append(f"缺少列 {', '.join(missing)}")
                if unknown:
                    problems.append(f"未知列 {', '.join(unknown)}")
                return [], [f"{name}:1: {'; '.join(problems)} (应为 {','.join(columns)})"]
            rows, errors = [], []
            for values in reader:
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    errors.append(f"{name}:{line}: 应有 {len(header)} 列, 实际 {len(values)} 列")
                    continue
                if any("\x00" in v for v in values):  # PostgreSQL refuses it; no name holds one
                    errors.append(f"{name}:{line}: 含有 NUL 字符 (\\x00), 请删除后重试")
                    continue
                rows.append(Row(name, line, dict(zip(header, values, strict=True))))
            return rows, errors
    except UnicodeDecodeError:
        return [], [_encoding_error(path, name)]
    except csv.Error as exc:
        line = reader.line_num if reader is not None else 1
        return [], [f"{name}:{line}: CSV 格式错误 (引号或分隔符不匹配): {exc}"]


def _encoding_error(path: Path, name: str) -> str:
    """Where the file stops being UTF-8, and the likely cause: Excel in China saves
    「CSV (逗号分隔)」 in GBK. Guessing the encoding could write garbled names, so say it."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
        line = 1
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
    try:
        raw.decode("gb18030")
        cause = ", 看来是 GBK 编码 (Excel「CSV (逗号分隔)」的默认格式)"
    except UnicodeDecodeError:
        cause = ""
    return (f"{name}:{line}: 不是 UTF-8 编码{cause}; 请在 Excel 中另存为「CSV UTF-8 (逗号分隔)」, "
            "或在 WPS、记事本中以 UTF-8 编码保存")


# --- validation ---------------------------------------------------------------------

def _parse_bool(row: Row, key: str, errors: list[str], default: bool = True) -> bool:
    raw = row[key].lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    errors.append(f"{row.where}: {key} 应为 1 或 0, 而不是 {row[key]!r}")
    return default


def _parse_int(row: Row, key: str, errors: list[str], default: int = 0) -> int:
    raw = row[key]
    if not raw:
        return default
    # isdigit() alone takes ² and full-width digits, and the column is a 32-bit integer
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_INT:
        errors.append(f"{row.where}: {key} 应为 0 至 {MAX_INT} 之间的整数, 而不是 {raw!r}")
        return default
    return int(raw)


def _unknown(row: Row, key: str, label: str) -> str:
    """A reference that names nothing: left empty (a unit with no region), or not found."""
    if not row[key]:
        return f"{row.where}: 缺少{label} {key}"
    return f"{row.where}: {label} {row[key]} 不存在{_excel_hint(row[key])}"


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")


def _excel_hint(value: str) -> str:
    """Excel shows a 12-digit code as 3.30502E+11 and saves it so: the digits are lost."""
    if _SCIENTIFIC.match(value):
        return "; 看来是 Excel 把长数字存成了科学计数法: 请把该列设为「文本」格式, 重新填入代码后再保存"
    return ""


def validate(bundle: Bundle) -> list[str]:
    """Every problem of every row, one line each; empty when the bundle can be applied."""
    errors: list[str] = []
    _spell_topic_codes_as_stored(bundle)
    regions = _validate_regions(bundle.get("regions.csv"), errors)
    topics = _validate_topics(bundle.get("topics.csv"), errors)
    units = _validate_units(bundle.get("units.csv"), regions, errors)
    _validate_addressees(bundle.get("addressees.csv"), regions, units, errors)
    _validate_responsibilities(bundle.get("responsibilities.csv"), regions, topics, units, errors)
    _validate_moved_units(bundle, regions, units, errors)
    return sorted(errors, key=_position)


def _spell_topic_codes_as_stored(bundle: Bundle) -> None:
    """Topic codes are read without regard to case (``Topic.objects.coded``): a file's 「URBAN」 is the stored
    「urban」, whose row it updates, and a code new in the file is spelled as in its first row of topics.csv,
    wherever the file names it (``parent_code``, ``topic_code``); a second row of it is a repeated code."""
    spelled = {code.lower(): code for code in Topic.objects.values_list("code", flat=True)}
    for row in bundle.get("topics.csv"):
        spelled.setdefault(row["code"].lower(), row["code"])
    for name, keys in (("topics.csv", ("code", "parent_code")), ("responsibilities.csv", ("topic_code",))):
        for row in bundle.get(name):
            for key in keys:
                if row[key]:
                    row.values[key] = spelled.get(row[key].lower(), row[key])


def _position(error: str) -> tuple[int, int]:
    """Errors in the order of the files and their lines, as the admin reads them."""
    name, _, rest = error.partition(":")
    line = rest.partition(":")[0]
    return (list(FILES).index(name) if name in FILES else len(FILES), int(line) if line.isdigit() else 0)


def _serves(unit_region: str, region: str, levels: dict[str, int]) -> bool:
    """Unit.serves on codes: the unit's region is ``region`` or above it."""
    if unit_region not in levels or region not in levels:
        return True  # reported as unknown elsewhere
    level = levels[unit_region]
    return region.startswith(Region.prefix_for(unit_region, level)) and levels[region] >= level


def _validate_regions(rows: list[Row], errors: list[str]) -> dict[str, int]:
    """Region codes known after the import -> level."""
    known = dict(Region.objects.values_list("code", "level"))
    in_file: dict[str, Row] = {}
    for row in rows:
        code = row["code"]
        if not _CODE.match(code):
            errors.append(f"{row.where}: 区划代码 {code!r} 应为 6、9 或 12 位数字{_excel_hint(code)}")
            continue
        if code in in_file:
            errors.append(f"{row.where}: 区划代码 {code} 与第 {in_file[code].line} 行重复")
            continue
        in_file[code] = row
        level = _parse_int(row, "level", errors, default=Region.level_for(code))
        if level not in (1, 2, 3, 4):
            errors.append(f"{row.where}: level 应为 1(省级)、2(地级)、3(县级) 或 4(乡级)")
        elif level != Region.level_for(code):
            errors.append(f"{row.where}: 区划代码 {code} 与级别 {level} 不符")
        if not row["name"] or len(row["name"]) > 50:
            errors.append(f"{row.where}: 名称不能为空且不超过 50 字")
        known[code] = level
    for code, row in in_file.items():
        parent = row["parent_code"]
        level = known[code]
        if level == 1:
            if parent:
                errors.append(f"{row.where}: 省级区划不能有上级区划")
            continue
        if not parent:
            errors.append(f"{row.where}: 缺少上级区划 parent_code" + (
                f"; 地级区划也要有上级: 在 regions.csv 加一行它所在的省 ({code[:2]}0000, level 1) 并填为 parent_code"
                if level == 2 else ""))
        elif parent not in known:
            errors.append(f"{row.where}: 上级区划 {parent} 不存在")
        elif known[parent] >= level or not code.startswith(Region.prefix_for(parent, known[parent])):
            errors.append(f"{row.where}: 上级区划 {parent} 不是 {code} 的上级")
    return known


def _validate_topics(rows: list[Row], errors: list[str]) -> set[str]:
    parents = dict(Topic.objects.values_list("code", "parent__code"))
    in_file: dict[str, Row] = {}
    for row in rows:
        code = row["code"]
        if not code or len(code) > 40 or not _SLUG.match(code):
            errors.append(f"{row.where}: 领域代码 {code!r} 只能由字母、数字、- 和 _ 组成 (不超过 40 字符)")
            continue
        if code.lower() == UNCLASSIFIED_CODE:
            errors.append(f"{row.where}: {CODE_RESERVED}")
            continue
        if code in in_file:
            errors.append(f"{row.where}: 领域代码 {code} 与第 {in_file[code].line} 行重复 (领域代码不区分大小写)")
            continue
        in_file[code] = row
        if not row["name"] or len(row["name"]) > 50:
            errors.append(f"{row.where}: 名称不能为空且不超过 50 字")
        if len(row["keywords"]) > 300:
            errors.append(f"{row.where}: 关键词不超过 300 字")
        _parse_int(row, "sort", errors)
        _parse_bool(row, "is_active", errors)
        parents[code] = row["parent_code"] or None
    for code, row in in_file.items():
        parent = row["parent_code"]
        if parent and parent not in parents:
            errors.append(f"{row.where}: 上级领域 {parent} 不存在")
            continue
        seen, node = {code}, parents.get(code)
        while node:
            if node in seen:
                errors.append(f"{row.where}: 领域 {code} 的上级关系形成了循环")
                break
            seen.add(node)
            node = parents.get(node)
    _refuse_active_twins(in_file, errors)
    return set(parents)


def _refuse_active_twins(in_file: dict[str, Row], errors: list[str]) -> None:
    """Two active topics of one name, as the admin refuses them (``Topic.clean``): the table's
    active topics, as the file leaves them, keep their names; a row of the file naming one again errs."""
    stored = dict(Topic.objects.filter(is_active=True).exclude(code__in=in_file).values_list("code", "name"))
    holder = {name: code for code, name in stored.items()}
    for code, row in in_file.items():
        if not row["name"] or not _parse_bool(row, "is_active", []):
            continue
        twin = holder.setdefault(row["name"], code)
        if twin != code:
            errors.append(f"{row.where}: {Topic.same_name_refused(row['name'], twin)}")


def _validate_units(rows: list[Row], regions: dict[str, int], errors: list[str]) -> dict[str, str]:
    """Unit names known after the import -> their region code."""
    known = dict(Unit.objects.values_list("name", "region__code"))
    in_file: dict[str, Row] = {}
    kinds = set(Unit.Kind.values)
    for row in rows:
        name = row["name"]
        if not name or len(name) > 100:
            errors.append(f"{row.where}: 单位名称不能为空且不超过 100 字")
            continue
        if name in in_file:
            errors.append(f"{row.where}: 单位 {name} 与第 {in_file[name].line} 行重复")
            continue
        in_file[name] = row
        if len(row["short_name"]) > 30:
            errors.append(f"{row.where}: 简称不超过 30 字")
        if row["region_code"] not in regions:
            errors.append(_unknown(row, "region_code", "所在区划"))
        if row["kind"] and row["kind"] not in kinds:
            errors.append(f"{row.where}: 类别 {row['kind']!r} 应为 {', '.join(sorted(kinds))} 之一")
        _parse_bool(row, "is_active", errors)
        try:
            validate_contact_phone(row["contact_phone"])
        except ValidationError as exc:
            errors.append(f"{row.where}: 联系电话 {exc.messages[0]}")
        if len(row["contact_phone"]) > 100:
            errors.append(f"{row.where}: 联系电话不超过 100 字")
    known |= {name: row["region_code"] for name, row in in_file.items()}
    for row in in_file.values():
        parent = row["parent_name"]
        if parent and parent not in known:
            errors.append(f"{row.where}: 上级单位 {parent} 不存在")
        elif parent == row["name"]:
            errors.append(f"{row.where}: 上级单位不能是自己")
    return known


def _validate_addressees(rows, regions, units, errors) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["region_code"], row["title"])
        if not row["title"] or len(row["title"]) > 50:
            errors.append(f"{row.where}: 称谓不能为空且不超过 50 字")
            continue
        if key in seen:
            errors.append(f"{row.where}: {row['title']} 与第 {seen[key]} 行重复")
            continue
        seen[key] = row.line
        if row["region_code"] not in regions:
            errors.append(_unknown(row, "region_code", "区划"))
        if row["unit_name"] and row["unit_name"] not in units:
            errors.append(f"{row.where}: 单位 {row['unit_name']} 不存在")
        _parse_int(row, "sort", errors)
        _parse_bool(row, "is_active", errors)


def _validate_responsibilities(rows, regions, topics, units, errors) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    roles = set(Responsibility.Role.values)
    for row in rows:
        key = (row["region_code"], row["topic_code"], row["unit_name"])
        if key in seen:
            errors.append(f"{row.where}: 与第 {seen[key]} 行重复")
            continue
        seen[key] = row.line
        if row["region_code"] not in regions:
            errors.append(_unknown(row, "region_code", "区划"))
        if row["topic_code"] not in topics:
            errors.append(_unknown(row, "topic_code", "领域"))
        if row["unit_name"] not in units:
            errors.append(_unknown(row, "unit_name", "单位"))
        elif not _serves(units[row["unit_name"]], row["region_code"], regions):
            errors.append(f"{row.where}: 单位 {row['unit_name']} 属于区划 {units[row['unit_name']]}, 不能承办 "
                          f"{row['region_code']} 的留言 (须为该区划或其上级区划的单位)")
        if row["role"] and row["role"] not in roles:
            errors.append(f"{row.where}: 角色 {row['role']!r} 应为 lead(主办) 或 assist(协办)")
    _validate_one_lead(rows, seen, errors)


def _validate_one_lead(rows: list[Row], seen: dict, errors: list[str]) -> None:
    """Routing takes the first lead it finds, so a region and topic get one lead unit,
    counting the rows already in the database that the file leaves as they are."""
    roles = {(region, topic, unit): role for region, topic, unit, role in Responsibility.objects.values_list(
        "region__code", "topic__code", "unit__name", "role")}
    for row in rows:
        if seen.get((row["region_code"], row["topic_code"], row["unit_name"])) == row.line:
            roles[(row["region_code"], row["topic_code"], row["unit_name"])] = row["role"] or Responsibility.Role.LEAD
    leads: dict[tuple[str, str], list[str]] = {}
    for (region, topic, unit), role in roles.items():
        if role == Responsibility.Role.LEAD:
            leads.setdefault((region, topic), []).append(unit)
    for row in rows:
        pair = (row["region_code"], row["topic_code"])
        if (row["role"] or Responsibility.Role.LEAD) != Responsibility.Role.LEAD or len(leads.get(pair, [])) < 2:
            continue
        if seen.get((*pair, row["unit_name"])) != row.line:
            continue
        others = "、".join(sorted(u for u in leads[pair] if u != row["unit_name"]))
        errors.append(f"{row.where}: {row['region_code']} · {row['topic_code']} 已有主办单位 {others}; 一个区划的一个领域"
                      "只能有一个主办单位, 把其中一行改为 assist, 或先在后台删除原来的行")


def _validate_moved_units(bundle: Bundle, regions: dict[str, int], units: dict[str, str], errors: list[str]) -> None:
    """A unit moved to another region must still serve the table rows the file leaves as they are."""
    in_file = {(r["region_code"], r["topic_code"], r["unit_name"]) for r in bundle.get("responsibilities.csv")}
    before = dict(Unit.objects.values_list("name", "region__code"))
    moved = {row["name"]: row for row in bundle.get("units.csv") if before.get(row["name"], row["region_code"])
             != row["region_code"]}
    rows = Responsibility.objects.filter(unit__name__in=list(moved)).values_list("region__code", "topic__code",
                                                                                  "unit__name")
    stray: dict[str, list[str]] = {}
    for region, topic, unit in rows:
        if (region, topic, unit) not in in_file and not _serves(units[unit], region, regions):
            stray.setdefault(unit, []).append(f"{region} · {topic}")
    for unit, pairs in stray.items():
        errors.append(f"{moved[unit].where}: 单位 {unit} 移到区划 {units[unit]} 后, 不能再承办权责清单中的 "
                      f"{'、'.join(pairs[:5])} 等 {len(pairs)} 行 (须为该区划或其上级区划的单位), 请先修改这些行")


# --- applying -------------------------------------------------------------------------

class _DryRun(Exception):
    pass


def import_directory(bundle: Bundle, *, commit: bool, progress: Progress | None = None) -> Result:
    """Validate, then apply in one transaction (rolled back unless ``commit``).

    Raises DirectoryImportError listing every problem; nothing changes then."""
    errors = validate(bundle)
    if errors:
        raise DirectoryImportError(errors)
    result = Result()
    try:
        with transaction.atomic():
            _apply(bundle, result, progress or (lambda line: None))
            if not commit:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _save(obj, fields: dict, result: Result, name: str) -> None:
    """Set ``fields`` on an existing row and save only what changed."""
    changed = [k for k, v in fields.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, fields[k])
    if changed:
        obj.save(update_fields=changed)
        result.count(name, "updated")
    else:
        result.count(name, "unchanged")


def _apply(bundle: Bundle, result: Result, progress: Progress) -> None:
    regions = _apply_regions(bundle.get("regions.csv"), result, progress)
    topics = _apply_topics(bundle.get("topics.csv"), result, progress)
    units = _apply_units(bundle.get("units.csv"), regions, result, progress)
    _apply_addressees(bundle.get("addressees.csv"), regions, units, result, progress)
    _apply_responsibilities(bundle.get("responsibilities.csv"), regions, topics, units, result, progress)
    _note_switched_off_leads(bundle.get("units.csv"), units, result)


def _note_switched_off_leads(rows, units: dict[str, Unit], result: Result) -> None:
    """A unit of units.csv switched off that still leads rows of the table once everything is applied: routing
    skips it (routing.py), so those messages fall back to the region above's unit or to a dispatcher. Said as the
    admin says it (UnitAdmin.save_model); until 2026-12-06 the import said nothing."""
    off = {units[row["name"]].pk: row for row in rows if not _parse_bool(row, "is_active", [])}
    leads = defaultdict(list)
    for unit_id, topic in (Responsibility.objects.filter(unit_id__in=off, role=Responsibility.Role.LEAD)
                           .order_by("topic__code").values_list("unit_id", "topic__name")):
        leads[unit_id].append(topic)
    for unit_id, topics in leads.items():
        row = off[unit_id]
        result.notes.append(f"注意: {row.where}: {row['name']} 已停用, 但仍是权责清单中 {len(topics)} 行的主办单位 "
                            f"({'、'.join(dict.fromkeys(topics))}): 这些留言将按上级区划的权责清单派单或需人工派单; "
                            "请在 responsibilities.csv 中改为新的主办单位")


def _report(progress: Progress, name: str, done: int, total: int) -> None:
    if total and (done == total or done % 200 == 0):
        progress(f"{name}: {done}/{total}")


def _apply_regions(rows, result, progress) -> dict[str, Region]:
    name = "regions.csv"
    by_code = {r.code: r for r in Region.objects.all()}
    ordered = sorted(rows, key=lambda r: (Region.level_for(r["code"]), r["code"]))
    for i, row in enumerate(ordered, start=1):
        code = row["code"]
        fields = {"name": row["name"], "level": int(row["level"] or Region.level_for(code)),
                  "parent_id": by_code[row["parent_code"]].pk if row["parent_code"] else None}
        if code in by_code:
            _save(by_code[code], fields, result, name)
        else:
            by_code[code] = Region.objects.create(code=code, **fields)
            result.count(name, "created")
        _report(progress, name, i, len(ordered))
    return by_code


def _apply_topics(rows, result, progress) -> dict[str, Topic]:
    name = "topics.csv"
    by_code = {t.code: t for t in Topic.objects.all()}
    pending = list(rows)
    done = 0
    # parents first: a topic is saved once its parent exists
    while pending:
        waiting = {p["code"] for p in pending}
        ready = [r for r in pending if not r["parent_code"] or (r["parent_code"] in by_code
                                                                and r["parent_code"] not in waiting)]
        if not ready:  # validate() rules out cycles; never loop forever
            raise DirectoryImportError([f"{r.where}: 领域 {r['code']} 的上级关系形成了循环" for r in pending])
        for row in ready:
            errors: list[str] = []
            fields = {"name": row["name"], "keywords": row["keywords"], "sort": _parse_int(row, "sort", errors),
                      "is_active": _parse_bool(row, "is_active", errors),
                      "parent_id": by_code[row["parent_code"]].pk if row["parent_code"] else None}
            if row["code"] in by_code:
                _save(by_code[row["code"]], fields, result, name)
            else:
                by_code[row["code"]] = Topic.objects.create(code=row["code"], **fields)
                result.count(name, "created")
            done += 1
            _report(progress, name, done, len(rows))
        pending = [r for r in pending if r not in ready]
    return by_code


def _apply_units(rows, regions, result, progress) -> dict[str, Unit]:
    name = "units.csv"
    by_name = {u.name: u for u in Unit.objects.all()}
    for i, row in enumerate(rows, start=1):
        errors: list[str] = []
        fields = {"short_name": row["short_name"], "region_id": regions[row["region_code"]].pk,
                  "kind": row["kind"] or Unit.Kind.DEPARTMENT, "is_active": _parse_bool(row, "is_active", errors)}
        if "contact_phone" in row.values:  # a file written before 2026-12-06 has none: the units keep theirs
            fields["contact_phone"] = normalize_contact_phone(row["contact_phone"])
        if row["name"] in by_name:
            _save(by_name[row["name"]], fields, result, name)
        else:
            by_name[row["name"]] = Unit.objects.create(name=row["name"], **fields)
            result.count(name, "created")
        _report(progress, name, i, len(rows))
    # parents once every unit exists (a parent may come later in the file)
    for row in rows:
        unit = by_name[row["name"]]
        parent_id = by_name[row["parent_name"]].pk if row["parent_name"] else None
        if unit.parent_id != parent_id:
            unit.parent_id = parent_id
            unit.save(update_fields=["parent"])
    return by_name


def _apply_addressees(rows, regions, units, result, progress) -> None:
    name = "addressees.csv"
    existing = {(a.region_id, a.title): a for a in Addressee.objects.all()}
    for i, row in enumerate(rows, start=1):
        errors: list[str] = []
        region = regions[row["region_code"]]
        fields = {"unit_id": units[row["unit_name"]].pk if row["unit_name"] else None,
                  "sort": _parse_int(row, "sort", errors), "is_active": _parse_bool(row, "is_active", errors)}
        current = existing.get((region.pk, row["title"]))
        if current:
            _save(current, fields, result, name)
        else:
            Addressee.objects.create(region=region, title=row["title"], **fields)
            result.count(name, "created")
        _report(progress, name, i, len(rows))


def _apply_responsibilities(rows, regions, topics, units, result, progress) -> None:
    name = "responsibilities.csv"
    existing = {(r.region_id, r.topic_id, r.unit_id): r for r in Responsibility.objects.all()}
    new = []
    for i, row in enumerate(rows, start=1):
        key = (regions[row["region_code"]].pk, topics[row["topic_code"]].pk, units[row["unit_name"]].pk)
        role = row["role"] or Responsibility.Role.LEAD
        if key in existing:
            _save(existing[key], {"role": role}, result, name)
        else:
            new.append(Responsibility(region_id=key[0], topic_id=key[1], unit_id=key[2], role=role))
            existing[key] = new[-1]
            result.count(name, "created")
        _report(progress, name, i, len(rows))
    Responsibility.objects.bulk_create(new, batch_size=500)
