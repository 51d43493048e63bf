"""领导留言板 on the workbench: the office of a leader (the 留言对象's 受理单位, e.g. 中共兰州市委员会
办公室 for 兰州市委书记) reads every message written to its leader, in every status (待审核 and 未受理
too, which the public board leaves out), with who handles it now and its reply deadline, and the
board's public figures. Each message opens its case page, read-only for the office unless it
also handles the case. Its queries do not grow with the messages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode

from minsheng.directory.models import Addressee

from ..models import Assignment, Message
from ..workflow import Status
from .public import public_figures
from .staff import _paginate, _staff_roles, due_words, id_param

A = Assignment


def _filters(now) -> dict[str, tuple[str, Q]]:
    """The list's filters: key -> (label, condition); 已超期 as the inbox counts it (a case
    awaiting its reply past the deadline)."""
    return {
        "all": ("全部", Q()),
        "pending": ("待审核", Q(status=Status.SUBMITTED)),
        "handling": ("办理中", Q(status__in=Status.handling())),
        "overdue": ("已超期", Q(status__in=Status.handling(), due_at__lt=now)),
        "answered": ("已答复", Q(status__in=Status.answered())),
        "other": ("未受理、撤回、并单", Q(status__in=[Status.REJECTED, Status.WITHDRAWN, Status.MERGED])),
    }


@login_required
def leader_office(request):
    roles = _staff_roles(request)
    offices = list(Addressee.objects.filter(pk__in=roles.office_addressee_ids).select_related("region", "unit"))
    if not offices:
        raise PermissionDenied("您的单位不是任何领导留言板的受理单位")
    asked = id_param(request.GET.get("addressee", ""))
    office = next((a for a in offices if a.pk == asked), offices[0])
    now = timezone.now()
    filters = _filters(now)
    shown = request.GET.get("show", "all")
    if shown not in filters:
        shown = "all"
    base = Message.objects.filter(addressee=office)
    counts = base.aggregate(**{key: Count("pk", filter=q) for key, (_, q) in filters.items()})
    # the unit handling it now, or the one that answered it (its last lead assignment, 办结 once answered)
    leads = (A.objects.filter(state__in=[A.State.ACTIVE, A.State.DONE], role=A.Role.LEAD).select_related("unit")
             .order_by("-assigned_at", "-pk"))
    qs = (base.filter(filters[shown][1]).select_related("region", "topic")
          .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="leads"))
          .order_by("-submitted_at", "-pk"))
    page = _paginate(request, qs, count=counts[shown])
    page.object_list = list(page.object_list)
    for m in page.object_list:
        m.lead = m.leads[0].unit if m.leads else None
        m.awaited = m.status in Status.handling() and m.due_at is not None  # a reply awaited by a deadline
        m.late = m.awaited and m.due_at < now
        m.due_words = due_words(now, m.due_at) if m.awaited else ""
    return render(request, "board/staff/leader_office.html", {
        "offices": offices, "office": office, "figures": public_figures(office), "page": page,
        "tabs": [(key, label, counts[key]) for key, (label, _) in filters.items()], "shown": shown,
        "keep": urlencode({"addressee": office.pk, "show": shown}),
        "now": now, "section": "leader_office"})


urlpatterns = [
    path("staff/leader-board/", leader_office, name="leader_office"),
]
