"""How the machine's reading fares in the product (机器阅读表现): of the messages
dispatched in a period, how often the topic and type the machine predicted are the ones
the case was dispatched under, split by whether the prediction was sure enough to
prefill the dispatcher's form; per topic, how often the machine found it (recall) and
how often its reading was right (precision), and what it is taken for instead; how many
automatic dispatches people later transferred or returned; and which models serve.

The offline figures in a model's ``model.json`` say how the model read held-back
reference data; these say how it reads this deployment's own messages, as the
dispatchers judged them. See docs/classification.md."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from minsheng.board.models import Event, Message, MessageKind

PERIODS = (7, 30, 90, 365)  # days a reader can choose
DEFAULT_DAYS = 30
MODEL_TARGETS = (("topic", "领域"), ("kind", "类型"), ("unit", "历史派单"))


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
    unread: int  # submitted in the period, not read (no model, or reading failed)
    topic: Agreement
    topic_sure: Agreement  # confidence ≥ threshold: the form was prefilled
    topic_unsure: Agreement
    kind: Agreement
    topics: list[TopicRow]
    auto_dispatched: int
    auto_rerouted: int  # of those, transferred or returned by people afterwards
    models: list[dict]


def _agreement(qs, predicted: str, final: str) -> Agreement:
    row = qs.aggregate(n=Count("pk"), agree=Count("pk", filter=Q(**{predicted: F(final)})))
    return Agreement(row["n"], row["agree"])


def reading(scope: Q, days: int = DEFAULT_DAYS, now: dt.datetime | None = None) -> Reading:
    """The figures for messages matching ``scope`` (a Q on Message) over the last ``days``."""
    until = now or timezone.now()
    since = until - dt.timedelta(days=days)
    threshold = settings.MINSHENG_PREFILL_CONFIDENCE
    messages = Message.objects.filter(scope)
    dispatched = messages.filter(dispatched_at__gte=since, dispatched_at__lt=until)
    with_topic = dispatched.filter(predicted_topic__isnull=False, topic__isnull=False)
    kinds = set(MessageKind.values)
    pairs = Counter({(r["topic__name"], r["predicted_topic__name"]): r["n"] for r in
                     with_topic.values("topic__name", "predicted_topic__name").annotate(n=Count("pk"))})
    finals, predicted, confusions = Counter(), Counter(), defaultdict(Counter)
    for (final, guess), n in pairs.items():
        finals[final] += n
        predicted[guess] += n
        if guess != final:
            confusions[final][guess] += n
    topics = [TopicRow(name, n, pairs[(name, name)], predicted[name], confusions[name].most_common(2))
              for name, n in finals.most_common()]
    topics.sort(key=lambda t: t.found - t.n)  # most missed first (stable: then by volume)
    auto = Event.objects.filter(kind=Event.Kind.DISPATCHED, actor__isnull=True, at__gte=since, at__lt=until,
                                message__in=messages)
    auto_messages = auto.values("message_id")
    rerouted = (Event.objects.filter(kind__in=[Event.Kind.TRANSFERRED, Event.Kind.RETURNED], message__in=auto_messages,
                                     at__gte=since).values("message_id").distinct().count())
    submitted = messages.filter(submitted_at__gte=since, submitted_at__lt=until)
    return Reading(
        since=since, until=until, days=days, threshold=threshold,
        read=messages.filter(classified_at__gte=since, classified_at__lt=until).count(),
        unread=submitted.filter(classified_at__isnull=True).count(),
        topic=Agreement(sum(pairs.values()), sum(n for (final, guess), n in pairs.items() if final == guess)),
        topic_sure=_agreement(with_topic.filter(topic_confidence__gte=threshold), "predicted_topic", "topic"),
        topic_unsure=_agreement(with_topic.exclude(topic_confidence__gte=threshold), "predicted_topic", "topic"),
        kind=_agreement(dispatched.filter(predicted_kind__in=kinds), "predicted_kind", "kind"),
        topics=topics,
        auto_dispatched=auto.values("message_id").distinct().count(),
        auto_rerouted=rerouted,
        models=[model_summary(target, label) for target, label in MODEL_TARGETS],
    )


def model_summary(target: str, label: str) -> dict:
    """What a served model says of itself (model.json), or that none is loaded."""
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
            "holdout_n": holdout.get("n")}
