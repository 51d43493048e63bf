"""Celery tasks that apply the insight cores to stored messages.

``read_message`` runs after a message is committed (eagerly in the embedded default):
it classifies the message, dispatches it automatically where its region switched that
on, and places it in a hotspot. A missing or broken model never reaches the caller:
the message stays unclassified and goes to the dispatcher as it is.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .classify import ModelError, Prediction, TextClassifier

log = logging.getLogger(__name__)

TARGETS = ("topic", "kind")
_lock = threading.Lock()
_models: dict[str, tuple[tuple, TextClassifier | None]] = {}


def _model_key(path: Path) -> tuple:
    try:
        return (str(path), (path / "model.json").stat().st_mtime_ns, (path / "weights.npz").stat().st_mtime_ns)
    except OSError:
        return (str(path), None, None)


def get_model(target: str) -> TextClassifier | None:
    """The model in settings.MINSHENG_MODEL_DIR/<target>, loaded once per process and
    reloaded when its files change; None (logged) when missing or broken."""
    path = Path(settings.MINSHENG_MODEL_DIR) / target
    key = _model_key(path)
    with _lock:
        cached = _models.get(target)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            model = TextClassifier.load(path)
        except ModelError as exc:
            log.warning("no %s model: %s", target, exc)
            model = None
        except Exception:  # a model must never break reading a message
            log.exception("could not load the %s model from %s", target, path)
            model = None
        _models[target] = (key, model)
        return model


def forget_models() -> None:
    with _lock:
        _models.clear()


def predict(title: str, body: str) -> dict[str, Prediction | None]:
    """Predictions of every available model for one message (None where it fails)."""
    out: dict[str, Prediction | None] = {}
    for target in TARGETS:
        model = get_model(target)
        out[target] = None
        if model is None:
            continue
        try:
            out[target] = model.predict_one(title, body)
        except Exception:
            log.exception("the %s model failed on a message", target)
    return out


def predict_unit(title: str, body: str) -> Prediction | None:
    """The unit model's reading (units that handled similar messages), or None."""
    model = get_model("unit")
    if model is None:
        return None
    try:
        return model.predict_one(title, body)
    except Exception:
        log.exception("the unit model failed on a message")
        return None


def topic_for_label(label: str):
    """The active directory Topic named ``label`` (top level first), or None."""
    from minsheng.directory.models import Topic

    return (Topic.objects.filter(name=label, is_active=True).order_by("parent_id", "sort", "id").first()
            if label else None)


def classify_message(message_pk: int) -> bool:
    """Store the predicted topic and type of a message once. Returns True when this
    call classified it (False: gone, already classified, or no model)."""
    from minsheng.board.models import Event, Message

    from .training import kind_for_label

    message = Message.objects.filter(pk=message_pk).first()
    if message is None or message.classified_at is not None:
        return False
    predictions = predict(message.title, message.body)
    topic_p, kind_p = predictions["topic"], predictions["kind"]
    if topic_p is None and kind_p is None:
        return False
    fields: dict = {"classified_at": timezone.now()}
    data: dict = {}
    if topic_p is not None:
        topic = topic_for_label(topic_p.label)
        # exact, not rounded to 4 decimals: 0.99996 stored as 1.0 read 「置信度 1.00」 and passed a 0.99999 setting
        fields.update(predicted_topic=topic, topic_confidence=topic_p.confidence if topic else None)
        data.update(topic=topic_p.label, topic_confidence=topic_p.confidence,
                    topic_top=[[label, p] for label, p in topic_p.top])
    if kind_p is not None:
        kind = kind_for_label(kind_p.label)
        fields.update(predicted_kind=kind, kind_confidence=kind_p.confidence if kind else None)
        data.update(kind=kind, kind_label=kind_p.label, kind_confidence=kind_p.confidence)
    # a conditional UPDATE, not a transition: the status and version stay; a second run finds it done.
    # One transaction with its event: a reader never finds the reading without it, a failure leaves neither
    with transaction.atomic():
        if not Message.objects.filter(pk=message.pk, classified_at__isnull=True).update(**fields):
            return False
        Event.objects.create(message=message, kind=Event.Kind.CLASSIFIED, public=False, data=data)
    return True


