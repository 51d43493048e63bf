"""What the dispatcher's form proposes for a message: topic, type, region, lead and
assisting units, and why ("城乡建设 in 兰州市 → 兰州市住房和城乡建设局").

Topic and type come from the stored prediction (or the models, when the message has
not been read yet); the region is the citizen's choice, refined to a lower place the
text names; the units come from the responsibility table (directory.routing)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

_HAN = re.compile(r"[\u3400-\u9fff]")
MIN_HAN = 10  # fewer Chinese characters than this: the models have nothing to read


@dataclass
class Suggestion:
    topic: object | None  # directory.Topic
    topic_confidence: float | None
    kind: str  # a MessageKind value, '' when unknown
    kind_confidence: float | None
    region: object | None  # directory.Region
    lead: object | None  # directory.Unit
    assists: list = field(default_factory=list)
    reason: str = ""
    shown_reason: str = ""  # the reason on the dispatcher's form (Route.shown); `reason` when empty
    prefill: bool = False  # confident enough to prefill the dispatcher's form
    # False when lead and assists follow a topic the machine guessed below the prefill
    # confidence (the citizen chose none): the form shows them as a hint, not preselected
    units_prefill: bool = True
    region_from_text: bool = False
    history: object | None = None  # directory.Unit that handled similar messages (the unit model)
    history_confidence: float | None = None

    @property
    def kind_prefill(self) -> bool:
        """The predicted type is sure enough to prefill the form (on its own confidence)."""
        from minsheng.board.models import MessageKind

        return self.kind in MessageKind.values and (self.kind_confidence or 0.0) >= settings.MINSHENG_PREFILL_CONFIDENCE

    @property
    def reason_in_words(self) -> str:
        return self.shown_reason or self.reason

    @property
    def history_differs(self) -> bool:
        return self.history is not None and self.history != self.lead


def names_a_lower_region(message) -> bool:
    """The region ``resolve_region`` may refine from the text: none, a province or a prefecture."""
    from minsheng.directory.models import Region

    region = getattr(message, "region", None)
    return region is None or region.level <= Region.Level.PREFECTURE


def resolve_region(message, found=None):
    """(region, from_text): the citizen's region, or a lower one the text names when
    the message is filed under a province or prefecture (or has none). ``found``: that
    region (a pair: (Region or None,)) as ``suggest_each`` read it for several messages at once
    (``places.extract_region``); read here when None."""
    from .places import extract_region

    region = getattr(message, "region", None)
    if not names_a_lower_region(message):
        return region, False
    found = extract_region(f"{message.title} {message.body}", within=region) if found is None else found[0]
    if region is None:
        return found, found is not None
    if found is not None and found.level > region.level:
        return found, True
    return region, False


def reading_of(message) -> tuple:
    """(topic, its confidence, type, its confidence) the suggestion follows: the stored reading, or
    the models' now for a message not read yet (the reading queue behind)."""
    from .tasks import predict, topic_for_label
    from .training import kind_for_label

    topic, topic_conf = message.predicted_topic, message.topic_confidence
    kind, kind_conf = message.predicted_kind or "", message.kind_confidence
    if message.classified_at is None:  # not read yet (queue behind): ask the models now
        predictions = predict(message.title, message.body)
        if predictions["topic"] is not None:
            topic = topic_for_label(predictions["topic"].label)
            topic_conf = predictions["topic"].confidence if topic else None
        if predictions["kind"] is not None:
            kind = kind_for_label(predictions["kind"].label)
            kind_conf = predictions["kind"].confidence if kind else None
    return topic, topic_conf, kind, kind_conf


