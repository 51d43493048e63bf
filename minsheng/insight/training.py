"""Training data for the classifiers: labelled CSV files, handled cases in the
database, and the demo models. The commands and ``minsheng demo`` call these."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from ..text_cut import cut
from . import classify, csvio

log = logging.getLogger(__name__)

# Labels of the reference data (问题类型) → board.models.MessageKind values.
KIND_FOR_LABEL = {
    "建言": "suggest", "建议": "suggest", "投诉/求助": "complain", "投诉": "complain", "求助": "help",
    "咨询": "consult", "感谢": "thanks",
}


def listed(labels: Sequence[str], shown: int = 12, width: int = 20) -> str:
    """At most ``shown`` labels, each cut to ``width`` characters, 「, …」 after them when there are more: a
    note or an error of the classifier commands stays a line to read when a column holds thousands of values."""
    names = [cut(label, width) for label in labels[:shown]]
    return ", ".join(names) + (", …" if len(labels) > shown else "")


def kind_for_label(label: str) -> str:
    """A model's type label as a MessageKind value ('' when it is none of them)."""
    from minsheng.board.models import MessageKind

    label = (label or "").strip()
    if label in MessageKind.values:
        return label
    return KIND_FOR_LABEL.get(label, "")


def load_labelled(paths: Sequence[str | Path], label_column: str) -> tuple[list[str], list[str], list[str], int]:
    """(titles, bodies, labels, rows without a label) from one or more CSV files.
    Raises csvio.CSVError or ValueError with a one-line message."""
    titles: list[str] = []
    bodies: list[str] = []
    labels: list[str] = []
    unlabelled = 0
    if not label_column.strip():
        raise csvio.CSVError("--label-column 不能为空")
    label_column = csvio.column_name(label_column)  # as the header's names are read: 「一级标签 」 is 一级标签
    for path in paths:
        table, t, b = csvio.read_messages(path)  # every row checked as by the other commands
        if label_column not in table.header:
            raise csvio.CSVError(f"{table.path}: 没有标签列 {label_column}; 现有列: {csvio.columns_text(table.header)}")
        classify.check_texts(t, b, where=f"{table.path}: ")
        for title, body, row in zip(t, b, table.rows, strict=True):
            label = (row.get(label_column) or "").strip()
            if not label:
                unlabelled += 1
                continue
            titles.append(title)
            bodies.append(body)
            labels.append(label)
    return titles, bodies, labels, unlabelled


TARGETS = ("topic", "kind", "unit")


def final_lead_units() -> dict[int, int]:
    """{message id: unit id} of the lead unit that handled each dispatched message in the
    end: its latest lead assignment still active or done. A unit that transferred the case
    away or returned it never counts (a wrong first dispatch teaches the unit the case went
    to); a case returned and not yet dispatched again is left out."""
    from minsheng.board.models import Assignment

    qs = Assignment.objects.filter(role=Assignment.Role.LEAD,
                                   state__in=[Assignment.State.ACTIVE, Assignment.State.DONE])
    return dict(qs.order_by("assigned_at", "id").values_list("message_id", "unit_id"))


def region_names() -> dict[int, str]:
    """{region id: full name (甘肃省兰州市七里河区)} of every region, in one query."""
    from minsheng.directory.models import Region

    rows = {pk: (name, parent) for pk, name, parent in Region.objects.values_list("pk", "name", "parent_id")}

    def full(pk):
        name, parent = rows[pk]
        return (full(parent) if parent in rows else "") + name

    return {pk: full(pk) for pk in rows}


def unit_title(title: str, region_name: str) -> str:
    """What the unit model reads as a message's title: the region's full name, then the
    title — the same words route to a county's own units or to the city's."""
    return f"{region_name} {title}".strip()


def unit_label(unit) -> str:
    """What the unit model learns of a unit: its office, the short name it shares with its peers in
    other regions (住建局, 水务局), so that the cases of every region teach it (a region's own few cases
    name its 水务局 seldom); the unit's name when it has no short name. ``suggest.unit_for_label`` finds
    the office's unit for a message's region."""
    return unit.short_name or unit.name


def unit_labels(units) -> dict[int, str]:
    """``unit_label`` of each of ``units`` by pk; an active unit whose short name another active unit of its
    region shares (two 公安局 of one city) by its name, so that the model tells the two apart (as one office,
    ``suggest.unit_for_label`` found neither)."""
    shared = Counter((u.region_id, u.short_name) for u in units if u.short_name and u.is_active)
    return {u.pk: u.name if u.is_active and shared[(u.region_id, u.short_name)] > 1 else unit_label(u)
            for u in units}


def handled_cases(target: str = "topic") -> tuple[list[str], list[str], list[str], int]:
    """(titles, bodies, labels, corrections) from dispatched messages: the topic a
    dispatcher set (topic name), the type as the dispatcher left it, or the unit that
    handled the case in the end (its office, ``unit_label``). ``corrections`` counts the messages among
    them with a CORRECTED event (a dispatcher overrode the prediction; for units: transfers and returns)."""
    from minsheng.board.models import Event, Message
    from minsheng.directory.models import Unit

    if target not in TARGETS:
        raise ValueError(f"未知的训练目标 {target} (可选 {' / '.join(TARGETS)})")
    qs = Message.objects.filter(dispatched_at__isnull=False)
    if target == "topic":
        qs = qs.filter(topic__isnull=False).select_related("topic")
    titles, bodies, labels = [], [], []
    if target == "unit":
        handled = final_lead_units()
        names = unit_labels(Unit.objects.only("pk", "name", "short_name", "region_id", "is_active"))
        regions = region_names()
        for m in qs.only("pk", "title", "body", "region_id").iterator(chunk_size=2000):
            if m.pk not in handled:
                continue
            titles.append(unit_title(m.title, regions.get(m.region_id, "")))
            bodies.append(m.body)
            labels.append(names[handled[m.pk]])
        moved = Event.objects.filter(kind__in=[Event.Kind.TRANSFERRED, Event.Kind.RETURNED], message__in=qs)
        return titles, bodies, labels, moved.values("message_id").distinct().count()
    for m in qs.only("title", "body", "kind", "topic__name").iterator(chunk_size=2000):
        titles.append(m.title)
        bodies.append(m.body)
        labels.append(m.topic.name if target == "topic" else m.kind)
    corrections = (Event.objects.filter(kind=Event.Kind.CORRECTED, message__in=qs, data__has_key=target)
                   .values("message_id").distinct().count())
    return titles, bodies, labels, corrections


