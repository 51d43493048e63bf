"""本单位办理情况: a unit head's (单位负责人) view of the unit's open cases, per 承办人 and
unassigned, with how many are overdue or due within two working days; every count opens the
inbox filtered to those cases. Its queries do not grow with the cases or the officers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import urlencode

from minsheng.accounts.models import Membership, User
from minsheng.directory.models import Unit

from ..deadlines import clock
from ..models import Assignment
from ..workflow import Status
from .staff import DUE_SOON_WORKING_DAYS, _inbox_tabs, _staff_roles, id_param

A = Assignment
# the inbox tabs each count opens, with the column's heading
# (待签收 and 督办 since 2026-12-05: the head read neither, the cases nobody had signed nor those a supervisor pressed on)
# (签收超期 since 2026-12-05 (later): the inbox's tab, which the head could not read per 承办人)
COLUMNS = {"todo": "主办", "new": "待签收", "sign_late": "签收超期", "assist": "协办", "overdue": "已超期",
           "soon": "即将到期", "supervised": "督办"}


def _row(unit_id: int, handler, name: str, note: str, counts: dict) -> dict:
    """A line of the table: its counts, each with the inbox address that lists those cases."""
    query = {"unit": unit_id, "handler": "none" if handler is None else handler}
    inbox = reverse("board:inbox")
    return {"name": name, "note": note, "unassigned": handler is None, "late": bool(counts.get("overdue")),
            "cells": [(label, counts.get(key, 0), f"{inbox}?{urlencode({'tab': key, **query})}", key)
                      for key, label in COLUMNS.items()]}


def _note(user, staff: dict) -> str:
    """An account switched off in the admin keeps its cases until the head gives them out again."""
    if not user.is_active:
        return "账号已停用"
    return staff.get(user.pk, "已不在本单位")


def _units_asked(request, roles) -> list[int]:
    """The units the user heads (a platform admin: the one named by ?unit=), or one of them."""
    asked = id_param(request.GET.get("unit", ""))
    if asked is not None and (roles.admin or asked in roles.head_unit_ids):
        return [asked]
    if not roles.head_unit_ids:
        raise PermissionDenied("仅限单位负责人查看本单位办理情况" if not roles.admin
                               else "请在地址中用 ?unit= 指定要查看的单位")
    return sorted(roles.head_unit_ids)


@login_required
def unit_work(request):
    roles = _staff_roles(request)
    unit_ids = _units_asked(request, roles)
    now = clock()  # late as every page counts it (``deadlines.clock``)
    tabs = _inbox_tabs(now)
    open_cases = A.objects.filter(unit_id__in=unit_ids, state=A.State.ACTIVE, message__status__in=Status.handling())
    counted = (open_cases.order_by().values("unit_id", "handler_id")
               .annotate(**{key: Count("pk", filter=tabs[key][1]) for key in COLUMNS}))
    counts = {(c["unit_id"], c["handler_id"]): c for c in counted}
    members: dict[int, dict[int, str]] = {}  # unit -> user -> role label (a head who is an officer too: 单位负责人)
    for unit_id, user_id, role in (Membership.objects.filter(unit_id__in=unit_ids, role__in=[Membership.Role.OFFICER,
                                                                                               Membership.Role.HEAD])
                                   .values_list("unit_id", "user_id", "role")):
        if role == Membership.Role.HEAD or user_id not in members.setdefault(unit_id, {}):
            members.setdefault(unit_id, {})[user_id] = Membership.Role(role).label
    # a 承办人 who left the unit keeps the cases given to them until the head gives them out again
    people = {u.pk: u for u in User.objects.filter(
        pk__in={*(h for _, h in counts if h is not None), *(u for m in members.values() for u in m)})}
    units = []
    for unit in Unit.objects.filter(pk__in=unit_ids).order_by("name"):
        staff = members.get(unit.pk, {})
        handlers = [*staff, *(h for u, h in counts if u == unit.pk and h is not None and h not in staff)]
        # by name in pinyin (User.name_key, as the 指派 lists; since 2026-12-05, before by character code)
        rows = [_row(unit.pk, h, str(people[h]), _note(people[h], staff), counts.get((unit.pk, h), {}))
                for h in sorted((h for h in handlers if h in people),
                                key=lambda h: (people[h].name_key, str(people[h]), h))]
        rows.append(_row(unit.pk, None, "未指派", "", counts.get((unit.pk, None), {})))
        totals = [(label, sum(r["cells"][i][1] for r in rows)) for i, label in enumerate(COLUMNS.values())]
        units.append({"unit": unit, "rows": rows, "totals": totals})
    return render(request, "board/staff/unit_work.html", {
        "units": units, "section": "unit_work", "now": now, "soon_days": DUE_SOON_WORKING_DAYS,
        "columns": COLUMNS.values()})


urlpatterns = [
    path("staff/unit-work/", unit_work, name="unit_work"),
]