def suggest_for(message, *, reading=None, resolved=None, rows=None, history=None, topic=None) -> Suggestion:
    """The suggestion for ``message``. The units follow the topic the dispatcher's form
    shows: the prediction when it is confident enough to prefill, else the citizen's own
    choice (the prediction when the citizen chose none: then only a hint, ``units_prefill``
    false). ``reading`` (``reading_of``), ``resolved`` (``resolve_region``), ``rows`` (the responsibility rows, ``route``) and
    ``history`` (``history_unit``): what ``suggest_each`` read for several messages at once.
    ``topic``: the topic a dispatcher chose on the form (or sent to the API's dispatch/): the units
    follow it, for the same region, and it is the suggestion's topic, preselected (``prefill``);
    the machine's type reading is kept (docs/routing.md, 「The dispatcher changes the topic」)."""
    from minsheng.directory.routing import route

    chosen = topic
    topic, topic_conf, kind, kind_conf = reading_of(message) if reading is None else reading
    if chosen is not None:  # the dispatcher's choice: sure by definition, no machine confidence
        topic, topic_conf = chosen, None
    prefill = topic is not None and (chosen is not None or (topic_conf or 0.0) >= settings.MINSHENG_PREFILL_CONFIDENCE)
    region, from_text = resolve_region(message) if resolved is None else resolved
    routed = route(region, topic if prefill else (message.topic or topic), rows)
    guessed = not prefill and message.topic is None and topic is not None
    notes = ""
    if from_text and region is not None:
        notes += f" (区划「{region.name}」取自留言内容)"
    # suggest_each's reading, else read here (until 2026-12-06 the line below set ``history`` to None first, so each
    # message of a page read its unit model's units again, a query a row of the queue and of 按建议派单)
    read_each, (history, history_conf) = history, (None, None)
    if readable(message):
        history, history_conf = history_unit(message, region) if read_each is None else read_each
    else:
        notes += "; 留言几乎没有中文, 机器的判断不可靠, 请人工确定领域和单位"
    return Suggestion(topic=topic, topic_confidence=topic_conf, kind=kind, kind_confidence=kind_conf,
                      region=region, lead=routed.lead, assists=list(routed.assists), reason=routed.reason + notes,
                      shown_reason=routed.shown + notes,
                      prefill=prefill, units_prefill=not guessed, region_from_text=from_text, history=history,
                      history_confidence=history_conf)


# what the messages given to ``suggest_each`` are read with: the parents ``route`` walks
SUGGEST_RELATED = ("region__parent__parent__parent", "topic__parent__parent", "predicted_topic__parent__parent")


def suggest_each(messages) -> dict[int, Suggestion]:
    """``suggest_for`` of several messages (the dispatcher's queue, 按建议派单), by pk, with a fixed
    number of queries whatever their number: the regions their texts name, the units the unit model
    reads and the responsibility rows are read for all at once. The messages come with their regions'
    and topics' parents (``SUGGEST_RELATED``). A message the models have not read yet (the reading
    queue behind) is read here, as ``suggest_for`` reads it (its topic looked up by the model's label)."""
    from minsheng.directory.models import Region, Unit
    from minsheng.directory.routing import rows_for

    from .places import gazetteer, place_in

    messages = list(messages)
    floor = settings.MINSHENG_PREFILL_CONFIDENCE
    lower = [m for m in messages if names_a_lower_region(m)]
    known = gazetteer() if lower else None
    named = {m.pk: place_in(f"{m.title} {m.body}", m.region, known) for m in lower}
    regions = Region.objects.select_related("parent__parent__parent").in_bulk(
        {p.region_id for p in named.values() if p is not None})
    resolved = {m.pk: resolve_region(m, (regions.get(getattr(named.get(m.pk), "region_id", None)),))
                for m in messages}
    readings = {m.pk: unit_reading(m) for m in messages if readable(m)}
    labels = {label for r in readings.values() if r is not None for label, p in r.top if p >= floor}
    units = list(Unit.objects.filter(Q(name__in=labels) | Q(short_name__in=labels), is_active=True)
                 .select_related("region").order_by("pk")) if labels else []
    read = {m.pk: reading_of(m) for m in messages}
    places = {r for where, _ in resolved.values() if where is not None for r in where.ancestors()}
    topics = {t for m in messages for topic in (m.topic, read[m.pk][0]) if topic is not None for t in topic.lineage()}
    rows = rows_for(places, topics) if places and topics else []
    return {m.pk: suggest_for(m, reading=read[m.pk], resolved=resolved[m.pk], rows=rows,
                              history=pick_unit(readings[m.pk], resolved[m.pk][0], units) if m.pk in readings else None)
            for m in messages}


@dataclass
class Prefill:
    """What the dispatch form preselects and 按建议派单 dispatches (``prefilled``)."""

    lead: object | None  # directory.Unit
    assists: list
    topic: object | None  # directory.Topic
    kind: str  # '' keeps the message's type
    confidence: float | None  # the machine's, of the reading the lead follows; None: the citizen's topic
    by_history: bool = False  # ``confidence`` is the unit model's (历史派单), not the topic's


