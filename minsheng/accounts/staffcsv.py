"""Staff accounts from a CSV file (``minsheng import-staff``): one row per role.

Columns (UTF-8, read as the directory files are: ``directory.csvio.read_table``):

- username      the name staff sign in with (letters, digits, @ . + - _)
- display_name  昵称, shown on the 工作台 and on their work
- role          派单员 / 承办人员 / 单位负责人 / 督办员 / 平台管理员, or dispatcher, officer, head,
                supervisor, admin
- unit_name     the unit of an officer or unit head (as in units.csv)
- region_code   the region of a dispatcher or supervisor (it and everything below it)
- phone, email  optional
- password      optional, for a new account only; without it one is generated

A user with several roles has several rows. The roles in the file become the user's roles:
importing again after an officer moved to another unit moves them, it adds no second role.
Accounts not in the file are left as they are, and an existing account keeps its password.
A deactivated account (the admin's 有效 unticked) listed again stays deactivated and is named
(「N 个已停用账号仍停用」: it may have been stopped on purpose); with ``reactivate`` it is active
again (「重新启用 N 个账号」). Its API tokens, revoked when it was deactivated, stay revoked.
A new phone or email (one staff sign in with) ends the account's sessions and revokes its API tokens
(one filled in where the account had none keeps the tokens),
as in the admin (``User.save``; 「N 个账号的手机号或邮箱已更改: 其登录已全部退出」).
Every row is checked first; on any error nothing changes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from minsheng.directory.csvio import DirectoryImportError, Row, read_table
from minsheng.directory.models import Region, Unit

from .forms import PASSWORD_ERRORS
from .models import Membership, User, canonical_phone

COLUMNS = ["username", "display_name", "role", "unit_name", "region_code", "phone", "email", "password"]
OPTIONAL = {"display_name", "unit_name", "region_code", "phone", "email", "password"}
ROLES = {**{code: code for code in Membership.Role.values},
         **{label: code for code, label in Membership.Role.choices}}
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I to misread


def generate_password(length: int = 12) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


@dataclass
class Account:
    """One user of the file: its rows, the fields they give, and the roles."""

    username: str
    rows: list[Row] = field(default_factory=list)
    display_name: str = ""
    phone: str | None = None
    email: str = ""
    password: str = ""
    roles: set[tuple[str, int | None, int | None]] = field(default_factory=set)  # (role, unit id, region id)


@dataclass
class Result:
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (username, display name, password)
    updated: int = 0
    unchanged: int = 0
    roles_added: int = 0
    roles_removed: int = 0
    reactivated: list[str] = field(default_factory=list)  # usernames of deactivated accounts listed again
    reactivate: bool = False  # whether those are made active (--reactivate) or left as they are
    signed_out: int = 0  # accounts given a new phone or email: their sessions ended (User.save)
    revoked_tokens: int = 0  # and their API tokens revoked
    committed: bool = True  # a dry run (rolled back) says what --commit would end, not that it ended

    def summary(self) -> str:
        said = (f"账号: 新增 {len(self.created)}, 更新 {self.updated}, 未变 {self.unchanged}; "
                f"角色: 新增 {self.roles_added}, 删除 {self.roles_removed}")
        if self.reactivated:
            names = ", ".join(self.reactivated)
            said += (f"; 重新启用 {len(self.reactivated)} 个账号 ({names})" if self.reactivate else
                     f"; {len(self.reactivated)} 个已停用账号仍停用 ({names}; 加 --reactivate 重新启用)")
        if self.signed_out:
            done = "已" if self.committed else "将"
            tokens = f", {self.revoked_tokens} 个 API 令牌{done}撤销" if self.revoked_tokens else ""
            said += f"; {self.signed_out} 个账号的手机号或邮箱{done}更改: 其登录{done}全部退出{tokens}"
        return said


def read_staff(path: Path) -> tuple[list[Row], list[str]]:
    if not path.is_file():
        return [], [f"{path}: {'是目录, 请给出 CSV 文件' if path.exists() else '文件不存在'}"]
    return read_table(path, path.name, COLUMNS, OPTIONAL)


def _password_error(error: ValidationError) -> str:
    """A password validator's complaint in Chinese. Too like one of the account's fields: the
    field named (an account of the file is no 「您」, and it is most often its username)."""
    field = (error.params or {}).get("verbose_name")
    if error.code == "password_too_similar" and field:
        return f"密码与{field}太相似"
    return PASSWORD_ERRORS.get(error.code, error.messages[0])


def validate(rows: list[Row]) -> tuple[dict[str, Account], list[str]]:
    """The accounts the rows describe, and one line per problem ("file:line: message")."""
    errors: list[str] = []
    units = {u.name: u.pk for u in Unit.objects.only("name")}
    regions = {r.code: r.pk for r in Region.objects.only("code")}
    accounts: dict[str, Account] = {}
    seen: dict[tuple, int] = {}
    for row in rows:
        account = _account(row, accounts, errors)
        if account is None:
            continue
        role = _role(row, units, regions, errors)
        if role is None:
            continue
        if (account.username, role) in seen:
            errors.append(f"{row.where}: 与第 {seen[account.username, role]} 行重复")
            continue
        seen[account.username, role] = row.line
        account.roles.add(role)
    _check_phones(accounts, errors)
    _check_emails(accounts, errors)
    _check_usernames(accounts, errors)
    for account in accounts.values():
        if account.password and not User.objects.filter(username=account.username).exists():
            try:
                validate_password(account.password, User(username=account.username,
                                                          email=account.email, display_name=account.display_name))
            except ValidationError as exc:
                said = "; ".join(_password_error(e) for e in exc.error_list)
                errors.append(f"{account.rows[0].where}: 密码不可用: {said}")  # Django's too_short is English
    return accounts, errors


def _account(row: Row, accounts: dict[str, Account], errors: list[str]) -> Account | None:
    """The row's account, its fields checked and matched against the user's earlier rows."""
    username = row["username"]
    problems = []
    try:
        User.username_validator(username)
        if not username or len(username) > 150:
            raise ValidationError("")
    except ValidationError:
        errors.append(f"{row.where}: 用户名 {username!r} 只能由字母、数字和 @ . + - _ 组成 (不超过 150 字符)")
        return None
    values = {"display_name": row["display_name"], "email": row["email"], "password": row["password"],
              "phone": row["phone"]}
    if len(values["display_name"]) > 30:
        problems.append("昵称不超过 30 字")
    if values["phone"]:
        phone = canonical_phone(values["phone"])
        if phone is None:
            problems.append(f"手机号 {values['phone']!r} 不是 11 位手机号码")
        values["phone"] = phone
    else:
        values["phone"] = None
    if values["email"]:
        values["email"] = values["email"].lower()  # one email in any case (users_named), stored as the admin stores it
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append(f"邮箱 {values['email']!r} 格式不正确")
    if problems:
        errors.append(f"{row.where}: {'; '.join(problems)}")
        return None
    account = accounts.get(username)
    if account is None:
        account = accounts[username] = Account(username, **values)
    else:  # a further role: a field it repeats must say the same
        for key, value in values.items():
            if value and getattr(account, key) and value != getattr(account, key):
                label = {"display_name": "昵称", "email": "邮箱", "password": "密码", "phone": "手机号"}[key]
                errors.append(f"{row.where}: {username} 的{label}与第 {account.rows[0].line} 行不同")
                return None
            if value:
                setattr(account, key, value)
    account.rows.append(row)
    return account


def _role(row: Row, units: dict[str, int], regions: dict[str, int], errors: list[str]):
    """(role, unit id, region id) of the row, by Membership.clean's rules."""
    role = ROLES.get(row["role"]) or ROLES.get(row["role"].lower())
    if role is None:
        names = "、".join(label for _, label in Membership.Role.choices)
        errors.append(f"{row.where}: 角色 {row['role']!r} 不存在 (应为 {names}, 或 {', '.join(Membership.Role.values)})")
        return None
    label = Membership.Role(role).label
    unit, region = row["unit_name"], row["region_code"]
    if role == Membership.Role.ADMIN:
        if unit or region:
            errors.append(f"{row.where}: 平台管理员管理全平台, unit_name 和 region_code 留空")
            return None
        return role, None, None
    if role in (Membership.Role.OFFICER, Membership.Role.HEAD):
        if region:
            errors.append(f"{row.where}: {label}按单位办理, region_code 留空")
        elif not unit:
            errors.append(f"{row.where}: {label}须指定单位 unit_name")
        elif unit not in units:
            errors.append(f"{row.where}: 单位 {unit} 不存在 (先用 minsheng import-directory 导入 units.csv)")
        else:
            return role, units[unit], None
        return None
    if unit:
        errors.append(f"{row.where}: {label}按区划工作, unit_name 留空")
    elif not region:
        errors.append(f"{row.where}: {label}须指定负责的区划 region_code")
    elif region not in regions:
        errors.append(f"{row.where}: 区划 {region} 不存在 (先用 minsheng import-directory 导入 regions.csv)")
    else:
        return role, None, regions[region]
    return None


