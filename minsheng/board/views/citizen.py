"""Citizen pages: post a message (with the cascading region picker), my messages,
rate, reopen, withdraw, support (我也遇到) and the notification inbox.

Every state change calls ``minsheng.board.actions``; its exceptions become a Chinese
message on the page, never a 500."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.accounts.models import User
from minsheng.directory.models import Region, home_region

from .. import actions, notify
from ..forms import EvaluationForm, MessageForm, ReopenForm, WithdrawForm, addressees_for
from ..models import Message, Notification
from ..position import far_notice
from ..workflow import Conflict, IllegalMove, Status, allowed
from . import DRAFT_SENT
from .public import list_queryset, paginate
from .staff_hints import replies_shown_to_others

MAX_LEVEL = Region.Level.TOWNSHIP


def run_action(request, fn, *args, success: str, passes=(), **kwargs):
    """Call an action; True on success (its flash marked draft-sent: the draft of the form, kept in
    the tab by static/js/forms.js, was taken), else a flash error with the action's reason. The refusals of
    class ``passes`` are raised to the caller, which answers them otherwise."""
    try:
        fn(*args, **kwargs)
    except passes:
        raise
    except (IllegalMove, Conflict, actions.Invalid) as exc:
        flash.error(request, str(exc))
        return False
    except PermissionDenied as exc:
        flash.error(request, str(exc) or "您无权进行此操作")
        return False
    flash.success(request, success, extra_tags=DRAFT_SENT)
    return True


# --- posting ------------------------------------------------------------------------

def _region_from_levels(params) -> Region | None:
    """The deepest region chosen in levels 1..changed of the cascading picker; a level
    whose region is not a child of the level above (a stale choice, left when a
    higher level changed without scripts) ends the chain."""
    try:
        changed = int(params.get("changed", MAX_LEVEL))
    except ValueError:
        changed = MAX_LEVEL
    codes = []
    for level in range(1, min(changed, MAX_LEVEL) + 1):
        value = params.get(f"region_level_{level}", "")
        if not value or "\x00" in value:  # no code has a NUL, and PostgreSQL refuses one in the lookup
            break
        codes.append(value)
    found = {r.code: r for r in Region.objects.filter(code__in=codes).select_related("parent__parent__parent")}
    region = None
    for code in codes:
        candidate = found.get(code)
        if candidate is None or candidate.parent_id != (region.pk if region else None):
            break
        region = candidate
    return region


def picker_context(region, addressee_value="", region_errors=None, addressee_errors=None) -> dict:
    """Select boxes from the province down to the chosen region's children, and its
    addressees (leaders' offices of the region and above). On a city's site the city is
    chosen to begin with: its province and the city itself are no choice at all."""
    if region is None:
        home = home_region()
        if home is not None and home.level > Region.Level.PROVINCE:
            region = home
    chain = list(reversed(region.ancestors())) if region else []
    levels, parent = [], None
    for depth in range(MAX_LEVEL):
        options = list(Region.objects.filter(parent=parent).only("code", "name", "level").order_by("code"))
        if not options:
            break
        selected = chain[depth] if depth < len(chain) else None
        levels.append({"level": depth + 1, "options": options, "selected": selected.code if selected else ""})
        if selected is None:
            break
        parent = selected
    leaders = addressees_for(region)
    if addressee_value and not any(str(a.pk) == str(addressee_value) for a in leaders):
        addressee_value = ""
    return {"levels": levels, "region": region, "leaders": leaders, "addressee_value": str(addressee_value or ""),
            "region_errors": region_errors, "addressee_errors": addressee_errors}


def region_picker(request):
    """htmx fragment: the picker after a level changed (or for ?region=CODE)."""
    if "changed" in request.GET:
        region = _region_from_levels(request.GET)
    else:
        code = request.GET.get("region", "")
        region = Region.objects.filter(code=code).select_related("parent__parent__parent").first() if code else None
    # an htmx request: scripts run, so no no-script button (a fragment's <noscript> would be
    # parsed into a hidden submit button that pressing Enter in the form would trigger)
    return render(request, "board/_where.html",
                  {**picker_context(region, request.GET.get("addressee", "")), "scripted": True})


def _with_picked_region(post):
    """The posted data with ``region`` taken from the picker's select boxes when they were
    sent: without scripts the hidden field does not follow the boxes."""
    data = post.copy()
    if any(key.startswith("region_level_") for key in data):
        region = _region_from_levels(data)
        data["region"] = region.code if region else ""
    return data


def _submitted_note(message: Message) -> str:
    """What the citizen reads once the message is in. A region with automatic dispatch on sends it
    to a unit as it arrives (the reading runs in the request where no worker is configured): the
    note said 「审核通过后公开」 above a page that showed it public and 待签收. A position far from the region
    chosen is said after it, as Open311's and the REST API's answers say it (since 2026-12-07)."""
    message.refresh_from_db(fields=["status"])
    far = far_notice(message)
    if message.status == Status.DISPATCHED:
        note = f"留言已提交 (编号 {message.public_id}), 已按职责交办单位办理并公开, 处理进展会通知您"
    else:
        note = f"留言已提交 (编号 {message.public_id}), 审核通过后公开, 处理进展会通知您"
    return f"{note}; {far}" if far else note


REPOST_WINDOW = timedelta(minutes=30)


def _just_posted(user, cleaned) -> Message | None:
    """The citizen's own message sent a moment ago as this form sends it (title, body, kind, where, to
    whom, under which name): the back button after 提交留言 shows the form filled in again (the
    browser restores it), and pressing 提交留言 there posted the same message twice. The same text
    sent elsewhere or otherwise is a message of its own, and so is one with photos the first lacks
    (gone back to add them); so is one after the first was withdrawn or not accepted (不予受理:
    sent again, corrected or not, it is read again)."""
    return (Message.objects.filter(author=user, title=cleaned["title"], body=cleaned["body"], kind=cleaned["kind"],
                                   region=cleaned["region"], addressee=cleaned.get("addressee"),
                                   show_name=bool(cleaned.get("show_name")),
                                   submitted_at__gte=timezone.now() - REPOST_WINDOW)
            .exclude(status__in=(Status.WITHDRAWN, Status.REJECTED))
            .annotate(photos=Count("attachments")).filter(photos__gte=len(cleaned.get("photos") or []))
            .order_by("-id").first())


def _sent_again(request) -> dict | None:
    """The form's fields from ``?again=<public_id>``, the citizen's own message not accepted (未受理): its
    page's 修改后重新提交. The reason asked to add what was missing (「请补充后重新提交」) and the citizen
    typed it all again. The reason is said above the form; photos are chosen again."""
    message = actions.not_accepted(request.user, request.GET.get("again", ""))
    if message is None:
        return None
    if (new := actions.resubmitted_as(message)) is not None:
        flash.error(request, actions.resubmitted_note(new))
        return None
    flash.info(request, f"已填入您未受理的留言 (编号 {message.public_id}) 的内容, 请按未受理原因修改后提交"
                        f"{'; 照片需要重新选择' if message.attachments.exists() else ''}。"
                        f"{f'未受理原因: {message.reject_reason}' if message.reject_reason else ''}")
    return {"again": message.public_id, "title": message.title, "body": message.body, "kind": message.kind, "region": message.region.code,
            "addressee": message.addressee_id or "", "topic": message.topic.code if message.topic_id else "",
            "show_name": message.show_name, "address": message.address, "latitude": message.latitude,
            "longitude": message.longitude}


@login_required
def post_message(request):
    if request.method == "POST" and request.POST.get("action") == "refine":
        # without scripts: the citizen chose a higher level and asks for the next one
        data = _with_picked_region(request.POST)
        form = MessageForm(initial={key: data.get(key, "") for key in MessageForm.base_fields if key != "photos"})
    elif request.method == "POST":
        form = MessageForm(_with_picked_region(request.POST), request.FILES)
        if form.is_valid():
            again = request.POST.get("again", "")  # 修改后重新提交: of the citizen's own message not accepted
            sent_again = actions.not_accepted(request.user, again) is not None
            try:
                if sent_again:
                    earlier, message = None, actions.do_resubmit(request.user, again, **form.submit_kwargs())
                else:
                    with transaction.atomic():
                        # two tabs sent at once: the second looks once the first is stored
                        User.objects.select_for_update().filter(pk=request.user.pk).first()
                        earlier = _just_posted(request.user, form.cleaned_data)
                        message = earlier or actions.do_submit(request.user, **form.submit_kwargs())
            except actions.Resubmitted as exc:  # sent again already: its page says so and links to the copy
                flash.error(request, str(exc))
                return redirect("board:message", again)
            except (actions.Invalid, PermissionDenied) as exc:
                flash.error(request, str(exc))
            else:
                if earlier is not None:
                    flash.info(request, f"您刚才已提交过这条留言 (编号 {earlier.public_id}), 没有重复提交",
                               extra_tags=DRAFT_SENT)
                    return redirect("board:message", earlier.public_id)
                flash.success(request, _submitted_note(message), extra_tags=DRAFT_SENT)  # the draft kept in the tab goes
                return redirect("board:message", message.public_id)
    else:
        # from a leader's board: ?region=…&addressee=… (picker_context drops one not for the region)
        form = MessageForm(initial=_sent_again(request) or {"region": request.GET.get("region", ""),
                                                             "addressee": request.GET.get("addressee", "")})
    region = form.chosen_region()
    ctx = picker_context(region, form["addressee"].value() or "",
                         form.errors.get("region") if form.is_bound else None,
                         form.errors.get("addressee") if form.is_bound else None)
    ctx.update({"form": form, "photos_lost": form.is_bound and bool(request.FILES) and bool(form.errors),
                # 修改后重新提交: the message sent again, kept through the form (a choice of region, an error)
                "again": request.POST.get("again", "") if request.method == "POST" else form.initial.get("again", "")})
    return render(request, "board/post.html", ctx)


# --- my messages and their actions ------------------------------------------------------

def _own(request, public_id) -> Message:
    """The signed-in citizen's own message; 404 for anyone else's."""
    return get_object_or_404(Message.objects.select_related("region", "author"), public_id=public_id,
                             author=request.user)


@login_required
def my_messages(request):
    """我的留言, or with ``?supported=1`` the public messages I said 我也遇到 on, the one I
    supported last first (I am told when they are answered: notify.replied)."""
    supported = request.GET.get("supported") == "1"
    if supported:
        qs = (Message.objects.filter(supports__user=request.user, status__in=Status.public())
              .annotate(supported_at=F("supports__created_at")).order_by("-supported_at", "-id"))
    else:
        # 由 <接入系统> 代为提交: a request an Open311 key posted with my phone or email
        qs = Message.objects.filter(author=request.user).annotate(
            via_open311=F("open311__pk"), via=F("open311__api_key__name"))
    statuses = [(s.value, s.label) for s in Status if not supported or s in Status.public()]
    status = request.GET.get("status", "")
    if status in dict(statuses):
        qs = qs.filter(status=status)
    else:  # not a filter of this list (mistyped, or not public under 我也遇到的): 全部, and said so when empty
        status = ""
    page, query = paginate(request, list_queryset(qs))
    return render(request, "board/my_messages.html", {
        "page": page, "query": query, "status": status, "statuses": statuses, "supported": supported})


@login_required
def rate(request, public_id):
    message = _own(request, public_id)
    latest = message.replies.select_related("unit").order_by("-published_at").first()
    if message.status != Status.REPLIED and actions.rated(latest):
        # back on the form after 提交评价 (the browser's back button, a second tap); a rating of the answer before
        # a 重办 is none of this one's (it said so of a new answer closed unrated, 2026-12-07)
        flash.info(request, "您已评价过这条答复, 评价见本页")
        return redirect("board:message", public_id)
    if message.status == Status.CLOSED:  # closed unrated: close_stale
        flash.error(request, actions.closed_unrated())
        return redirect("board:message", public_id)
    if message.status != Status.REPLIED:
        flash.error(request, f"当前状态为「{message.get_status_display()}」, 只能在收到答复后评价一次")
        return redirect("board:message", public_id)
    form = EvaluationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        seen = request.POST.get("reply")  # the answer the form showed
        try:
            if not form.is_valid():  # a rating left blank: shown again with the field's error, if of the latest answer
                actions.check_seen_reply(latest, seen)
            else:  # checked by do_evaluate under its transaction
                ok = run_action(request, actions.do_evaluate, request.user, message, success="感谢您的评价",
                                passes=actions.NewerReply, seen_reply=seen, **form.cleaned_data)
                if ok and message.status == Status.EVALUATED:
                    flash.info(request, f"如问题仍未解决, 可在 {settings.MINSHENG_REOPEN_DAYS} 天内申请重办一次")
                return redirect("board:message", public_id)
        except actions.NewerReply as exc:
            # the form of the answer before a 重办 (another tab): rating it would rate the new one, unread, and its
            # errors shown again would leave the new one unsaid; back to the form, showing it
            flash.error(request, str(exc))
            return redirect("board:rate", public_id)
    # the answer being rated, on the page: 我的留言's 去评价 leads here, not to the message
    reply = _as_published(message, latest)
    return render(request, "board/rate.html", {"message": message, "form": form, "reply": reply,
                                               "reopen_days": settings.MINSHENG_REOPEN_DAYS})


def _as_published(message: Message, reply):
    """The reply quoted on 评价答复 and 申请重办 as the author's message page shows it: their personal data
    partly hidden (``replies_shown_to_others``; whole there until 2026-12-05)."""
    return replies_shown_to_others(message, [reply])[0] if reply else None


@login_required
def reopen(request, public_id):
    message = _own(request, public_id)
    if message.reopen_count:
        # back on the form after 申请重办: 「只能在“不满意”评价后…」 read as if it had not been sent
        flash.info(request, "这条留言已申请过重办 (每条留言只能申请重办一次), 办理进展见本页")
        return redirect("board:message", public_id)
    if not actions.can_reopen(message):
        flash.error(request, f"只能在“不满意”评价后 {settings.MINSHENG_REOPEN_DAYS} 天内申请重办一次")
        return redirect("board:message", public_id)
    form = ReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        run_action(request, actions.do_reopen, request.user, message, form.cleaned_data["reason"],
                   success="已申请重办, 原办理单位将重新办理")
        return redirect("board:message", public_id)
    # the answer the citizen found wanting, on the page (as 评价's), and until when they may ask
    reply = _as_published(message, message.replies.select_related("unit").order_by("-published_at").first())
    rated = message.evaluations.order_by("-created_at").first()
    until = rated.created_at + timedelta(days=settings.MINSHENG_REOPEN_DAYS) if rated else None
    return render(request, "board/reopen.html", {"message": message, "form": form, "reply": reply, "until": until})


# why a message not withdrawn since was never dispatched (a stale 撤回 tab): 「派单后不能撤回」 was not so
WITHDRAW_REFUSED = {Status.REJECTED: "留言未受理, 无需撤回", Status.MERGED: "留言已并入其他留言一起办理, 不能撤回"}


@login_required
def withdraw(request, public_id):
    message = _own(request, public_id)
    if message.status == Status.WITHDRAWN:
        # back on the form after 撤回: 「派单后不能撤回」 read as if it had not been withdrawn
        flash.info(request, "这条留言已撤回")
        return redirect("board:message", public_id)
    if not allowed("withdraw", message.status):
        why = WITHDRAW_REFUSED.get(message.status, "留言派单后不能撤回")
        flash.error(request, f"当前状态为「{message.get_status_display()}」, {why}")
        return redirect("board:message", public_id)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if run_action(request, actions.do_withdraw, request.user, message, success="留言已撤回"):
            return redirect("board:my_messages")
        return redirect("board:message", public_id)
    return render(request, "board/withdraw.html", {"message": message, "form": form})


def _what_comes_next(message) -> str:
    """What a supporter will still hear of (notify.replied and notify.closed, about the
    main case of a merged message): nothing more once it is closed."""
    case = (message.public_main or message) if message.status == Status.MERGED else message
    if case.status == Status.CLOSED:
        return "该问题已办结, 答复见本页, 不会再有新的通知; 如问题仍未解决, 可以另行留言"
    if case.status in Status.answered():
        return "已有答复, 见本页; 再有答复和办结时会通知您"
    return "有答复和办结时会通知您"


@require_POST
def support(request, public_id):
    if not request.user.is_authenticated:
        flash.info(request, "请先登录, 再点“我也遇到”")
        return redirect(f"{reverse('accounts:login')}?next={reverse('board:message', args=[public_id])}")
    message = get_object_or_404(Message, public_id=public_id, status__in=Status.public())
    try:
        created = actions.do_support(request.user, message)
    except (IllegalMove, PermissionDenied) as exc:
        flash.error(request, str(exc))
    else:
        if created:
            flash.success(request, f"已记录: 您也遇到了这个问题。{_what_comes_next(message)}")
        else:
            flash.info(request, "您已经点过“我也遇到”")
    return redirect("board:message", public_id)


@require_POST
def unsupport(request, public_id):
    """取消我也遇到: a support pressed by mistake, taken back by the citizen who pressed it."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={reverse('board:message', args=[public_id])}")
    message = get_object_or_404(Message, public_id=public_id, status__in=Status.public())
    if actions.do_unsupport(request.user, message):
        flash.success(request, "已取消“我也遇到”, 此后不再收到该留言的答复和办结通知")
    else:
        flash.info(request, "您没有点过“我也遇到”")
    return redirect("board:message", public_id)