def prefilled(message, suggestion: Suggestion, returned_by, allowed) -> Prefill:
    """The dispatch form's preselection for ``message`` (board.views.staff._case_forms), which
    按建议派单 dispatches as it is: the units of ``proposed_units``, the suggested topic when sure
    enough to prefill (else the message's own), the predicted type when sure enough (else kept).
    ``confidence``: the unit model's when the lead is its reading, else the topic's when the units
    follow the predicted topic, None when they follow the citizen's own."""
    lead, assists = proposed_units(suggestion, returned_by, allowed)
    if lead is not None and lead == suggestion.history and not (suggestion.lead is not None
                                                                 and suggestion.units_prefill):
        confidence, by_history = suggestion.history_confidence, True
    else:
        confidence, by_history = suggestion.topic_confidence if suggestion.prefill else None, False
    return Prefill(lead=lead, assists=assists, topic=(suggestion.topic if suggestion.prefill else None) or message.topic,
                   kind=suggestion.kind if suggestion.kind_prefill else "", confidence=confidence,
                   by_history=by_history)


def proposed_units(suggestion: Suggestion, returned_by, allowed) -> tuple[object | None, list]:
    """The lead and assisting units the dispatch form preselects, and a dispatch through the
    API without a lead takes: the responsibility table's for the topic shown when they follow
    the citizen's topic or a reading sure enough (``units_prefill``), else the unit that
    handled similar cases when it is one of ``allowed`` (units, or their pks); never a unit in ``returned_by`` (it
    returned the case: 退单, and the table that sent it there still names it)."""
    if suggestion.lead is not None and suggestion.units_prefill:
        lead = suggestion.lead if suggestion.lead.pk not in returned_by else None
        return lead, [u for u in suggestion.assists if u.pk != suggestion.lead.pk]
    history = suggestion.history
    if history is not None and history.pk not in returned_by and (
            history.pk in allowed if isinstance(allowed, (set, frozenset)) else allowed.filter(pk=history.pk).exists()):
        return history, []  # no responsibility row (or only one for an unsure topic guess)
    return None, []


def readable(message) -> bool:
    """The message has enough Chinese for the models to read: an English or garbled text
    gets a near-random reading, and the unit model would follow the region's name alone
    (an English message filed under 兰州市 read as 兰州市公安局 with 0.86)."""
    return len(_HAN.findall(f"{message.title}{message.body}")) >= MIN_HAN


def history_unit(message, region):
    """(unit, confidence): the unit the unit model reads from the message's region and
    text — the unit that handled similar messages in the end — as ``pick_unit`` accepts
    it; (None, None) without a model."""
    return pick_unit(unit_reading(message), region)


def unit_reading(message):
    """The unit model's reading of ``message`` (its filed region's full name, title and body), or None."""
    from .tasks import predict_unit
    from .training import unit_title

    filed = getattr(message, "region", None)
    return predict_unit(unit_title(message.title, filed.full_name if filed else ""), message.body)


def pick_unit(prediction, region, units=None):
    """Among the model's three best readings at or above the prefill confidence, the
    first that names an active unit serving ``region`` (``unit_for_label``): (unit,
    confidence), or (None, None). ``units``: the active units of the readings' labels (any superset,
    with their regions) read for several messages at once; read here when None."""
    from minsheng.directory.models import Unit

    if prediction is None:
        return None, None
    floor = settings.MINSHENG_PREFILL_CONFIDENCE
    candidates = [(label, p) for label, p in prediction.top if p >= floor]
    if not candidates:
        return None, None
    labels = [label for label, _ in candidates]
    if units is None:
        units = list(Unit.objects.filter(Q(name__in=labels) | Q(short_name__in=labels), is_active=True)
                     .select_related("region").order_by("pk"))
    for label, p in candidates:
        unit = unit_for_label(label, region, units)
        if unit is not None:
            return unit, round(p, 4)
    return None, None


def unit_for_label(label: str, region, units):
    """The unit among ``units`` that a unit model's ``label`` names for ``region``: the unit of that
    name where it serves the region (a model trained before 2026-12-04 learned names; a unit named 城关镇
    elsewhere does not hide the 城关镇 of this region), else the office of that short name
    (``training.unit_label``) in the region or the nearest region above it, else the only one below
    it. A unit serves a region when it is of the region, of one above it or of one below it; None
    when no unit of the label does."""
    def serves(unit):
        return region is None or unit.region.contains(region) or region.contains(unit.region)

    named = [u for u in units if u.name == label]
    if named and serves(named[0]):
        return named[0]
    offices = [u for u in units if u.short_name == label and serves(u)]
    if region is not None:
        for r in region.ancestors():
            here = [u for u in offices if u.region_id == r.pk]
            if here:
                return here[0] if len(here) == 1 else None
    return offices[0] if len(offices) == 1 else None
