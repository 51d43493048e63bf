"""Staff endpoints: the inbox, case detail with private fields, and every workflow
action. Each action calls the board action the staff pages call, so the rules
(who may, from which status) are defined once, in board.actions and board.workflow."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.accounts.models import User
from minsheng.accounts.roles import roles_of
from minsheng.board import actions
from minsheng.board.batch_dispatch import CHANGED_IN_API, dispatch_by_suggestion, plan_each, seen_key
from minsheng.board.models import Assignment, Extension, Message
from minsheng.board.views.leader_office import office_messages, offices_of
from minsheng.board.views.staff import handler_filter, next_deadline
from minsheng.board.views.staff_hints import held_on, near_duplicate_counts, near_duplicates_each, quality_for
from minsheng.board.workflow import IllegalMove, MovedOn, Status, allowed
from minsheng.directory.routing import route
from minsheng.insight.reading import cached_reading
from minsheng.insight.suggest import Suggestion, proposed_units, suggest_for

from .. import inputs
from ..errors import ApiError
from ..pagination import IdCursor, InboxCursor, MessageCursor
from ..permissions import IsStaffMember
from ..serializers import (
    DispatchBatchSerializer,
    InboxItemSerializer,
    ReadingSerializer,
    ReplyPreviewSerializer,
    StaffCaseSerializer,
    SuggestionSerializer,
    quality_shown,
)
from .base import ApiView, body_of, list_queryset, parse, staff_queryset

PUBLIC_ID = OpenApiParameter("public_id", str, OpenApiParameter.PATH, description="留言编号")


def scoped_ids(user, extra: Q | None = None):
    """Primary keys of the messages ``user`` handles or oversees (a subquery)."""
    qs = Message.objects.filter(roles_of(user).staff_messages_q())
    if extra is not None:
        qs = qs.filter(extra)
    return qs.values("pk")


def inbox_q(user, box: str) -> Q:
    roles = roles_of(user)
    if box == "unit":
        return Q(pk__in=Assignment.objects.filter(unit_id__in=roles.unit_ids, state=Assignment.State.ACTIVE)
                 .values("message_id"))
    if box == "dispatch":
        return Q(status__in=[Status.SUBMITTED, Status.ACCEPTED]) & roles.region_q(roles.dispatch_prefixes)
    if box == "supervise":
        return Q(status__in=[*Status.handling(), Status.REPLIED]) & roles.region_q(roles.supervise_prefixes)
    return Q(pk__in=scoped_ids(user))


def leader_box(user, params):
    """box=leader: what /staff/leader-board/ lists (office_messages), for its ?leader= (required when
    the office serves two or more leaders), ?show= and ?q=; 403 for a user of no leader's office."""
    offices = offices_of(roles_of(user))
    choices = "、".join(f"{a.pk} ({a.title})" for a in offices)
    if "leader" in params:
        office = next((a for a in offices if a.pk == params["leader"]), None)
        if office is None:
            problem = f"您的单位不受理该留言对象的留言; 可选: {choices}"
            raise ApiError(problem, fields={"leader": [problem]})
    elif len(offices) > 1:
        problem = f"您的单位受理 {len(offices)} 位领导的留言, 请用 leader 指定其一: {choices}"
        raise ApiError(problem, fields={"leader": [problem]})
    else:
        office = offices[0]
    return office_messages(list_queryset(), office, params.get("show") or "all", params.get("q") or "")[0]


def handler_q(user, handler: str) -> Q:
    """?handler= (handler_filter, as on the inbox page): the messages whose active assignment of one of
    ``user``'s units (an admin's: any unit) has that 承办人 (none for a user of no unit)."""
    roles = roles_of(user)
    active = Assignment.objects.filter(state=Assignment.State.ACTIVE)
    if not roles.admin:
        active = active.filter(unit_id__in=roles.unit_ids)
    return Q(pk__in=active.filter(handler_filter(user, roles, handler)[0]).values("message_id"))


def unit_next_deadline(user):
    """The next deadline (next_deadline) of the case's active assignment of one of ``user``'s units,
    the earliest when it has two (lead and assisting); an admin's: any unit's."""
    roles = roles_of(user)
    active = Assignment.objects.filter(message=OuterRef("pk"), state=Assignment.State.ACTIVE)
    if not roles.admin:
        active = active.filter(unit_id__in=roles.unit_ids)
    return Subquery(active.annotate(next_due=next_deadline()).order_by("next_due").values("next_due")[:1])