def _check_phones(accounts: dict[str, Account], errors: list[str]) -> None:
    """A phone number signs one account in: not two of the file, not someone else's."""
    owners = dict(User.objects.filter(phone__in=[a.phone for a in accounts.values() if a.phone])
                  .values_list("phone", "username"))
    _check_once(accounts, errors, "phone", "手机号", owners, "已是账号 {owner} 的手机号")


def _check_emails(accounts: dict[str, Account], errors: list[str]) -> None:
    """An email signs one account in (``users_named``, in any case): not two of the file, not one another
    account signs in with, as its email or its user name (a citizen registered with it)."""
    emails = {a.email for a in accounts.values() if a.email}
    owners = dict(User.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=emails)
                  .values_list("lower_email", "username"))
    owners.update(User.objects.filter(username__in=emails).values_list("username", "username"))
    _check_once(accounts, errors, "email", "邮箱", owners, "已被账号 {owner} 用于登录")


def _check_usernames(accounts: dict[str, Account], errors: list[str]) -> None:
    """A user name signs in as a phone or an email does (``users_named``): not another account's phone or email
    (2026-12-06: a staff account named after a citizen's phone shared the citizen's sign-in)."""
    phones = {canonical_phone(name): name for name in accounts if canonical_phone(name)}
    emails = {name.lower(): name for name in accounts if "@" in name}
    if not phones and not emails:
        return
    for username, phone, email in (User.objects.annotate(lower_email=Lower("email"))
                                   .filter(Q(phone__in=list(phones)) | Q(lower_email__in=list(emails)))
                                   .values_list("username", "phone", "lower_email")):
        for name, what in ((phones.get(phone), "手机号"), (emails.get(email), "邮箱")):
            if name is not None and name != username:
                errors.append(f"{accounts[name].rows[0].where}: 用户名 {name} 已是账号 {username} 的{what}")


