"""Demo accounts: one named login per role, an officer for every unit (so every
generated case is handled by someone), a dispatcher and a supervisor for every
prefecture, and a crowd of citizens. All share one documented password."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from minsheng.accounts.models import Membership, User
from minsheng.accounts.rights import PRIVACY_VERSION
from minsheng.columns import columns, ljust
from minsheng.directory.models import Region, Unit

from .demo_text import NICK_TAILS, NICKNAMES, SURNAMES

DEMO_PASSWORD = "minsheng2026"
CITIZENS = 400
R = Membership.Role

# username, display name, role, unit name or region code, page to open (URL name), note
PERSONAS: list[tuple[str, str, str | None, str | None, str, str]] = [
    ("13900000001", "小李", None, None, "board:my_messages", "市民: 我的留言、评价、重办、撤回 (也可用 citizen@example.com 登录)"),
    ("lz_housing", "住建局张科长", R.OFFICER, "兰州市住房和城乡建设局", "board:inbox", "承办人员: 兰州市住建局的待办"),
    ("lz_ecology", "生态环境局刘工", R.OFFICER, "兰州市生态环境局", "board:inbox", "另一单位的承办人员 (看不到住建局的案件)"),
    ("lz_housing_head", "住建局王局长", R.HEAD, "兰州市住房和城乡建设局", "board:unit_work", "单位负责人: 兰州市住建局 (本单位办理情况、指派承办人)"),
    ("lz_dispatcher", "兰州12345派单员", R.DISPATCHER, "620100", "board:triage", "派单员: 兰州市及所辖区县"),
    ("gs_dispatcher", "省12345派单员", R.DISPATCHER, "620000", "board:triage", "派单员: 甘肃省全省"),
    ("lz_supervisor", "兰州市督办员", R.SUPERVISOR, "620100", "board:supervision", "督办员: 兰州市 (超期、督办、延期审批)"),
    ("gs_supervisor", "省督办员", R.SUPERVISOR, "620000", "board:supervision", "督办员: 甘肃省全省"),
    ("admin", "平台管理员", R.ADMIN, None, "admin:index", "平台管理员 (Django admin 超级用户)"),
]

# more officers of a persona's unit, not personas themselves: the unit's head (单位负责人) gives its
# cases to them and to its persona officer (指派承办人), so that 本单位办理情况 has people to count
COLLEAGUES: list[tuple[str, str, str]] = [
    ("lz_housing_li", "住建局李科员", "兰州市住房和城乡建设局"),
    ("lz_housing_zhao", "住建局赵科员", "兰州市住房和城乡建设局"),
]


@dataclass
class Cast:
    """Who acts in the generated histories."""

    citizens: list[User]
    persona: dict[str, User]
    officers: dict[int, User]  # unit id -> officer
    dispatchers: dict[str, User]  # prefecture (or province) code -> dispatcher
    supervisors: dict[str, User]
    units: dict[int, Unit] = field(default_factory=dict)
    heads: dict[int, User] = field(default_factory=dict)  # unit id -> its head (a persona)
    handlers: dict[int, list[User]] = field(default_factory=dict)  # unit id -> whom its head assigns cases to

    def dispatcher_for(self, region: Region) -> User:
        return self.dispatchers.get(region.code[:4] + "00") or self.dispatchers["620000"]

    def supervisor_for(self, region: Region) -> User:
        return self.supervisors.get(region.code[:4] + "00") or self.supervisors["620000"]


def _citizen_name(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return rng.choice(NICKNAMES)
    return rng.choice(SURNAMES) + rng.choice(NICK_TAILS)


def ensure_accounts() -> Cast:
    """Create the demo accounts that are missing (idempotent) and return the cast."""
    password = make_password(DEMO_PASSWORD)  # hashed once: hundreds of accounts share it
    regions = {r.code: r for r in Region.objects.filter(level__lte=2)}
    units = {u.id: u for u in Unit.objects.select_related("region")}
    unit_by_name = {u.name: u for u in units.values()}
    wanted: dict[str, dict] = {}
    # the demo's citizens registered, so consented to the privacy notice (no 同意隐私政策 after signing in)
    consented = {"privacy_consented_at": timezone.now(), "privacy_version": PRIVACY_VERSION}
    memberships: list[tuple[str, str, Unit | None, Region | None]] = []

    for username, display, role, target, _, _ in PERSONAS:
        extra = {}
        if role is None:
            extra = {"phone": username, "email": "citizen@example.com", "phone_verified": True, **consented}
        if role == R.ADMIN:
            extra = {"is_superuser": True, "is_staff": True, "email": "admin@example.gov.cn"}
        wanted[username] = {"display_name": display, **extra}
        if role in (R.OFFICER, R.HEAD):
            memberships.append((username, role, unit_by_name[target], None))
        elif role in (R.DISPATCHER, R.SUPERVISOR):
            memberships.append((username, role, None, regions[target]))
        elif role == R.ADMIN:
            memberships.append((username, role, None, None))

    for username, display, target in COLLEAGUES:
        wanted[username] = {"display_name": display}
        memberships.append((username, R.OFFICER, unit_by_name[target], None))

    persona_units = {unit_by_name[t].id for _, _, role, t, _, _ in PERSONAS if role == R.OFFICER}
    unit_usernames: dict[int, str] = {}
    for unit in sorted(units.values(), key=lambda u: (u.region.code, u.name)):
        if unit.id in persona_units:
            continue
        count = sum(1 for name in unit_usernames.values() if name.startswith(f"o{unit.region.code}-"))
        username = f"o{unit.region.code}-{count + 1:02d}"
        unit_usernames[unit.id] = username
        wanted[username] = {"display_name": f"{unit.short_name or unit.name}承办人"}
        memberships.append((username, R.OFFICER, unit, None))
    for code, region in regions.items():
        if code in ("620000", "620100"):
            continue  # the named personas serve these
        for prefix, role, label in (("d", R.DISPATCHER, "派单员"), ("s", R.SUPERVISOR, "督办员")):
            wanted[f"{prefix}{code}"] = {"display_name": f"{region.name}{label}"}
            memberships.append((f"{prefix}{code}", role, None, region))

    rng = random.Random(20260101)  # citizens are the same in every demo database
    for i in range(CITIZENS):
        phone = f"139{10000000 + i * 7919 % 89999999:08d}"
        wanted[phone] = {"display_name": _citizen_name(rng), "phone": phone, "phone_verified": True,
                         **consented}

    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    made = [User(username=name, password=password, **fields) for name, fields in wanted.items() if name not in existing]
    for user in made:  # bulk_create calls no save(): the 承办人 sort key (User.name_key) set here
        user.key_name()
    User.objects.bulk_create(made, batch_size=500)
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    have = set(Membership.objects.filter(user__in=users.values()).values_list("user__username", "role", "unit_id",
                                                                              "region_id"))
    Membership.objects.bulk_create([
        Membership(user=users[name], role=role, unit=unit, region=region)
        for name, role, unit, region in memberships
        if (name, role, unit.id if unit else None, region.id if region else None) not in have
    ], batch_size=500)

    persona = {name: users[name] for name, *_ in PERSONAS}
    officers = {unit_id: users[name] for unit_id, name in unit_usernames.items()}
    for name, _, role, target, _, _ in PERSONAS:
        if role == R.OFFICER:
            officers[unit_by_name[target].id] = users[name]
    heads = {unit_by_name[target].id: users[name] for name, _, role, target, _, _ in PERSONAS if role == R.HEAD}
    handlers = {unit_id: [officers[unit_id], *(users[name] for name, _, target in COLLEAGUES
                                               if unit_by_name[target].id == unit_id)]
                for unit_id in heads if unit_id in officers}
    dispatchers = {code: users[f"d{code}"] for code in regions if f"d{code}" in users}
    supervisors = {code: users[f"s{code}"] for code in regions if f"s{code}" in users}
    dispatchers.update({"620000": users["gs_dispatcher"], "620100": users["lz_dispatcher"]})
    supervisors.update({"620000": users["gs_supervisor"], "620100": users["lz_supervisor"]})
    citizens = sorted((u for u in users.values() if u.phone and u.username != "13900000001"),
                      key=lambda u: u.username)
    return Cast(citizens, persona, officers, dispatchers, supervisors, units, heads, handlers)


def logins_lines() -> list[str]:
    """``logins_table`` as `minsheng demo` and `minsheng serve` print it, its columns lined up in a terminal
    (the roles are Chinese: 另一单位的承办人员 pushed its user name six columns right of the others')."""
    rows = logins_table()
    role_width = max(columns(role) for role, *_ in rows)
    name_width = max(columns(username) for _, username, *_ in rows)
    return [f"  {ljust(role, role_width)}  {ljust(username, name_width)}  {password}  {what}"
            for role, username, password, what in rows]


def logins_table() -> list[tuple[str, str, str, str]]:
    """(role, username, password, what to open) for every demo persona."""
    from django.urls import NoReverseMatch, reverse

    rows = []
    for username, _, _, _, url_name, note in PERSONAS:
        try:
            path = reverse(url_name)
        except NoReverseMatch:
            path = "/"
        role, _, what = note.partition(": ")
        rows.append((role.split(" (")[0], username, DEMO_PASSWORD, f"{path}  {what or note}"))
        if username == "lz_ecology":  # beside the other officers
            rows.extend(_leader_office_login())
    return rows


def _leader_office_login() -> list[tuple[str, str, str, str]]:
    """The officer of 兰州市's first leader's office (the unit receiving its messages: 中共兰州市委员会办公室
    for 兰州市委书记), its 领导留言板; not a persona (one would renumber the units' o… accounts)."""
    from django.urls import reverse

    from minsheng.directory.models import Addressee

    office = (Addressee.objects.filter(region__code="620100", is_active=True, unit__isnull=False)
              .select_related("unit").first())
    officer = office and (Membership.objects.filter(unit=office.unit, role=R.OFFICER, user__username__startswith="o")
                          .select_related("user").order_by("user__username").first())
    if not officer:
        return []
    return [("领导办公室", officer.user.username, DEMO_PASSWORD,
             f"{reverse('board:leader_office')}  {office.unit.name}: 写给{office.title}的全部留言 (领导留言板, 只读)")]