def unit_role(user):
    """Whether ``user``'s unit leads the case (``lead``) or assists it (``assist``): the role of its active
    assignment of one of ``user``'s units, the lead first when it has both; an admin's: any unit's."""
    roles = roles_of(user)
    active = Assignment.objects.filter(message=OuterRef("pk"), state=Assignment.State.ACTIVE)
    if not roles.admin:
        active = active.filter(unit_id__in=roles.unit_ids)
    lead_first = Case(When(role=Assignment.Role.LEAD, then=Value(0)), default=Value(1))
    return Subquery(active.order_by(lead_first).values("role")[:1])


class Inbox(ApiView):
    """待办: 本单位在办、待派单、督办范围内的留言."""

    permission_classes = [IsStaffMember]
    pagination_class = MessageCursor
    query_class = inputs.InboxQuery

    @extend_schema(responses=InboxItemSerializer(many=True), tags=["staff"])
    def get(self, request):
        params = self.query(request)
        if params["box"] == "leader":
            qs = leader_box(request.user, params)
        else:
            qs = list_queryset().filter(inbox_q(request.user, params["box"]))
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        overdue = Q(status__in=Status.handling(), replied_at__isnull=True, due_at__lt=timezone.now())
        if params.get("overdue") is True:
            qs = qs.filter(overdue)
        elif params.get("overdue") is False:
            qs = qs.exclude(overdue)
        if params.get("handler"):
            qs = qs.filter(handler_q(request.user, params["handler"]))
        qs = qs.annotate(unit_role=unit_role(request.user))  # the inbox page's 待办(主办) and 协办 tabs
        if params.get("role"):
            qs = qs.filter(unit_role=params["role"])
        if params.get("order") == "id":  # a place no change of the case moves: each met once in a walk
            paginator = IdCursor()
        elif params["box"] == "unit":  # as the inbox page lists them
            qs = qs.annotate(next_due=unit_next_deadline(request.user))
            paginator = InboxCursor()
        else:
            paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs.distinct(), request, view=self)
        # the queue page's 疑似重复 badge, counted for the page's rows at once; guarded as there:
        # a failing lookup leaves the counts null and the list stands
        duplicates = near_duplicate_counts(page) if params["box"] == "dispatch" else None
        data = InboxItemSerializer(page, many=True, context={"duplicates": duplicates}).data
        return paginator.get_paginated_response(data)


def get_case(request, public_id) -> Message:
    """A case in the caller's scope; anything else is a 404 (other units see nothing)."""
    return get_object_or_404(staff_queryset().filter(pk__in=scoped_ids(request.user)), public_id=public_id)


def case_response(request, message) -> Response:
    # the hotspot's flags for supervisors and leaders, as on the pages
    context = {"roles": roles_of(request.user)}
    return Response(StaffCaseSerializer(staff_queryset().get(pk=message.pk), context=context).data)


class CaseDetail(ApiView):
    """办件详情 (含联系方式、分派、全部记录)."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=StaffCaseSerializer, tags=["staff"], parameters=[PUBLIC_ID])
    def get(self, request, public_id):
        return case_response(request, get_case(request, public_id))


class CaseSuggestion(ApiView):
    """派单建议: 预测领域和类型、区划、权责清单的主办/协办单位及理由、历史派单参考."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=SuggestionSerializer, tags=["staff"], parameters=[PUBLIC_ID])
    def get(self, request, public_id):
        message = get_case(request, public_id)
        # the inbox said 疑似重复 2 (duplicate_count), and nothing said which two to merge into: the
        # case page's list, for those it shows it to
        dispatches = roles_of(request.user).dispatches(message.region)
        merges = dispatches and allowed("merge", message.status)
        # with the cases in hand its automatic dispatch was held on, where the five nearest leave them out
        held = held_on(message) if merges else []
        found = near_duplicates_each([message], held_each={message.pk: held}) if merges else {}
        context = {"duplicates": found.get(message.pk, []) if merges else None, "held": held,
                   # what 按建议派单 would do with it, as the queue page's row says (its duplicates those above)
                   "batch": plan_each([message], found)[message.pk] if dispatches else None}
        return Response(SuggestionSerializer(suggest_for(message), context=context).data)