def train_to(out: str | Path, titles, bodies, labels, *, sources=(), progress=None) -> classify.TextClassifier:
    model = classify.train(titles, bodies, labels, sources=sources, progress=progress)
    model.save(out)
    return model


# the unit model's figures are of offices, and its macro-F1 reads low on the demo (the province's offices have a
# handful of cases each): say what it is for
UNIT_NOTE = "\n  (单位模型按各单位过去办理的案件学习, 只作「历史派单」参考; 派单建议以权责清单为准, 见 docs/routing.md)"


def train_demo_models(stdout=None) -> dict[str, Path]:
    """Train the topic, type and unit (history of dispatches) models from the messages in
    the database (the demo data) into settings.MINSHENG_MODEL_DIR/"topic", /"kind" and
    /"unit", and forget the models the running process had cached. Returns the
    directories written."""
    from django.conf import settings

    from minsheng.board.models import Message

    def say(text: str) -> None:
        if stdout is not None:
            stdout.write(text + "\n")

    base = Path(settings.MINSHENG_MODEL_DIR)
    written = {}
    qs = Message.objects.select_related("topic").only("title", "body", "kind", "topic__name")
    rows = [(m.title, m.body, m.topic.name if m.topic_id else "", m.kind) for m in qs.iterator(chunk_size=2000)]
    data = {}
    for target, pick in (("topic", 2), ("kind", 3)):  # every message with a topic / a type
        labelled = [r for r in rows if r[pick]]
        data[target] = ([r[0] for r in labelled], [r[1] for r in labelled], [r[pick] for r in labelled])
    data["unit"] = handled_cases("unit")[:3]  # dispatched messages: the unit that handled each
    for target, (titles, bodies, labels) in data.items():
        try:
            model = train_to(base / target, titles, bodies, labels, sources=["demo messages in the database"],
                             progress=None)
        except classify.TrainingError as exc:
            say(f"未训练{target}模型: {exc}")
            continue
        written[target] = base / target
        figures = (model.meta.get("evaluation") or {}).get("holdout_20pct") or {}
        say(f"{target} 模型: {model.meta['n_train']} 条, {len(model.labels)} 个标签"
            + (f", 留出 macro-F1 {figures['macro_f1']:.3f}, 准确率 {figures['accuracy']:.3f}" if figures else "")
            + f" → {base / target}" + (UNIT_NOTE if target == "unit" else ""))
    from .tasks import forget_models

    forget_models()
    return written


def read_demo_history(days: int = 90, stdout=None, now=None) -> int:
    """The demo generates its history with the per-message reading paused. Let models
    trained on the messages submitted before the last ``days`` (up to ``now``, the demo's
    today) read the messages submitted since, a minute after each arrived, as the product would have — so the 机器阅读 page
    shows how models read messages they never saw in training. Returns how many were read."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board.models import Event, Message

    from .tasks import topic_for_label

    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    fields = ("pk", "title", "body", "kind", "submitted_at", "topic__name")
    older = list(Message.objects.filter(submitted_at__lt=cutoff).select_related("topic").only(*fields))
    recent = list(Message.objects.filter(submitted_at__gte=cutoff, classified_at__isnull=True).only(*fields))
    if not recent:
        return 0
    readings: dict[str, list] = {}
    for target in ("topic", "kind"):
        labelled = [m for m in older if (m.topic_id if target == "topic" else m.kind)]
        try:
            model = classify.train([m.title for m in labelled], [m.body for m in labelled],
                                   [m.topic.name if target == "topic" else m.kind for m in labelled])
        except classify.TrainingError as exc:
            if stdout is not None:
                stdout.write(f"历史留言未预读{target}: {exc}\n")
            continue
        readings[target] = model.predict([m.title for m in recent], [m.body for m in recent])
    if not readings:
        return 0
    topics = {}
    events = []
    for i, m in enumerate(recent):
        m.classified_at = m.submitted_at + dt.timedelta(minutes=1)
        data = {}
        if "topic" in readings:
            p = readings["topic"][i]
            if p.label not in topics:
                topics[p.label] = topic_for_label(p.label)
            m.predicted_topic = topics[p.label]
            m.topic_confidence = p.confidence if m.predicted_topic else None
            data.update(topic=p.label, topic_confidence=p.confidence)
        if "kind" in readings:
            p = readings["kind"][i]
            m.predicted_kind = kind_for_label(p.label)
            m.kind_confidence = p.confidence if m.predicted_kind else None
            data.update(kind=m.predicted_kind, kind_confidence=p.confidence)
        events.append(Event(message=m, kind=Event.Kind.CLASSIFIED, public=False, at=m.classified_at, data=data))
    Message.objects.bulk_update(recent, ["classified_at", "predicted_topic", "topic_confidence", "predicted_kind",
                                         "kind_confidence"], batch_size=500)
    Event.objects.bulk_create(events, batch_size=500)
    return len(recent)


def progress_printer(stdout) -> Callable[[str], None]:
    return lambda text: stdout.write(text + "\n")
