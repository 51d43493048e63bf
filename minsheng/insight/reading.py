"""How the machine's reading fares in the product (机器阅读表现): of the messages
people dispatched in a period, how often the topic and type the machine predicted are the ones
the case was dispatched under, split by whether the prediction was sure enough to
prefill the dispatcher's form; per topic, how often the machine found it (recall) and
how often its reading was right (precision), and what it is taken for instead; how many
automatic dispatches people later transferred or returned; and which models serve.

The offline figures in a model's ``model.json`` say how the model read held-back
reference data; these say how it reads this deployment's own messages, as the
dispatchers judged them. See docs/classification.md."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from minsheng.board.models import Event, Message, MessageKind
from minsheng.board.workflow import Status

PERIODS = (7, 30, 90, 365)  # days a reader can choose
DEFAULT_DAYS = 30
MODEL_TARGETS = (("topic", "领域"), ("kind", "类型"), ("unit", "历史派单"))
CACHE_SECONDS = 300
QUEUE_GRACE = dt.timedelta(minutes=10)  # a message younger than this may still wait to be read


@dataclass
class Agreement:
    n: int = 0
    agree: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.agree / self.n, 4) if self.n else None


@dataclass
class TopicRow:
    name: str
    n: int  # dispatched under this topic
    found: int  # ... of which the machine read as this topic
    predicted: int  # the machine read this topic (any final topic)
    confused_with: list[tuple[str, int]] = field(default_factory=list)  # what it was read as instead

    @property
    def recall(self) -> float | None:
        return round(self.found / self.n, 4) if self.n else None

    @property
    def precision(self) -> float | None:
        return round(self.found / self.predicted, 4) if self.predicted else None


@dataclass
class Reading:
    since: dt.datetime
    until: dt.datetime
    days: int
    threshold: float  # MINSHENG_PREFILL_CONFIDENCE
    read: int  # messages read by the machine in the period
    unread: int  # submitted in the period (over 10 minutes ago, after the first reading if any), not read
    topic_sure: Agreement  # confidence ≥ threshold: the form was prefilled
    topic_unsure: Agreement
    kind: Agreement
    topics: list[TopicRow]
    auto_dispatched: int
    auto_rerouted: int  # of those, transferred or returned by people afterwards
    models: list[dict]

    @property
    def topic(self) -> Agreement:
        return Agreement(self.topic_sure.n + self.topic_unsure.n, self.topic_sure.agree + self.topic_unsure.agree)


def _topic_names(ids) -> dict[int, str]:
    """Topic names by id; a name two of them share carries its parent's (教育/其他)."""
    from minsheng.directory.models import Topic

    rows = list(Topic.objects.filter(pk__in=ids).values_list("pk", "name", "parent__name"))
    shared = {name for name, n in Counter(name for _, name, _ in rows).items() if n > 1}
    return {pk: f"{parent}/{name}" if name in shared and parent else name for pk, name, parent in rows}


