"""Hints for the staff workbench from the insight cores: the routing suggestion at
triage, near-duplicates to merge, similar answered messages and the quality score of
a draft reply.

Every hook is guarded: when an insight core fails, the workbench
falls back (to the responsibility table and the stored machine reading for routing,
to nothing for the lookups) and logs the error; a hint never breaks a page.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re

from django.conf import settings
from django.db import transaction

from minsheng.accounts.models import canonical_phone, phone_compact
from minsheng.accounts.phones import split_extension
from minsheng.directory.models import Unit
from minsheng.directory.routing import route
from minsheng.insight import lookup
from minsheng.insight.suggest import Suggestion, suggest_each, suggest_for

from ..models import Event, Message, Reply
from ..moderation import (
    _HALF_WIDTH,
    TITLES,
    _matches,
    hidden,
    personal_data,
    phones_named,
    real_name,
)
from ..workflow import Status

log = logging.getLogger(__name__)


def suggestion_for(message: Message, topic=None) -> Suggestion:
    """The machine's suggestion (insight.suggest); when it fails, the stored machine
    reading routed by the responsibility table, prefilled when it is confident enough
    (units routed by an unsure reading are a hint only, as in insight.suggest). ``topic``: the
    领域 the dispatcher chose on the form, which the units follow (``suggest_for``)."""
    try:
        return suggest_for(message) if topic is None else suggest_for(message, topic=topic)
    except Exception:
        log.exception("suggest_for failed for message %s", message.pk)
    if topic is not None:
        r = route(message.region, topic)
        return Suggestion(topic=topic, topic_confidence=None, kind="", kind_confidence=None, region=message.region,
                          lead=r.lead, assists=list(r.assists), reason=r.reason, shown_reason=r.shown, prefill=True)
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


def transfer_hint(message: Message, unit) -> tuple:
    """What the responsibility list (权责清单) says of the case, for the 转办 form of ``unit``, which holds
    it: (the unit to preselect, the list's lead when another; the words shown), (None, "") when the list
    names no unit. The dispatcher read it, the officer of a case sent to the wrong unit picked the unit
    to transfer to out of a hundred by guess."""
    try:
        r = route(message.region, message.topic)
    except Exception:
        log.exception("route failed for message %s", message.pk)
        return None, ""
    if r.lead is None:
        return None, ""
    if r.lead.pk == unit.pk:
        return None, f"{r.shown} (本单位)"
    return r.lead, r.shown


def suggestions_each(messages) -> dict[int, Suggestion]:
    """``suggestion_for`` of several messages (the dispatcher's queue), by pk: ``suggest_each``, a
    fixed number of queries for them all; when it fails, each message's own (with its fallback)."""
    messages = list(messages)
    try:
        return suggest_each(messages)
    except Exception:
        log.exception("suggest_each failed for %d messages", len(messages))
    return {m.pk: suggestion_for(m) for m in messages}


def near_duplicates_for(message: Message, limit: int = 5, held: list[str] | None = None) -> list[tuple[Message, float]]:
    """Candidates for 并单 (insight.lookup.near_duplicates), with their similarity, nearest first: the
    ``limit`` nearest, and the cases in hand an automatic dispatch was held on (``held``, default
    ``held_on(message)``) that are not among them (``near_duplicates_each``)."""
    held_each = None if held is None else {message.pk: held}
    return near_duplicates_each([message], limit=limit, held_each=held_each).get(message.pk, [])


def near_duplicates_each(messages, limit: int = 5, held_each: dict[int, list[str]] | None = None, *,
                         savepoint: bool = False) -> dict[int, list[tuple[Message, float]]]:
    """``near_duplicates_for`` of several messages (the case page for one, the dispatcher's queue for
    a page of rows), by message pk, with a fixed number of queries whatever the rows: the ``limit``
    nearest of each, and the cases in hand its automatic dispatch was held on (``held_each``: by
    pk, default their AUTO_HELD events, read in one query) that are not among them. A hold reads every
    near-duplicate in hand, the list only the five nearest of any status: a case in hand behind five
    closed ones was named in the hold's note and missing from the list, its number typed into the
    merge form by hand. Empty when the lookup failed. ``savepoint``: read in one, so that a query failing
    here leaves the caller's transaction usable (按建议派单 reads it inside its one transaction: on PostgreSQL
    a failed query refused every later one, the whole batch undone with a 500; review of 2026-12-05)."""
    messages = list(messages)
    try:
        with transaction.atomic() if savepoint else contextlib.nullcontext():
            if held_each is None:
                held_each = _held_on_each(messages)
            found = lookup.near_duplicates_many(messages, k=limit)
            missing = {m.pk: set(held_each.get(m.pk, ())) - {d.public_id for d, _ in found[m.pk]} for m in messages}
            holding = [m for m in messages if missing[m.pk]]
            if holding:  # the hold's own lookup (insight.tasks._hold_reason): the same candidates, no query a row
                in_hand = lookup.near_duplicates_many(holding, k=None, statuses=frozenset(Status.in_hand()))
                for m in holding:
                    found[m.pk] = sorted(found[m.pk] + [(d, s) for d, s in in_hand[m.pk]
                                                        if d.public_id in missing[m.pk]], key=lambda f: -f[1])
        return found
    except Exception:
        log.exception("near_duplicates failed for %d messages", len(messages))
        return {}


def titles_shown(roles, found: list[tuple[Message, float]]) -> list[tuple[Message, float]]:
    """``found`` (near-duplicates) with each one's ``shown_title`` and ``as_staff``: the title as written for those
    whose case the user may open (``Roles.staff_messages_q``), else as its public page reads it (personal data
    hidden). A district's dispatcher is offered the public cases of the whole prefecture: one of the city itself,
    which they neither dispatch nor may merge into, showed its title as written until 2026-12-06."""
    ids = [m.pk for m, _ in found]
    openable = set(ids if roles.admin or not ids else
                   Message.objects.filter(roles.staff_messages_q(), pk__in=ids).values_list("pk", flat=True))
    for m, _ in found:
        m.as_staff = m.pk in openable
        m.shown_title = m.title if m.as_staff else m.public_title
    return found


def held_on(message: Message, events: list[Event] | None = None) -> list[str]:
    """The public ids of the cases in hand the automatic dispatch of ``message`` was held on (its
    AUTO_HELD event, insight.tasks._hold_reason); ``events``: its history when already read (else one query)."""
    if events is None:
        events = list(message.events.filter(kind=Event.Kind.AUTO_HELD))
    return [pid for e in events if e.kind == Event.Kind.AUTO_HELD for pid in (e.data or {}).get("duplicates", [])]


def _held_on_each(messages) -> dict[int, list[str]]:
    """``held_on`` of several messages, by pk, in one query."""
    events: dict[int, list[Event]] = {}
    for e in Event.objects.filter(message__in=messages, kind=Event.Kind.AUTO_HELD).order_by("at", "pk"):
        events.setdefault(e.message_id, []).append(e)
    return {m.pk: held_on(m, events.get(m.pk, [])) for m in messages}


def near_duplicate_counts(messages) -> dict[int, int]:
    """How many near-duplicates the case page of each message offers to merge (``near_duplicates_each``:
    the five nearest and the cases in hand a hold named beyond them; the 疑似重复 badge of the
    dispatcher's queue, ``duplicate_count`` of the API's dispatch box), for the whole page at once;
    empty when the lookup failed."""
    return {pk: len(found) for pk, found in near_duplicates_each(messages).items()}


def similar_answered_for(message: Message, limit: int = 3) -> list[tuple[Message, Reply]]:
    """Past answered messages like this one with their latest reply (reply form)."""
    return [(m, reply) for m, reply, _ in similar_answered_scored(message, limit)]


def similar_answered_scored(message: Message, limit: int = 3) -> list[tuple[Message, Reply, float]]:
    """``similar_answered_for`` with each one's similarity (GET /api/v1/staff/cases/{id}/similar-answers/);
    empty when the lookup failed."""
    try:
        found = lookup.similar_answered(message, k=limit)
    except Exception:
        log.exception("similar_answered failed for message %s", message.pk)
        return []
    # offered to copy into another citizen's reply: the data of the citizen it answered hidden, as on their
    # message (a reply stored before such replies were refused greeted them by name, with their number; a copy
    # went past 发布答复, which checks the new case's citizen). A copy: the reply stored stays as it is
    # (and of the citizens of the messages merged into it, whom the one reply answered too: since 2026-12-05)
    merged = _merged_into(m for m, _, _ in found)
    return [(m, _masked(reply, [m, *merged.get(m.pk, ())]), score) for m, reply, score in found]


def _merged_into(messages) -> dict[int, list[Message]]:
    """The messages merged into each of ``messages``, with their authors, in one query."""
    merged = {}
    for m in Message.objects.filter(duplicate_of__in=[m.pk for m in messages]).select_related("author"):
        merged.setdefault(m.duplicate_of_id, []).append(m)
    return merged


def _masked(reply: Reply, citizens) -> Reply:
    body = reply.body
    # its unit's 联系电话 stays shown: read only when the reply holds a mobile (the lists load no unit)
    unit = reply.unit if _matches_mobile(body) else None
    for citizen in citizens:
        body = reply_shown_to_others(citizen, body, unit)
    return _shown(reply, body)


def _shown(reply: Reply, body: str) -> Reply:
    if body == reply.body:
        return reply
    shown = copy.copy(reply)
    shown.body = body
    return shown


def reply_shown_to_others(message: Message, body: str, unit: Unit | None = None) -> str:
    """``body``, a reply to ``message`` by ``unit``, with the personal data of ``message``'s citizen partly hidden
    (王**, 139****5678: ``moderation.mask``'s forms), for the reply forms of other cases."""
    leaks = _leaks(message, body)
    return hidden(body, sorted([*leaks, *_others_mobiles(body, leaks, unit)], key=lambda x: x[2]))


def replies_shown_to_others(message: Message, replies) -> list[Reply]:
    """``replies`` to ``message`` as everyone but the staff of the case reads them (its public page, a merged
    message's page, the REST API's ``replies`` and ``main_case_replies``): ``reply_shown_to_others`` against
    ``message``'s citizen and those of the messages merged into it (one answer greets them all), in copies. A reply
    stored before 发布答复 refused one holding the citizen's data (or imported) greeted them by name with their
    number, and until 2026-12-05 every reader got it whole; the reply stored stays as written (staff read it so)."""
    replies = list(replies)
    if not replies:
        return replies
    citizens = [message, *_merged_into([message]).get(message.pk, ())]  # one query, however many replies
    return [_masked(reply, citizens) for reply in replies]


def quality_for(message: Message, body: str, *, explain: bool = False, unit: Unit | None = None) -> dict | None:
    """Answer-quality score and reasons (insight.lookup.score_for_reply), with a warning
    first when the reply (by ``unit``) would publish the citizen's personal data."""
    leak = personal_data_in_reply(message, body, unit)
    try:
        q = lookup.score_for_reply(message, body, explain=explain)
    except Exception:
        log.exception("score_for_reply failed for message %s", message.pk)
        return {"score": None, "reasons": [leak], "personal_data": leak} if leak else None
    if not leak:
        return q
    # the score judges the wording; the leak must be seen before it (a 100 beside it reads as "publish")
    return {**q, "reasons": [leak, *q["reasons"]], "personal_data": leak}


def quality_to_publish(message: Message, body: str, unit: Unit | None = None) -> dict | None:
    """quality_for a reply about to be published, which refuses (actions.Invalid on ``body``) one
    holding the citizen's personal data: the preview's 「请勿发布」 was a warning the 发布答复 button
    went past, and the number went up on the public page (since 2026-12-05 the public reads a reply with the
    citizen's data hidden, ``replies_shown_to_others``, but a reply is still written for the public)."""
    from ..actions import Invalid

    quality = quality_for(message, body, explain=True, unit=unit)
    if quality and quality.get("personal_data"):
        raise Invalid(quality["personal_data"], "body")
    return quality


def _same(found: str) -> str:
    """A phone number or e-mail as one value however it is written (a name as it is): since 2026-12-05 a landline
    by its local number (0931-8123456, (0931)8123456, 09318123456 and 8123456 after 电话 are one), a flat by its
    digits (5号楼502 and 5号楼502室 are one); since 2026-12-08 a number with an extension by the number
    (phones.split_extension: 0931-8123456转802 and 8123456 are one, the citizen's line whatever extension is named)."""
    found = split_extension(found)[0]
    value = canonical_phone(found) or phone_compact(found).lower()
    value = re.sub(r"^0(?:10|2\d|[3-9]\d{2})(?=[2-9]\d{6,7}$)", "", value)
    return re.sub(r"(?<=\d)(?:室|房间|房|号)$", "", value)


def _check_digit(found: str) -> bool:
    """Whether a bank card's number ends in its check digit (Luhn), as cards do; most case numbers (工单号) do not."""
    digits = [int(d) for d in re.sub(r"\D", "", found)][::-1]
    return sum(d if i % 2 == 0 else (2 * d - 9 if d > 4 else 2 * d) for i, d in enumerate(digits)) % 10 == 0


def personal_data_in_reply(message: Message, body: str, unit: Unit | None = None) -> str:
    """A warning when a reply would publish the citizen's personal data: their phone or
    e-mail (from the message or its contact fields), the name they introduced in the message
    (我叫王小明 → 「王小明同志: 您好」, 我叫王伟 → 「王伟您好」) or their registered one when they wrote anonymously, the
    full name an Open311 request gave (contact_name), the flat of the message's 地点, any ID
    number, or a bank card's (the citizen's, or any with a card's check digit: a 16-digit 工单号 is
    publishable). A phone the message gives only as an organisation's (物业电话 0731-8123456 打不通:
    ``moderation.phones_named``) is not theirs. A mobile of ``unit``'s (the replying unit's) 联系电话 is no one's
    private number."""
    leaks = _leaks(message, body)
    warnings = []
    if leaks:
        labels = "、".join(dict.fromkeys(label for label, _, _, _ in leaks))
        warnings.append(f"答复中含有留言人的个人信息 ({labels}), 答复会公开发布, 请删去后再发布")
    others = _others_mobiles(body, leaks, unit)
    if others:  # named: the preview said 「他人的手机号」 and left the officer to find which (until 2026-12-06)
        read = body.translate(_HALF_WIDTH)  # and why each is no line of the unit's (since the privacy review of 2026-12-06)
        numbers = "、".join(dict.fromkeys(f"{found} ({_why_not_the_units(read, start)})" for _, found, start, _ in others))
        warnings.append(f"答复中含有他人的手机号 {numbers}, 答复会公开发布, 请删去后再发布 "
                        "(本单位公开的号码请填入单位的「联系电话」, 或写明: 咨询电话、值班电话 …)")
    return "; ".join(warnings)


# A mobile in a reply that is not the citizen's is a private person's (a property manager's, a grid worker's) unless
# the unit gives it as its own line: an office's phone word right before it, or before the numbers it follows
# (咨询电话 0931-8451234 或 13800009999, 我局联系电话, 夜间值班电话), not a person's (李经理办公电话). Before the decision of
# 2026-12-06 (later) it was neither warned of nor refused; landlines stay allowed (an organisation's, in most replies).
# The closing units write most is the unit's too: its handling officer and the number to call (经办人：王丽，联系电话：…),
# 我们的联系电话 (review of 2026-12-06: they were refused). A line's wording (咨询电话, 值班电话, 热线 …) makes a line of
# any unit's but an administration's other than the replying one (``_NAMED_SERVICE_LINE``, session 37 of 2026-12-06); a unit's name before 联系电话 or 电话 only of the replying unit's (``_NAMED_LINE``: since the privacy review
# of 2026-12-06 — 可咨询生态环境局联系电话137… by 住建局 was published as 住建局's own line)
_NUMBERS_BEFORE = r"(?:号码|号)?(?:是|为|[:：])?\s*(?:[\d+() -]+(?:或者|或|和|及|、|/|,|，)\s*)*$"
_SERVICE_WORD = (r"(?:(?:咨询|办公|值班|服务|监督|举报|投诉|受理|业务|报修|维修|抢修|救助|求助|客服|报名|预约|热线)"
                 r"(?:电话|热线|专线|手机)|热线)")
_UNITS_LINE = re.compile(
    rf"(?:{_SERVICE_WORD}"
    r"|(?:我|本)(?:局|单位|委|办|中心|所|站|队|院|处|科|厅|部门|街道|镇|乡|社区|公司)的?(?:联系)?(?:电话|手机|热线|号码)"
    r"|我们(?:单位)?的?(?:联系)?(?:电话|手机|热线|号码)"
    r"|(?:经办人|承办人|办理人|联系人)[:：]?\s*(?:[\u4e00-\u9fff]{1,4}[,，、;；\s]*)?(?:联系|办公)?(?:电话|手机|方式))"
    + _NUMBERS_BEFORE)
_NAMED_LINE = re.compile(r"([\u4e00-\u9fff]{0,12}?(?:局|委|办|中心|所|站|队|院|处|科|厅|街道|政府|居委会))的?(?:联系)?(?:电话|热线)"
                         + _NUMBERS_BEFORE)
# Since session 37 of 2026-12-06 an administration named right before a service line's wording (生态环境局咨询电话,
# 城关区政府值班电话, 市交通运输局办公电话) makes a line of a mobile only when it is the replying unit (住建局咨询电话 by 住建局),
# as before 联系电话: 可咨询生态环境局咨询电话137… by 住建局 was published, though …联系电话137… was refused. Only an
# administration's name (局, 委, 厅, 办, 政府, 街道 …), which publishes landlines: an outlet's or a firm's line is often a mobile
# (供电所抢修电话, 救助站求助电话, 燃气公司客服电话: published as before), and a part of the replying unit is no other one (我局物业科)
_NAMED_SERVICE_LINE = re.compile(
    r"([\u4e00-\u9fff]{0,12}?(?:局|委员会|委|厅|办公室|办事处|办|人民政府|政府|街道))的?(?:24小时|夜间|节假日|全天)?"
    + _SERVICE_WORD + _NUMBERS_BEFORE)
_OWN_UNIT = re.compile(r"(?:我们?|本|咱|俺)")  # 我局咨询电话, 本委值班电话: the replying unit's own
_PERSON_BEFORE = re.compile(rf"(?:{TITLES})的?$")
# a person named before the phone word (社区书记电话, 张经理的值班电话, 网格员手机): the warning says the number is a person's
_PERSONS_PHONE = re.compile(rf"({TITLES}|队长|所长|站长|组长|村长|网格员|民警|警官|社工|专干|管理员|负责人|工作人员)的?"
                            r"(?:个人|私人)?(?:办公|联系|值班|工作)?(?:电话|手机|号码|微信)" + _NUMBERS_BEFORE)


# the words every unit of a kind ends in (建设局, 管理局, 服务中心, 政府 …): a name sharing only these with the replying unit's
# names another unit (水利建设局 by 兰州市住房和城乡建设局 was published as its own line until review1 of 2026-12-06)
_GENERIC_TAIL = re.compile(r"(?:管理|服务|建设|事务|保障|监督|执法|运输|资源|发展|改革|卫生|工作|办事)?"
                           r"(?:委员会|中心|办公室|人民政府|政府|大队|派出所|办事处|居委会|村委会|[局委办所站队院处科厅])$")
_ASKING = re.compile(r"^(?:可以|拨打|咨询|联系|致电|询问|如需|[可请或向])+")
_REGION_WORD = re.compile(r"[\u4e00-\u9fff]{2,3}?(?:省|市|区|县|旗)")


def _names_the_unit(named: str, unit: Unit | None) -> bool:
    """Whether ``named``, the words before 联系电话 (可咨询生态环境局), name ``unit``: three characters or more of their end
    stand in its name or short name (住建局, 市住建局, 兰州市住房和城乡建设局; 城关区政府 for 城关区人民政府), and a region
    named before those is the unit's or above it (兰州市住建局 for 兰州市's; 城关区住建局 names another district's)."""
    if unit is None:
        return False
    named = _ASKING.sub("", named)
    names = {n.replace("人民政府", "政府") for n in (unit.name, unit.short_name) if n} | {unit.name}
    k = next((k for k in range(len(named), 2, -1) if any(named[-k:] in n for n in names)), 0)
    if not k or len(_GENERIC_TAIL.sub("", named[-k:])) < 2:  # 建设局, 管理局, 服务中心: any unit's (review1, 2026-12-06)
        return False
    regions = _REGION_WORD.findall(named[:-k])
    if regions:
        above, region = {unit.name}, unit.region
        while region is not None:
            above.add(region.name)
            region = region.parent
        return all(any(r in n for n in above) for r in regions)
    return True


def _matches_mobile(body: str) -> bool:
    return any(label == "手机号" for label, _, _, _ in _matches(body))


def _others_mobiles(body: str, leaks: list[tuple[str, str, int, int]],
                    unit: Unit | None = None) -> list[tuple[str, str, int, int]]:
    """(label, found, start, end) of each mobile in ``body`` that is neither among ``leaks`` (the citizen's) nor
    ``unit``'s own: one of its 联系电话 wherever it stands (since 2026-12-06), or one given as its line (``_UNITS_LINE``,
    ``_NAMED_LINE``)."""
    read = body.translate(_HALF_WIDTH)
    theirs = {(start, end) for _, _, start, end in leaks}
    units = {canonical_phone(n) for n in unit.phones} - {None} if unit is not None else set()

    def units_line(start: int) -> bool:
        if (m := _UNITS_LINE.search(read, max(0, start - 48), start)) is not None:
            named = _NAMED_SERVICE_LINE.search(read, max(0, start - 48), start)
            if named is not None and not _OWN_UNIT.match(_ASKING.sub("", named.group(1))):
                return _names_the_unit(named.group(1), unit)
            return not _PERSON_BEFORE.search(read, max(0, m.start() - 4), m.start())
        m = _NAMED_LINE.search(read, max(0, start - 48), start)
        return m is not None and _names_the_unit(m.group(1), unit)

    return [(label, found, start, end) for label, found, start, end in _matches(body)
            if label == "手机号" and (start, end) not in theirs and canonical_phone(split_extension(found)[0]) not in units
            and not units_line(start)]


def _why_not_the_units(read: str, start: int) -> str:
    """Why the mobile at ``start`` of ``read`` (a reply) is no line of the replying unit's, for the officer: the words
    before it name a person (社区书记电话 — a person's mobile), another unit (生态环境局联系电话: whose line it is the reply
    does not say), or nothing that says whose it is (12345市民热线或138…)."""
    window = read[max(0, start - 48):start]
    if m := _PERSONS_PHONE.search(window):
        return f"号码前是个人的称呼「{m.group(1)}」, 这是个人的手机号, 不能公开"
    if (m := _UNITS_LINE.search(window)) and (person := _PERSON_BEFORE.search(window, max(0, m.start() - 4), m.start())):
        return f"号码前是个人的称呼「{person.group().rstrip('的')}」, 这是个人的手机号, 不能公开"
    if (m := _NAMED_SERVICE_LINE.search(window)) and not _OWN_UNIT.match(_ASKING.sub("", m.group(1))):
        named = _ASKING.sub("", m.group(1)) or m.group(1)
        return f"「{named}」不是本单位, 其咨询电话、值班电话等请写座机或 12345 等服务热线, 手机号可能是个人的"
    if m := _NAMED_LINE.search(window):
        named = _ASKING.sub("", m.group(1)) or m.group(1)
        return f"「{named}」不是本单位, 号码也未写明是其咨询电话、值班电话等公开的号码"
    return "未写明是哪个单位的咨询电话、值班电话等公开的号码, 可能是个人的手机号"


def _leaks(message: Message, body: str) -> list[tuple[str, str, int, int]]:
    """(label, found, start, end) of the personal data of ``message``'s citizen in ``body`` (a reply to it):
    see ``personal_data_in_reply``."""
    # read as one however it is written: 139-1234-5678, +86, an e-mail in capitals (_same); full-width
    # digits personal_data reads itself (moderation._HALF_WIDTH)
    # the message's 地点 too (its flat, 3单元1203室, hidden on the public page: public_address)
    text = f"{message.title}\n{message.body}\n{message.address}"
    # their registered name too when they wrote anonymously: the public page hides it (own_names), and the full name
    # an Open311 request gave (contact_name 王小明; 王先生 names no one): until the review of 2026-12-05 a reply
    # greeting them by either was published, and offered whole beside other cases' reply forms
    names = (*message.own_names, *real_name(message.contact_name))
    # a phone the message gives only as an organisation's (物业电话 0731-8123456 打不通) is no personal data of theirs: a
    # reply naming the property company's public number was refused (review of answer quality, 2026-12-05). Given as
    # theirs anywhere in the message, or their contact phone, it stays theirs
    named = phones_named(text)
    others = {_same(n) for n, org in named if org} - {_same(n) for n, org in named if not org}
    theirs = {_same(f.text) for f in personal_data(text)} - others | {
        _same(c) for c in (message.contact_phone, message.contact_email, *names) if c}
    return [(label, found, start, end) for label, found, start, end in _matches(body, text, names)
            if _same(found) in theirs or label == "身份证号" or (label == "银行卡号" and _check_digit(found))]
