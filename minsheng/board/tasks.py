"""Periodic board work (Celery beat in production; `minsheng run-periodic` for cron).

The periodic tasks are idempotent: running one twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from . import notify
from .deadlines import SHANGHAI, add_working_days
from .models import Assignment, Event, Notification
from .workflow import Status

log = logging.getLogger(__name__)


@shared_task(name="minsheng.board.tasks.close_stale", ignore_result=True)
def close_stale() -> int:
    """Close replied cases not rated in time (and unsatisfied ones not reopened)."""
    from .actions import close_stale as close

    return close()


@shared_task(name="minsheng.board.tasks.notify_followers", ignore_result=True)
def notify_followers(message_pk: int, kind: str) -> None:
    """Tell the followers of a case (notify._followers) that it was answered or closed."""
    from .models import Message

    message = Message.objects.filter(pk=message_pk).first()
    if message is not None:
        notify._tell_followers(message, kind)


@shared_task(name="minsheng.board.tasks.notify_by_sms", bind=True, ignore_result=True, max_retries=3,
             default_retry_delay=120)
def notify_by_sms(self, user_pk: int, text: str, notice_pk: int | None = None) -> None:
    """Text a citizen (notify._text) through MINSHENG_SMS_SENDER: counted against the daily cap
    (senders.text_notice_allowed), then handed to the gateway; a gateway that fails is logged and
    tried again, up to three times, two minutes apart (``notice_pk``: the notice of the first try,
    counted once). Asked again when it runs: the citizen may have switched SMS notices off."""
    from minsheng.accounts import senders
    from minsheng.accounts.models import TextNotice, User

    user = User.objects.filter(pk=user_pk).only("phone", "sms_notices").first()
    if user is None or not senders.sms_phone(user) or not user.sms_notices:
        return
    notice = (TextNotice.objects.filter(pk=notice_pk).first() if notice_pk
              else senders.text_notice_allowed(user.phone))
    if notice is None:
        return
    try:
        senders.send_text_notice(notice, text)
    except Exception as exc:
        log.exception("SMS gateway %s failed for user %s (try %d of %d)", settings.MINSHENG_SMS_SENDER,
                      user_pk, self.request.retries + 1, self.max_retries + 1)
        if self.request.retries < self.max_retries:
            raise self.retry(args=(user_pk, text), kwargs={"notice_pk": notice.pk}, exc=exc) from None


@shared_task(name="minsheng.board.tasks.notify_due_soon", ignore_result=True)
def notify_due_soon(now=None) -> int:
    """Tell the handling units about cases due by the end of the next working day,
    once per assignment and reply deadline: a reminder sent before an approved extension or a
    calendar change (recompute: a 节假日调整 event naming 答复期限) moved the deadline was for the old
    date, and is sent again."""
    now = now or timezone.now()
    today = timezone.localtime(now, SHANGHAI).date()
    horizon = dt.datetime.combine(add_working_days(today, 1), dt.time(23, 59, 59), tzinfo=SHANGHAI)
    due = list(
        Assignment.objects.filter(state=Assignment.State.ACTIVE, role=Assignment.Role.LEAD,
                                  message__status__in=Status.handling(), due_at__gt=now, due_at__lte=horizon)
        .select_related("unit", "message", "handler").order_by("due_at", "pk")
    )
    # a fixed number of queries however many cases are due (since 2026-12-05: before, about 8 a case)
    set_at = _reply_deadlines_set(due)
    last = dict(Notification.objects.filter(message__in={a.message_id for a in due}, kind="due_soon")
                .values("message").annotate(last=Max("created_at")).values_list("message", "last"))
    unsent = [a for a in due if last.get(a.message_id) is None or last[a.message_id] < set_at[a.pk]]
    # the notes together: a run stopped half way would leave some officers none, the next run finding the
    # reminder sent
    with transaction.atomic():
        notify.due_reminders(unsent, today)
    return len(unsent)


def _reply_deadlines_set(assignments) -> dict[int, dt.datetime]:
    """When the reply deadline each of ``assignments`` works to was last set, by its id: its assignment, or
    a later approved extension or recompute that moved it (before 2026-12-05 a reminder sent for the old
    date was the only one); the events of them all in one query (since 2026-12-05, later)."""
    events = Event.objects.filter(
        message_id__in={a.message_id for a in assignments},
        kind__in=(Event.Kind.EXTENSION_APPROVED, Event.Kind.DEADLINE_MOVED),
    )
    moves = {}
    for message, at, kind, data in events.values_list("message_id", "at", "kind", "data"):
        # the case's 答复期限 (a unit that gave the case up has its own: recompute._given_up)
        if kind == Event.Kind.EXTENSION_APPROVED or any(
                c.get("what") == "答复期限" and not c.get("unit") for c in (data or {}).get("changes") or ()):
            moves.setdefault(message, []).append(at)
    return {a.pk: max([a.assigned_at, *(at for at in moves.get(a.message_id, ()) if at > a.assigned_at)])
            for a in assignments}


@shared_task(name="minsheng.board.tasks.analyze_database", ignore_result=True)
def analyze_database() -> None:
    """Refresh the query planner's statistics (ANALYZE). SQLite keeps none unless asked: without
    them it reads a list through the status index and sorts every row it matches (the public
    list, 60,000 messages: 400 ms, 1 ms with them; bench/pages.py). PostgreSQL's autovacuum
    keeps its own; asked here too, it costs a sample per table."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@shared_task(name="minsheng.board.tasks.purge_counted", ignore_result=True)
def purge_counted(now=None) -> int:
    """Delete the SMS notices and verification codes no daily cap counts any more (older than
    two days; the caps look back 24 hours, senders.CODES_WINDOW): each kept a phone number or an
    email for good. Returns how many rows went."""
    from minsheng.accounts.models import TextNotice, VerificationCode
    from minsheng.accounts.senders import CODES_WINDOW

    before = (now or timezone.now()) - 2 * CODES_WINDOW
    return sum(model.objects.filter(created_at__lt=before).delete()[0] for model in (TextNotice, VerificationCode))