class DispatchBatch(ApiView):
    """按建议派单: 多件留言各按派单页预选的建议 (主办/协办单位、领域、类型) 派单; 不能按建议派单的逐件说明原因."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=inputs.DispatchBatchBody, responses=DispatchBatchSerializer, tags=["staff"],
                   summary="按建议派单", operation_id="staff_dispatch_batch")
    def post(self, request):
        b = parse(inputs.DispatchBatchBody, body_of(request, inputs.DispatchBatchBody))
        if "cases" in b:  # the plan as it is now
            outcomes = dispatch_by_suggestion(request.user, list(dict.fromkeys(b["cases"])))
        else:  # each as the caller saw it, as the queue page's rows post back theirs (a case given twice: its first)
            seen = {}
            for i in b["items"]:
                seen.setdefault(i["case"], seen_key(i["lead"], i.get("assists"),
                                                    i["topic"].pk if i.get("topic") else None, i.get("kind")))
            outcomes = dispatch_by_suggestion(request.user, list(seen), seen=seen, changed=CHANGED_IN_API)
        done = sum(o.dispatched for o in outcomes)
        return Response(DispatchBatchSerializer({"dispatched": done, "skipped": len(outcomes) - done,
                                                 "results": outcomes}).data)


class Reading(ApiView):
    """机器阅读表现: 派单人员和督办人员所辖区划内, 机器预测与派单结果的一致率."""

    permission_classes = [IsStaffMember]
    query_class = inputs.ReadingQuery

    @extend_schema(responses=ReadingSerializer, tags=["staff"])
    def get(self, request):
        params = self.query(request)
        roles = roles_of(request.user)
        if not (roles.is_dispatcher or roles.is_supervisor):
            raise PermissionDenied("只有派单和督办人员可以查看机器阅读表现")
        return Response(ReadingSerializer(cached_reading(roles.region_q(roles.dispatch_prefixes + roles.supervise_prefixes),
                                                  int(params["days"]))).data)


def acting_unit(user, message, unit, role=Assignment.Role.LEAD):
    """The unit the caller acts for: the given one, or their unit now holding the case."""
    if unit is not None:
        return unit
    mine = message.assignments.filter(unit_id__in=roles_of(user).unit_ids, role=role).select_related("unit")
    # the one holding the case now; else the last one my unit held, so that the action says
    # why it cannot be done (a reply sent twice: 409 already answered, not "not your unit")
    a = mine.filter(state=Assignment.State.ACTIVE).first() or mine.order_by("-assigned_at", "-id").first()
    if a is None:
        actions.refuse_the_other_part(message, roles_of(user).unit_ids, role)
    if a is None:
        raise PermissionDenied("该留言当前不在您单位办理")
    return a.unit


# --- the actions: (body, perform) per name -------------------------------------------

def _dispatch(user, message, b):
    lead, assists, topic = b.get("lead"), b.get("assists"), b.get("topic")
    if lead is None:
        # what the dispatch form proposes (and /suggestion/): for the topic given, else the
        # predicted one when it is sure enough to prefill (the case then filed under it), else
        # the citizen's; never back to a unit that returned the case
        returned_by = set(message.assignments.filter(state=Assignment.State.RETURNED, role=Assignment.Role.LEAD)
                          .values_list("unit_id", flat=True))
        if topic is not None:
            routed = route(message.region, topic)
            suggestion = Suggestion(topic=topic, topic_confidence=None, kind="", kind_confidence=None,
                                    region=message.region, lead=routed.lead, assists=list(routed.assists),
                                    reason=routed.reason)
        else:
            suggestion = suggest_for(message)
            topic = suggestion.topic if suggestion.prefill else None
        lead, proposed = proposed_units(suggestion, returned_by, actions.units_for(message))
        if lead is None:
            why = "该单位已退回本件" if suggestion.lead is not None and suggestion.lead.pk in returned_by \
                else suggestion.reason
            raise serializers.ValidationError({"lead": [f"请指定主办单位 ({why})"]})
        assists = proposed if assists is None else assists
    actions.do_dispatch(user, message, lead, assists=assists or (), topic=topic, kind=b.get("kind"))


def _decide_extension(user, message, b):
    pending = Extension.objects.filter(assignment__message=message).select_related("assignment__message",
                                                                                     "assignment__unit")
    if b.get("extension"):
        ext = pending.filter(pk=b["extension"]).first()
        if ext is None:  # a wrong id, not a case without requests
            raise serializers.ValidationError({"extension": [f"该留言没有编号为 {b['extension']} 的延期申请"]})
    else:
        ext = pending.filter(state=Extension.State.PENDING).order_by("-requested_at").first()
        if ext is None:
            raise IllegalMove("没有待审批的延期申请")
    ext.assignment.message = message
    actions.do_decide_extension(user, ext, b["approve"], note=b["note"])


def _reply(user, message, b):
    # scored as the reply form scores it, with what each part short of full marks misses: the case
    # page and GET /staff/cases/{id}/ show every reply's 质量评分 and why it is below 100
    actions.do_reply(user, message, acting_unit(user, message, b.get("unit")), b["body"],
                     quality=quality_for(message, b["body"], explain=True))


class CaseReplyPreview(ApiView):
    """答复预览: 答复草稿的质量评分、各项得分和未满分的说明 (与答复表单的「预览」相同); 不保存任何内容.
    只有可以答复本件的人 (主办单位的工作人员, 案件已签收) 可以预览."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=inputs.ReplyBody, responses=ReplyPreviewSerializer, tags=["staff"],
                   parameters=[PUBLIC_ID], summary="答复预览", operation_id="staff_cases_reply_preview")
    def post(self, request, public_id):
        message = get_case(request, public_id)  # another unit's case: 404 whatever the body says
        b = parse(inputs.ReplyBody, body_of(request, inputs.ReplyBody))
        unit = acting_unit(request.user, message, b.get("unit"))
        body = actions.may_reply(request.user, message, unit, b["body"])  # the refusals of reply/
        actions.active_assignment(message, unit)
        q = quality_for(message, body, explain=True) or {}
        return Response(ReplyPreviewSerializer(
            quality_shown(q) | {"body": body, "personal_data": q.get("personal_data", "")}).data)


