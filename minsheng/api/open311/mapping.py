"""How minsheng's data reads in Open311 terms (documented in docs/open311.md).

- a service is a topic (领域); its group is the parent topic's name (a top-level
  topic is its own group);
- a service request is a message; status ``open`` while it awaits an answer,
  ``closed`` once answered or ended (see STATUS_MAP);
- jurisdiction_id is a GB/T 2260 region code.
"""

from __future__ import annotations

from django.utils import timezone

from minsheng.api.models import Open311Key
from minsheng.board.models import Assignment, MessageKind
from minsheng.board.position import position_shown
from minsheng.board.workflow import Status
from minsheng.directory.models import UNCLASSIFIED_CODE, Region, Topic

S = Status
STATUS_MAP = {
    S.SUBMITTED: "open", S.ACCEPTED: "open", S.DISPATCHED: "open", S.SIGNED: "open",
    S.REPLIED: "closed", S.EVALUATED: "closed", S.CLOSED: "closed",
    S.REJECTED: "closed", S.WITHDRAWN: "closed", S.MERGED: "closed",
}
OPEN_STATUSES = [s for s, v in STATUS_MAP.items() if v == "open"]
CLOSED_STATUSES = [s for s, v in STATUS_MAP.items() if v == "closed"]
UNCLASSIFIED = UNCLASSIFIED_CODE  # reserved: no topic may take it (directory.models)


def iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def status_notes(message) -> str:
    """One line in Chinese: the state and, where there is one, its reason."""
    label = Status(message.status).label
    if message.status == S.REJECTED and message.reject_reason:
        return f"{label}: {message.reject_reason}"
    if message.status == S.MERGED and message.duplicate_of_id:
        main = message.public_main
        return f"{label}: 与留言 {main.public_id} 合并办理" if main else f"{label}: 与另一条留言合并办理"
    lead = lead_unit(message)
    if message.status in (S.DISPATCHED, S.SIGNED) and lead:
        return f"{label}: {lead}"
    if message.status in Status.answered() and lead:
        return f"{label}: {lead}已答复"
    return label


def lead_unit(message) -> str | None:
    """The lead unit handling the case, or, once answered, the one that answered it (the latest
    lead). None when no unit leads it: a case its lead returned (退单) waits for the dispatcher —
    until 2026-12-05 it named the unit that had returned it, also once withdrawn or rejected."""
    leads = [a for a in message.assignment_list if a.role == Assignment.Role.LEAD]
    active = [a for a in leads if a.state == Assignment.State.ACTIVE]
    if active:
        return active[0].unit.name
    if leads and message.status in Status.answered():
        return max(leads, key=lambda a: a.assigned_at).unit.name
    return None


def service_code_of(message) -> str:
    topic = message.topic or message.predicted_topic
    return topic.code if topic else UNCLASSIFIED


def sent_by(extra, request) -> bool:
    """Whether the caller is the Open311 key that posted the request (a personal token's id is no key's):
    on Open311 and on /api/v1/, which takes the key too (views.public.MessageDetail)."""
    return extra is not None and isinstance(request.auth, Open311Key) and extra.api_key_id == request.auth.pk


def request_record(message, request) -> dict:
    """One request as GeoReport v2 shows it; ``message`` comes from views.request_queryset
    (which annotates ``last_event_at`` and lists ``assignment_list`` and ``attachment_list``)."""
    topic = message.topic or message.predicted_topic
    media_url = None
    extra = getattr(message, "open311", None)
    # the link a client sent, to that client alone: it may be a presigned address (a signature valid for days) to
    # the photo as taken, EXIF position and all; everyone else reads the site's re-encoded photo once it is fetched
    # (until 2026-12-06 anyone read the link once the message was public)
    if extra is not None and extra.media_url and sent_by(extra, request):
        media_url = extra.media_url
    else:
        photos = message.attachment_list
        if photos:
            media_url = request.build_absolute_uri(photos[0].file.url)
    # the point as sent to the key that posted it, to 3 decimals to everyone else (board.position, docs/security.md)
    lat, lng = position_shown(message, exact=sent_by(extra, request))
    return {
        "service_request_id": message.public_id,
        "status": STATUS_MAP[message.status],
        "status_notes": status_notes(message),
        "service_name": topic.name if topic else "未分类",
        "service_code": service_code_of(message),
        "description": message.public_body[:4000],
        "agency_responsible": lead_unit(message),
        "service_notice": None,
        "requested_datetime": iso(message.submitted_at),
        "updated_datetime": iso(message.last_event_at or message.submitted_at),
        "expected_datetime": iso(message.due_at) if STATUS_MAP[message.status] == "open" else None,
        "address": message.public_address or message.region.full_name,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lng,
        "media_url": media_url,
    }


def service_record(topic: Topic, parent_names: dict[int, str]) -> dict:
    return {
        "service_code": topic.code,
        "service_name": topic.name,
        "description": f"{topic.name}方面的留言 (建言、投诉、求助、咨询)",
        "metadata": True,
        "type": "batch",
        "keywords": ",".join(k for k in topic.keywords.replace("，", ",").replace(" ", ",").split(",") if k),
        "group": parent_names.get(topic.parent_id, topic.name),
    }


def attributes(jurisdiction: Region | None) -> list[dict]:
    from minsheng.directory.models import Addressee

    addressees = Addressee.objects.filter(is_active=True).select_related("region").order_by("region__code", "sort")
    if jurisdiction is not None:
        addressees = addressees.filter(region__code__startswith=jurisdiction.prefix)
    addressees = list(addressees[:500])
    return [
        {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "留言类型, 缺省为「求助」", "order": 1, "description": "留言类型",
         "values": [{"key": k, "name": n} for k, n in MessageKind.choices]},
        {"variable": True, "code": "region", "datatype": "string", "required": jurisdiction is None,
         "datatype_description": "GB/T 2260 区划代码 (6 位或 9/12 位), 缺省为 jurisdiction_id", "order": 2,
         "description": "问题所在的行政区划"},
        {"variable": True, "code": "title", "datatype": "string", "required": False,
         "datatype_description": "最多 50 字; 缺省取描述的第一句", "order": 3, "description": "留言标题"},
        {"variable": True, "code": "addressee", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "留言对象编号", "order": 4, "description": "写给哪位领导 (留言对象)",
         "values": [{"key": str(a.pk), "name": f"{a.region.name}·{a.title}" if a.region.name not in a.title
                     else a.title} for a in addressees]},
        {"variable": True, "code": "show_name", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "true 或 false, 缺省 false", "order": 5, "description": "公开显示留言人姓名",
         "values": [{"key": "false", "name": "匿名"}, {"key": "true", "name": "公开姓名"}]},
    ]