# --- notifications --------------------------------------------------------------------

@login_required
def notifications(request):
    qs = Notification.objects.filter(user=request.user).select_related("message").only(
        "kind", "text", "created_at", "read_at", "message__public_id", "message__title", "message__author_id")
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    box = request.GET.get("filter", "")
    if (within := notify.note_list(box)) is not None:  # 与我有关 / 本单位新件 (an officer's or head's)
        qs = qs.filter(within)
    else:
        box = ""
    page, query = paginate(request, qs)
    return render(request, "board/notifications.html", {
        "page": page, "query": query, "only_unread": request.GET.get("unread") == "1", "box": box,
        "box_name": notify.NOTE_LISTS.get(box, "")})


@login_required
def notifications_read_all(request):
    """全部标为已读: every unread note, or those of the list it was pressed on (与我有关, 本单位新件)."""
    if request.method != "POST":  # the address of a post that met the login page (session run out)
        return redirect("board:notifications")
    box = request.POST.get("filter", "")
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if (within := notify.note_list(box)) is not None:
        unread = unread.filter(within)
    n = unread.update(read_at=timezone.now())
    flash.success(request, f"已将 {n} 条消息标为已读" if n else "没有未读消息")
    return redirect(reverse("board:notifications") + (f"?filter={box}" if within is not None else ""))


@login_required
def notification_open(request, pk):
    note = get_object_or_404(Notification.objects.select_related("message"), pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    if note.message is not None:
        if note.kind in notify.STAFF_KINDS:  # a case arrived, is due, supervised, ...
            return redirect(reverse("board:case", args=[note.message.public_id]))
        return redirect("board:message", note.message.public_id)
    return redirect("board:notifications")


urlpatterns = [
    path("post/", post_message, name="post"),
    path("post/where/", region_picker, name="region_picker"),
    path("me/messages/", my_messages, name="my_messages"),
    path("m/<str:public_id>/rate/", rate, name="rate"),
    path("m/<str:public_id>/reopen/", reopen, name="reopen"),
    path("m/<str:public_id>/withdraw/", withdraw, name="withdraw"),
    path("m/<str:public_id>/support/", support, name="support"),
    path("m/<str:public_id>/support/undo/", unsupport, name="unsupport"),
    path("me/notifications/", notifications, name="notifications"),
    path("me/notifications/read-all/", notifications_read_all, name="notifications_read_all"),
    path("me/notifications/<int:pk>/", notification_open, name="notification_open"),
]
