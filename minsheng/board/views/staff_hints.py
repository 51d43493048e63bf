"""Hints for the staff workbench from the insight cores: the routing suggestion at
triage, near-duplicates to merge, similar answered messages and the quality score of
a draft reply.

Every hook is guarded: when an insight module is missing or fails, the workbench
falls back (to the responsibility table and the stored machine reading for routing,
to nothing for the lookups) and logs the error; a hint never breaks a page.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from django.conf import settings

from minsheng.directory.models import Region, Topic, Unit
from minsheng.directory.routing import route

from ..models import Message, MessageKind, Reply
from ..moderation import personal_data

log = logging.getLogger(__name__)


@dataclass
class Suggestion:
    lead: Unit | None = None
    assists: list = field(default_factory=list)
    topic: Topic | None = None
    kind: str = ""
    reason: str = ""
    prefill: bool = False
    history: Unit | None = None  # the unit that handled similar messages (insight.suggest.history_unit)
    history_confidence: float | None = None

    @property
    def history_differs(self) -> bool:
        return self.history is not None and self.history != self.lead


def _pick(obj, *names, default=None):
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def _as_model(value, model):
    """A model instance from an instance, a primary key, or (for topics) a code."""
    if value is None or isinstance(value, model):
        return value
    try:
        return model.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        if model is Topic and isinstance(value, str):
            return Topic.objects.filter(code=value).first()
        return None


def _kind_value(value) -> str:
    """A message type's value from its value or its Chinese label ("投诉")."""
    value = str(value or "")
    labels = {label: v for v, label in MessageKind.choices}
    return value if value in MessageKind.values else labels.get(value, "")


def suggestion_for(message: Message) -> Suggestion:
    """Topic/type/unit suggestion from insight.suggest, else the responsibility table."""
    try:
        from minsheng.insight.suggest import suggest_for
    except ImportError:
        suggest_for = None
    if suggest_for is not None:
        try:
            s = suggest_for(message)
        except Exception:
            log.exception("suggest_for failed for message %s", message.pk)
            s = None
        if s is not None:
            topic = _as_model(_pick(s, "topic"), Topic)
            lead = _as_model(_pick(s, "lead", "unit"), Unit)
            assists = [u for u in (_as_model(x, Unit) for x in (_pick(s, "assists", default=[]) or [])) if u]
            reason = str(_pick(s, "reason", default="") or "")
            prefill = bool(_pick(s, "prefill", default=False))
            # The lead follows the topic the form will show: the prediction when it is
            # prefilled, else the citizen's own choice.
            form_topic = topic if prefill else (message.topic or topic)
            if lead is None or (form_topic is not None and topic is not None and form_topic.pk != topic.pk):
                r = route(_as_model(_pick(s, "region"), Region) or message.region, form_topic)
                lead, assists, reason = r.lead, list(r.assists), r.reason
            return Suggestion(lead=lead, assists=assists, topic=topic, kind=_kind_value(_pick(s, "kind")),
                              reason=reason, prefill=prefill, history=_as_model(_pick(s, "history"), Unit),
                              history_confidence=_pick(s, "history_confidence"))
    # Fallback: the stored machine reading, prefilled when it is confident enough.
    threshold = settings.MINSHENG_PREFILL_CONFIDENCE
    confident_topic = message.predicted_topic if (message.topic_confidence or 0) >= threshold else None
    kind = message.predicted_kind if (message.kind_confidence or 0) >= threshold else ""
    r = route(message.region, message.topic or message.predicted_topic)
    return Suggestion(lead=r.lead, assists=list(r.assists), topic=message.topic or confident_topic, kind=kind,
                      reason=r.reason, prefill=bool(confident_topic or kind))


def _scored(found) -> list[tuple[Message, Reply | None, float | None]]:
    """(message, reply, score) from a lookup result: Message objects, (message, score)
    or (message, reply, score) tuples, or objects with a ``message`` attribute."""
    result = []
    for item in found or []:
        reply = score = None
        if isinstance(item, (tuple, list)) and item:
            rest = list(item[1:])
            item = item[0]
            reply = next((x for x in rest if isinstance(x, Reply)), None)
            score = next((x for x in rest if isinstance(x, (int, float)) and not isinstance(x, bool)), None)
        elif not isinstance(item, Message):
            item = _pick(item, "message", default=item)
        item = _as_model(item, Message)
        if item is not None:
            result.append((item, reply, score))
    return result


def near_duplicates_for(message: Message, limit: int = 5) -> list[tuple[Message, float | None]]:
    """Candidates for 并单 (insight.lookup.near_duplicates), with their similarity."""
    try:
        from minsheng.insight.lookup import near_duplicates
    except ImportError:
        return []
    try:
        found = _scored(near_duplicates(message))
    except Exception:
        log.exception("near_duplicates failed for message %s", message.pk)
        return []
    return [(m, score) for m, _, score in found if m.pk != message.pk][:limit]


def similar_answered_for(message: Message, limit: int = 3) -> list[tuple[Message, Reply | None]]:
    """Past answered messages like this one with their latest reply (reply form)."""
    try:
        from minsheng.insight.lookup import similar_answered
    except ImportError:
        return []
    try:
        found = [row for row in _scored(similar_answered(message)) if row[0].pk != message.pk][:limit]
    except Exception:
        log.exception("similar_answered failed for message %s", message.pk)
        return []
    missing = [m for m, reply, _ in found if reply is None]
    latest = {}
    if missing:
        for reply in Reply.objects.filter(message__in=missing).select_related("unit").order_by("published_at"):
            latest[reply.message_id] = reply
    return [(m, reply or latest.get(m.pk)) for m, reply, _ in found]


def quality_for(message: Message, body: str) -> dict | None:
    """Answer-quality score and reasons (insight.lookup.score_for_reply) as a dict."""
    try:
        from minsheng.insight.lookup import score_for_reply
    except ImportError:
        return None
    try:
        q = score_for_reply(message, body)
    except Exception:
        log.exception("score_for_reply failed for message %s", message.pk)
        return None
    leak = personal_data_in_reply(message, body)
    if q is None:
        return {"score": None, "reasons": [leak]} if leak else None
    if dataclasses.is_dataclass(q):
        q = dataclasses.asdict(q)
    elif hasattr(q, "_asdict"):
        q = q._asdict()
    elif not isinstance(q, dict):
        q = {"score": _pick(q, "score"), "reasons": list(_pick(q, "reasons", default=[]) or [])}
    if leak:
        q["reasons"] = [leak, *q.get("reasons", [])]
    return {k: v for k, v in q.items() if _json_safe(v)}


def personal_data_in_reply(message: Message, body: str) -> str:
    """A warning when a reply would publish the citizen's personal data: their phone or
    e-mail (from the message or its contact fields), or any ID or bank-card number."""
    theirs = {f.text for f in personal_data(f"{message.title} {message.body}")}
    theirs |= {message.contact_phone, message.contact_email} - {""}
    found = [f for f in personal_data(body) if f.text in theirs or f.label in ("身份证号", "银行卡号")]
    if not found:
        return ""
    labels = "、".join(dict.fromkeys(f.label for f in found))
    return f"答复中含有留言人的个人信息 ({labels}), 答复会公开发布, 请删去后再发布"


def _json_safe(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))