def _assign_handler(user, message, b):
    unit = b.get("unit")
    if unit is None:
        unit = actions.assignable(user, message).unit
    actions.do_assign_handler(user, message, unit, User.objects.filter(pk=b["handler"]).first(),
                              seen=b.get("seen", actions.UNSEEN))


def _merge(user, message, b):
    # a case of the regions the caller dispatches, as the case page's 并单 (not every case in their
    # scope: a dispatcher of one county who is an officer of a city's unit merged into another county's)
    actions._require_dispatcher(user, message)  # a supervisor: 403, whichever case it names
    roles = roles_of(user)
    into = Message.objects.filter(roles.region_q(roles.dispatch_prefixes), public_id=b["into"]).first()
    if into is None:
        raise serializers.ValidationError({"into": ["主留言不存在或不在您的范围内"]})
    actions.do_merge(user, message, into)


ACTIONS = {
    "accept": ("审核通过", None, lambda u, m, b: actions.do_accept(u, m)),
    "reject": ("不予受理", inputs.RejectBody, lambda u, m, b: actions.do_reject(u, m, b["reason"])),
    "dispatch": ("派单", inputs.DispatchBody, _dispatch),
    "sign": ("签收", inputs.ActingUnitBody,
             lambda u, m, b: actions.do_sign(u, m, acting_unit(u, m, b.get("unit")))),
    "reply": ("答复", inputs.ReplyBody, _reply),
    "transfer": ("转办", inputs.TransferBody,
                 lambda u, m, b: actions.do_transfer(u, m, acting_unit(u, m, b.get("unit")), b["to_unit"],
                                                     b["reason"])),
    "return": ("退单", inputs.ReturnBody,
               lambda u, m, b: actions.do_return(u, m, acting_unit(u, m, b.get("unit")), b["reason"])),
    "extension": ("申请延期", inputs.ExtensionBody,
                  lambda u, m, b: actions.do_request_extension(u, m, acting_unit(u, m, b.get("unit")), b["days"],
                                                               b["reason"])),
    "extension-decision": ("审批延期 (督办员)", inputs.ExtensionDecisionBody, _decide_extension),
    "merge": ("并单", inputs.MergeBody, _merge),
    "unmerge": ("撤销并单", inputs.UnmergeBody, lambda u, m, b: actions.do_unmerge(u, m, b["reason"])),
    "supervise": ("督办", inputs.SuperviseBody, lambda u, m, b: actions.do_supervise(u, m, b["note"])),
    "assign": ("指派承办人 (单位负责人)", inputs.AssignHandlerBody, _assign_handler),
    "assist-note": ("协办意见", inputs.AssistNoteBody,
                    lambda u, m, b: actions.do_assist_note(
                        u, m, acting_unit(u, m, b.get("unit"), Assignment.Role.ASSIST), b["body"])),
    "note": ("内部备注", inputs.NoteBody,
             lambda u, m, b: actions.do_internal_note(u, m, b["body"], unit=b.get("unit"))),
}


def _action_view(name: str):
    summary, body_class, perform = ACTIONS[name]

    class CaseAction(ApiView):
        permission_classes = [IsStaffMember]
        __doc__ = f"对一件案件执行「{summary}」, 返回案件的新状态 (动作规则见 docs/api.md)."

        @extend_schema(request=body_class, responses=StaffCaseSerializer, tags=["staff"], parameters=[PUBLIC_ID],
                       summary=summary, operation_id=f"staff_cases_{name.replace('-', '_')}")
        def post(self, request, public_id):
            message = get_case(request, public_id)  # another unit's case: 404 whatever the body says
            body = parse(body_class, body_of(request, body_class)) if body_class else {}
            try:
                perform(request.user, message, body)
            except MovedOn as exc:  # the same code, saying where the case is now (who answered it, when…)
                raise type(exc)(actions.moved_on(message, exc)) from exc
            return case_response(request, message)

    CaseAction.__name__ = CaseAction.__qualname__ = "Case" + name.title().replace("-", "")
    return CaseAction


ACTION_VIEWS = {name: _action_view(name) for name in ACTIONS}
