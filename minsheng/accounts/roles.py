"""What a user may see and do, from their memberships. One place for scoping rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q

from .models import Membership

R = Membership.Role


@dataclass
class Roles:
    unit_ids: set[int] = field(default_factory=set)  # officer / head
    head_unit_ids: set[int] = field(default_factory=set)
    dispatch_prefixes: list[str] = field(default_factory=list)  # region subtree prefixes
    supervise_prefixes: list[str] = field(default_factory=list)
    admin: bool = False

    @property
    def is_staff_member(self) -> bool:
        return bool(self.admin or self.unit_ids or self.dispatch_prefixes or self.supervise_prefixes)

    @cached_property
    def _offices(self) -> list[tuple[int, int, str]]:
        """(id, unit id, region prefix) of each leader's office (留言对象) whose messages reach one of the user's
        units, read once for ``office_addressee_ids``, ``office_prefixes`` and ``office_only`` (until
        2026-12-06 each of the last two read the rows again: /staff/ read them twice for an office)."""
        if not self.unit_ids:
            return []
        from minsheng.directory.models import Addressee

        return list(Addressee.objects.filter(unit_id__in=self.unit_ids, is_active=True)
                    .values_list("pk", "unit_id", "region__prefix"))

    @property
    def office_addressee_ids(self) -> list[int]:
        """The leaders' offices (留言对象) whose messages reach one of the user's units (the
        addressee's 受理单位): that office reads its leader's board, every message written to it
        (领导留言板 on the workbench). Read on first use only."""
        return [pk for pk, _, _ in self._offices]

    @property
    def office_prefixes(self) -> list[str]:
        """The region prefixes of the leaders whose office this is (``office_addressee_ids``): the office
        oversees its leader's region's late cases as a leader does (/stats/overdue/, since 2026-12-06:
        兰州市委书记's office read 「共 0 件」 beside 兰州市's 12 late). Not the contact details: those stay the
        dispatchers', supervisors' and admins' (``stats.views._personal_allowed``)."""
        return sorted({prefix for _, _, prefix in self._offices})

    @property
    def office_only(self) -> bool:
        """Whether the user's only role is a leader's office: each of their units receives a leader's messages
        (a 留言对象's 受理单位) and they neither dispatch, supervise nor administer. Such an account lands on its
        领导来信 after login (since 2026-12-06; before, on an empty 本单位待办) — unless a case of its units is in
        hand: the unit receiving a leader's messages may handle cases too (政务服务中心), and its 本单位待办 is then
        not empty (review of 2026-12-06: it landed on 领导来信 and saw nothing of them)."""
        if self.admin or self.dispatch_prefixes or self.supervise_prefixes or not self._offices:
            return False
        from minsheng.board.models import Assignment

        offices = {unit_id for _, unit_id, _ in self._offices}
        return self.unit_ids <= offices and not Assignment.objects.filter(
            unit_id__in=self.unit_ids, state=Assignment.State.ACTIVE).exists()

    @property
    def is_officer(self) -> bool:
        return bool(self.unit_ids)

    @property
    def is_dispatcher(self) -> bool:
        return self.admin or bool(self.dispatch_prefixes)

    @property
    def is_supervisor(self) -> bool:
        return self.admin or bool(self.supervise_prefixes)

    def dispatches(self, region) -> bool:
        return self.admin or any(region.code.startswith(p) for p in self.dispatch_prefixes)

    def supervises(self, region) -> bool:
        return self.admin or any(region.code.startswith(p) for p in self.supervise_prefixes)

    def supervises_some_of(self, region) -> bool:
        """Whether they supervise ``region`` or a region within it (兰州市's supervisor some of 甘肃省, none of 定西市)."""
        return self.admin or any(region.code.startswith(p) or p.startswith(region.prefix) for p in self.supervise_prefixes)

    def region_q(self, prefixes: list[str], field_name: str = "region__code") -> Q:
        if self.admin:
            return Q()
        if not prefixes:
            return Q(pk__in=[])
        q = Q()
        for p in prefixes:
            q |= Q(**{f"{field_name}__startswith": p})
        return q

    def staff_messages_q(self) -> Q:
        """Messages this user handles or oversees (for private fields and lists)."""
        if self.admin:
            return Q()
        q = Q(pk__in=[])
        if self.unit_ids:
            q |= Q(assignments__unit_id__in=self.unit_ids)
        if self.office_addressee_ids:  # the office of the leader it was written to
            q |= Q(addressee_id__in=self.office_addressee_ids)
        prefixes = self.dispatch_prefixes + self.supervise_prefixes
        if prefixes:
            q |= self.region_q(prefixes)
        return q


def roles_of(user) -> Roles:
    """Roles of ``user``, cached on the object for the request."""
    if user is None or not user.is_authenticated:
        return Roles()
    cached = getattr(user, "_roles", None)
    if cached is not None:
        return cached
    roles = Roles(admin=user.is_superuser)
    for m in Membership.objects.filter(user=user).select_related("unit__region", "region"):
        if m.role == R.ADMIN:
            roles.admin = True
        elif m.role in (R.OFFICER, R.HEAD) and m.unit_id:
            roles.unit_ids.add(m.unit_id)
            if m.role == R.HEAD:
                roles.head_unit_ids.add(m.unit_id)
        else:
            region = m.region or (m.unit.region if m.unit else None)
            if region is None:
                continue
            prefix = region.prefix
            (roles.dispatch_prefixes if m.role == R.DISPATCHER else roles.supervise_prefixes).append(prefix)
    user._roles = roles
    return roles