def reading(scope: Q, days: int = DEFAULT_DAYS, now: dt.datetime | None = None) -> Reading:
    """The figures for messages matching ``scope`` (a Q on Message) over the last ``days``: the
    dashboard's calendar days (``stats.dashboard.day_window``, today the last), from midnight of the first.
    Agreement counts the messages a person dispatched (an automatic dispatch follows the
    prediction by construction) and that are not back in the dispatch queue. One grouped
    pass over those messages gives every agreement figure."""
    from minsheng.stats.dashboard import day_window

    until = now or timezone.now()
    # the dashboard's 近 N 天: the N Beijing dates to today (since 2026-12-05; the last N×24 hours before)
    first, _ = day_window(days, timezone.localdate(until))
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    threshold = settings.MINSHENG_PREFILL_CONFIDENCE
    messages = Message.objects.filter(scope)
    by_machine = Event.objects.filter(kind=Event.Kind.DISPATCHED, data__auto=True, message=OuterRef("pk"),
                                      at=OuterRef("dispatched_at"))
    dispatched = (messages.filter(dispatched_at__gte=since, dispatched_at__lt=until)
                  .exclude(status__in=[Status.SUBMITTED, Status.ACCEPTED]).exclude(Exists(by_machine)))
    flag = partial(ExpressionWrapper, output_field=BooleanField())
    groups = (dispatched.annotate(sure=flag(Q(topic_confidence__gte=threshold)),
                                  kind_read=flag(Q(predicted_kind__in=MessageKind.values)),
                                  kind_right=flag(Q(predicted_kind=F("kind"))))
              .values("topic_id", "predicted_topic_id", "sure", "kind_read", "kind_right").annotate(n=Count("pk")))
    pairs, kind = Counter(), Agreement()
    topic_sure, topic_unsure = Agreement(), Agreement()
    for g in groups:
        if g["kind_read"]:
            kind.n += g["n"]
            kind.agree += g["n"] if g["kind_right"] else 0
        if g["topic_id"] is None or g["predicted_topic_id"] is None:
            continue
        pairs[(g["topic_id"], g["predicted_topic_id"])] += g["n"]
        split = topic_sure if g["sure"] else topic_unsure
        split.n += g["n"]
        split.agree += g["n"] if g["topic_id"] == g["predicted_topic_id"] else 0
    finals, predicted, confusions = Counter(), Counter(), defaultdict(Counter)
    for (final, guess), n in pairs.items():
        finals[final] += n
        predicted[guess] += n
        if guess != final:
            confusions[final][guess] += n
    names = _topic_names({pk for pair in pairs for pk in pair})
    topics = [TopicRow(names[pk], n, pairs[(pk, pk)], predicted[pk],
                       [(names[other], k) for other, k in confusions[pk].most_common(2)])
              for pk, n in finals.most_common()]
    topics.sort(key=lambda t: t.found - t.n)  # most missed first (stable: then by volume)
    auto = Event.objects.filter(kind=Event.Kind.DISPATCHED, data__auto=True, at__gte=since, at__lt=until,
                                message__in=messages)
    moved_after = Event.objects.filter(kind__in=[Event.Kind.TRANSFERRED, Event.Kind.RETURNED],
                                       message=OuterRef("message_id"), at__gte=OuterRef("at"), at__lt=until)
    settled = until - QUEUE_GRACE  # younger messages may still be in the reading queue
    # messages before the first reading are not "unread"; the first one read is found by the
    # classified_at index (a Min over the scope read every message in it: ~300 ms at 1M)
    began = (messages.filter(classified_at__isnull=False).order_by("classified_at")
             .values_list("classified_at", flat=True).first())
    return Reading(
        since=since, until=until, days=days, threshold=threshold,
        read=messages.filter(classified_at__gte=since, classified_at__lt=until).count(),
        unread=messages.filter(submitted_at__gte=max(since, began) if began else since, submitted_at__lt=settled,
                               classified_at__isnull=True).count(),
        topic_sure=topic_sure, topic_unsure=topic_unsure, kind=kind, topics=topics,
        auto_dispatched=auto.values("message_id").distinct().count(),
        auto_rerouted=auto.filter(Exists(moved_after)).values("message_id").distinct().count(),
        models=[model_summary(target, label) for target, label in MODEL_TARGETS],
    )


def cached_reading(scope: Q, days: int = DEFAULT_DAYS) -> Reading:
    """``reading`` computed at most every CACHE_SECONDS per scope and period (a grouped pass
    over a year of a province's messages takes about half a second at 1M messages); the
    served models are always described as they are now."""
    key = "minsheng:reading:" + hashlib.sha1(repr((str(scope), days)).encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = reading(scope, days)
        cache.set(key, figures, CACHE_SECONDS)
        return figures
    return replace(figures, models=[model_summary(target, label) for target, label in MODEL_TARGETS])


def model_summary(target: str, label: str) -> dict:
    """What a served model says of itself (model.json), or that none is loaded."""
    from .classify import MIN_ROWS_FOR_HOLDOUT
    from .tasks import get_model

    model = get_model(target)
    if model is None:
        return {"target": target, "label": label, "loaded": False}
    meta = model.meta or {}
    try:
        created = dt.datetime.fromisoformat(meta.get("created_at") or "")
    except ValueError:
        created = None
    holdout = (meta.get("evaluation") or {}).get("holdout_20pct") or {}
    return {"target": target, "label": label, "loaded": True, "labels": len(model.labels),
            "n_train": meta.get("n_train"), "created_at": created,
            "fingerprint": (meta.get("fingerprint") or "")[:12], "holdout_macro_f1": holdout.get("macro_f1"),
            "holdout_n": holdout.get("n"), "min_holdout_rows": MIN_ROWS_FOR_HOLDOUT}
