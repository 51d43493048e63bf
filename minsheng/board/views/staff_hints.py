"""Hints for the staff workbench from the insight cores: the routing suggestion at
triage, near-duplicates to merge, similar answered messages and the quality score of
a draft reply.

Every hook is guarded: when an insight core fails, the workbench
falls back (to the responsibility table and the stored machine reading for routing,
to nothing for the lookups) and logs the error; a hint never breaks a page.
"""

from __future__ import annotations

import logging

from django.conf import settings

from minsheng.directory.routing import route
from minsheng.insight import lookup
from minsheng.insight.suggest import Suggestion, suggest_for

from ..models import Message, Reply
from ..moderation import personal_data

log = logging.getLogger(__name__)


def suggestion_for(message: Message) -> Suggestion:
    """The machine's suggestion (insight.suggest); when it fails, the stored machine
    reading routed by the responsibility table, prefilled when it is confident enough
    (units routed by an unsure reading are a hint only, as in insight.suggest)."""
    try:
        return suggest_for(message)
    except Exception:
        log.exception("suggest_for failed for message %s", message.pk)
    threshold = settings.MINSHENG_PREFILL_CONFIDENCE
    topic_sure = (message.topic_confidence or 0) >= threshold
    kind_sure = (message.kind_confidence or 0) >= threshold
    r = route(message.region, message.topic or message.predicted_topic)
    return Suggestion(topic=message.topic or (message.predicted_topic if topic_sure else None),
                      topic_confidence=message.topic_confidence,
                      kind=message.predicted_kind if kind_sure else "", kind_confidence=message.kind_confidence,
                      region=message.region, lead=r.lead, assists=list(r.assists), reason=r.reason, shown_reason=r.shown,
                      prefill=topic_sure or kind_sure,
                      units_prefill=message.topic is not None or message.predicted_topic is None or topic_sure)


def near_duplicates_for(message: Message, limit: int = 5) -> list[tuple[Message, float]]:
    """Candidates for 并单 (insight.lookup.near_duplicates), with their similarity."""
    try:
        return lookup.near_duplicates(message)[:limit]
    except Exception:
        log.exception("near_duplicates failed for message %s", message.pk)
        return []


def near_duplicate_counts(messages) -> dict[int, int]:
    """How many near-duplicates the case page of each message offers to merge (the 疑似重复
    badge of the dispatcher's queue, ``duplicate_count`` of the API's dispatch box), computed
    for the whole page at once; empty when the lookup failed."""
    try:
        return {pk: len(found) for pk, found in lookup.near_duplicates_many(messages).items()}
    except Exception:
        log.exception("near_duplicates_many failed for %d messages", len(messages))
        return {}


def similar_answered_for(message: Message, limit: int = 3) -> list[tuple[Message, Reply]]:
    """Past answered messages like this one with their latest reply (reply form)."""
    try:
        return [(m, reply) for m, reply, _ in lookup.similar_answered(message, k=limit)]
    except Exception:
        log.exception("similar_answered failed for message %s", message.pk)
        return []


def quality_for(message: Message, body: str, *, explain: bool = False) -> dict | None:
    """Answer-quality score and reasons (insight.lookup.score_for_reply), with a warning
    first when the reply would publish the citizen's personal data."""
    leak = personal_data_in_reply(message, body)
    try:
        q = lookup.score_for_reply(message, body, explain=explain)
    except Exception:
        log.exception("score_for_reply failed for message %s", message.pk)
        return {"score": None, "reasons": [leak], "personal_data": leak} if leak else None
    if not leak:
        return q
    # the score judges the wording; the leak must be seen before it (a 100 beside it reads as "publish")
    return {**q, "reasons": [leak, *q["reasons"]], "personal_data": leak}


def personal_data_in_reply(message: Message, body: str) -> str:
    """A warning when a reply would publish the citizen's personal data: their phone or
    e-mail (from the message or its contact fields), the name they introduced in the message
    (我叫王小明 → 「王小明同志: 您好」), or any ID or bank-card number."""
    text = f"{message.title}\n{message.body}"
    theirs = {f.text for f in personal_data(text)} | ({message.contact_phone, message.contact_email} - {""})
    found = [f for f in personal_data(body, context=text) if f.text in theirs or f.label in ("身份证号", "银行卡号")]
    if not found:
        return ""
    labels = "、".join(dict.fromkeys(f.label for f in found))
    return f"答复中含有留言人的个人信息 ({labels}), 答复会公开发布, 请删去后再发布"