def _check_once(accounts: dict[str, Account], errors: list[str], attr: str, label: str, owners: dict,
                taken: str) -> None:
    """Each account's ``attr`` (a phone, an email) is its own: not another row's of the file, not an account's in
    ``owners`` (value → its user name) other than this one (``taken``, formatted with ``owner``)."""
    in_file: dict[str, Account] = {}
    for account in accounts.values():
        value = getattr(account, attr)
        if not value:
            continue
        other = in_file.get(value)
        if other is not None:
            errors.append(f"{account.rows[0].where}: {label} {value} 与第 {other.rows[0].line} 行的 "
                          f"{other.username} 相同")
        elif owners.get(value, account.username) != account.username:
            errors.append(f"{account.rows[0].where}: {label} {value} {taken.format(owner=owners[value])}")
        in_file[value] = account


def _line(error: str) -> int:
    """Errors in the order of the file's lines (phones and passwords are checked last)."""
    found = re.search(r":(\d+): ", error)
    return int(found.group(1)) if found else 0


class _DryRun(Exception):
    pass


def import_staff(rows: list[Row], *, commit: bool, reactivate: bool = False, progress=None) -> Result:
    """Validate, then create or update every account and set its roles to the file's, in
    one transaction (rolled back unless ``commit``); ``progress(done, total)`` after each
    account (hashing a password takes about half a second: minutes for hundreds); ``reactivate``: make
    the deactivated accounts of the file active again. Raises DirectoryImportError listing
    every problem; nothing changes then."""
    accounts, errors = validate(rows)
    if errors:
        raise DirectoryImportError(sorted(errors, key=_line))
    result = Result(reactivate=reactivate, committed=commit)
    try:
        with transaction.atomic():
            for done, account in enumerate(accounts.values(), start=1):
                _apply(account, result, hash_password=commit)
                if progress:
                    progress(done, len(accounts))
            if not commit:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _apply(account: Account, result: Result, hash_password: bool) -> None:
    fields = {"display_name": account.display_name, "email": account.email, "phone": account.phone}
    user = User.objects.filter(username=account.username).first()
    new, changed = user is None, []
    if new:
        password = account.password or generate_password()
        user = User(username=account.username, **fields)
        # a dry run hashes nothing: a real hash takes a good part of a second, per account
        if hash_password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        result.created.append((user.username, user.display_name, "" if account.password else password))
    else:
        changed = [k for k, v in fields.items() if v and getattr(user, k) != v]  # an empty cell keeps the value
        for k in changed:
            setattr(user, k, fields[k])
        if not user.is_active:  # listed again: back at work if asked (its revoked API tokens stay revoked)
            result.reactivated.append(user.username)
            if result.reactivate:
                user.is_active = True
                changed.append("is_active")
        if changed:
            user.save(update_fields=changed)  # a new phone or email ends the sessions, revokes the tokens
            result.signed_out += user.signed_out
            result.revoked_tokens += user.revoked_tokens
    current = {(m.role, m.unit_id, m.region_id): m for m in Membership.objects.filter(user=user)}
    gone = [m.pk for key, m in current.items() if key not in account.roles]
    Membership.objects.filter(pk__in=gone).delete()
    Membership.objects.bulk_create([Membership(user=user, role=role, unit_id=unit, region_id=region)
                                    for role, unit, region in account.roles if (role, unit, region) not in current])
    added = len(account.roles - set(current))
    result.roles_added += added
    result.roles_removed += len(gone)
    if not new:
        if changed or added or gone:
            result.updated += 1
        else:
            result.unchanged += 1