def auto_dispatch(message_pk: int):
    """Dispatch a classified message by the responsibility table when its region (or
    an ancestor) has AutoDispatch on and the topic is sure enough. Returns the lead
    Assignment, or None when it stays with the dispatcher."""
    from minsheng.board import actions
    from minsheng.board.models import Message
    from minsheng.board.workflow import Status
    from minsheng.directory.routing import route

    from .models import AutoDispatch
    from .suggest import resolve_region

    message = Message.objects.select_related("region", "predicted_topic").filter(pk=message_pk).first()
    if message is None or message.status not in (Status.SUBMITTED, Status.ACCEPTED):
        return None
    setting = AutoDispatch.for_region(message.region)
    if setting is None or message.predicted_topic is None:
        return None
    if (message.topic_confidence or 0.0) < setting.min_confidence:
        return None
    routed = route(resolve_region(message)[0], message.predicted_topic)  # the table alone, no unit model
    if routed.lead is None:
        return None
    held = {"unmeasured_model": True} if not _measured("topic") else _hold_reason(message)
    if held is not None:
        _note_hold(message, held)
        return None
    try:
        return actions.do_dispatch(None, message, routed.lead, list(routed.assists), topic=message.predicted_topic)
    except Exception as exc:  # someone acted first, or the unit was switched off: leave it to people
        log.warning("automatic dispatch of message %s skipped: %s", message_pk, exc)
        return None


def _measured(target: str) -> bool:
    """Whether the served ``target`` model was measured on a hold-out when trained: a model of a few dozen
    cases (``classify.MIN_ROWS_FOR_HOLDOUT``, a city's first ``train-classifier --from-db``) was not, and its
    confidences say nothing — automatic dispatch waits for one that was (since 2026-12-06)."""
    model = get_model(target)
    return bool(model is not None and (model.meta.get("evaluation") or {}).get("holdout_20pct"))


HELD_LISTED = 5  # the in-hand near-duplicates a hold names, nearest first (as many as the dispatch form lists)


def _hold_reason(message) -> dict | None:
    """Why ``message`` waits for a dispatcher instead (the data of its AUTO_HELD event), or None.
    It may repeat a case in hand (疑似重复: ``lookup.near_duplicates``, the dispatcher's candidates
    and scores, any of them from its threshold that is a public case not yet closed: ``Status.in_hand``;
    the nearest ``HELD_LISTED`` are named), or that cannot be told: a dispatcher merges it (并单).
    Dispatched by the system, the same problem went to its unit a second time and left the
    dispatcher's queue, where its 疑似重复 would have been offered. A repeat of a closed case (the
    problem back again) is dispatched: before, it was held too. Before, only the five nearest the
    dispatch form lists were read: a case in hand behind five closed ones held nothing."""
    from minsheng.board.workflow import Status

    from . import lookup

    try:
        near = lookup.near_duplicates(message, k=None, statuses=frozenset(Status.in_hand()))
    except Exception:  # a failing lookup leaves the message to people, never blocks it
        log.exception("near-duplicate lookup for automatic dispatch of message %s failed", message.pk)
        return {"lookup_failed": True}
    in_hand = [m.public_id for m, _ in near[:HELD_LISTED]]
    return {"duplicates": in_hand} if in_hand else None


def _note_hold(message, data: dict) -> None:
    """The case history says why the message was not dispatched automatically (internal, shown
    on the staff timeline): once, however often the task runs, and only while it still waits for a
    dispatcher (one who dispatched it during the lookup has decided: no note after his 派单)."""
    from minsheng.board.models import Event, Message
    from minsheng.board.workflow import Status

    with transaction.atomic():
        # the row locked: two runs at once write one note, a dispatcher's move waits or came first
        waiting = (Message.objects.select_for_update().filter(pk=message.pk)
                   .values_list("status", flat=True).first() in (Status.SUBMITTED, Status.ACCEPTED))
        if waiting and not Event.objects.filter(message=message, kind=Event.Kind.AUTO_HELD).exists():
            Event.objects.create(message=message, kind=Event.Kind.AUTO_HELD, public=False, data=data)


@shared_task(name="minsheng.insight.read_message", ignore_result=True)
def read_message(message_pk: int) -> None:
    """Classify a new message, dispatch it automatically where switched on, place it in
    a hotspot. Idempotent; never raises for a model or data problem."""
    try:
        if classify_message(message_pk):
            auto_dispatch(message_pk)
    except Exception:
        log.exception("reading message %s failed; it stays unclassified", message_pk)
    try:
        from minsheng.insight.hotspots_service import place_message
    except ImportError:
        return
    try:
        from minsheng.board.models import Message

        message = Message.objects.filter(pk=message_pk).first()
        if message is not None:
            place_message(message)
    except Exception:
        log.exception("placing message %s in a hotspot failed", message_pk)
