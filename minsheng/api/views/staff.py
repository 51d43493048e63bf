"""Staff endpoints: the inbox, case detail with private fields, and every workflow
action. Each action calls the board action the staff pages call, so the rules
(who may, from which status) are defined once, in board.actions and board.workflow."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, OuterRef, Prefetch, Q, Subquery, Value, When
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.accounts.models import User
from minsheng.accounts.roles import roles_of
from minsheng.board import actions, bulk
from minsheng.board.batch_dispatch import (
    CHANGED_IN_API,
    dispatch_by_suggestion,
    plan_each,
    require_batch_dispatcher,
    seen_key,
)
from minsheng.board.deadlines import clock
from minsheng.board.models import Assignment, Extension, Message, overdue_q
from minsheng.board.views.inbox_sort import DEFAULT_SORT, handler_key, handler_name, inbox_order, parse_sort
from minsheng.board.views.leader_office import office_messages, offices_of
from minsheng.board.views.staff import (
    due_soon_q,
    extension_pending,
    handler_filter,
    next_deadline,
    queue_matches,
    sign_late_q,
)
from minsheng.board.views.staff_hints import (
    held_on,
    near_duplicate_counts,
    near_duplicates_each,
    quality_for,
    quality_to_publish,
    similar_answered_scored,
    titles_shown,
)
from minsheng.board.workflow import RACED, IllegalMove, MovedOn, Raced, Status, allowed
from minsheng.insight.reading import cached_reading
from minsheng.insight.suggest import proposed_units, suggest_for

from .. import inputs
from ..errors import ApiError, echoed, found
from ..pagination import IdCursor, MessageCursor, SortedInboxCursor
from ..permissions import IsStaffMember
from ..serializers import (
    AssignBatchSerializer,
    DispatchBatchSerializer,
    InboxItemSerializer,
    ReadingSerializer,
    ReplyPreviewSerializer,
    SimilarAnswerSerializer,
    StaffCaseSerializer,
    SuggestionSerializer,
    quality_shown,
)
from .base import ApiView, Doc, body_of, check_body_names, list_queryset, parse, staff_queryset

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


def leader_box(user, params, now=None):
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
    return office_messages(list_queryset(), office, params.get("show") or "all", params.get("q") or "", now)[0]


def supervised_region(user, region):
    """``?region=`` of box=supervise: a region the caller supervises, or one holding some of theirs (its cases are
    those of theirs within it); any other a 400 naming ``region``, in the 督办 page's words for its ``?district=``."""
    if not roles_of(user).supervises_some_of(region):
        problem = f"{region.name}不在您督办的区划内"
        raise ApiError(problem, fields={"region": [problem]})
    return region


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
    the earliest when it has two (lead and assisting), an empty one the latest (as order_by_sort places it,
    on SQLite as on PostgreSQL: null only when none has one); an admin's: any unit's."""
    roles = roles_of(user)
    active = Assignment.objects.filter(message=OuterRef("pk"), state=Assignment.State.ACTIVE)
    if not roles.admin:
        active = active.filter(unit_id__in=roles.unit_ids)
    return Subquery(active.annotate(next_due=next_deadline()).order_by(F("next_due").asc(nulls_last=True), "pk")
                    .values("next_due")[:1])


def unit_handler(user, value=None):
    """The 承办人's name (handler_name; or ``value`` of them, handler_key) on the case's active assignment of
    one of ``user``'s units, the lead first when it has both; an admin's: any unit's. Null when none is named."""
    roles = roles_of(user)
    active = Assignment.objects.filter(message=OuterRef("pk"), state=Assignment.State.ACTIVE)
    if not roles.admin:
        active = active.filter(unit_id__in=roles.unit_ids)
    lead_first = Case(When(role=Assignment.Role.LEAD, then=Value(0)), default=Value(1))
    value = handler_name() if value is None else value
    return Subquery(active.annotate(shown=value).order_by(lead_first, "pk").values("shown")[:1])


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
    docs = {"get": Doc("待办", "返回调用者办理或督办的留言, 按游标分页。`box` 选择范围: `unit` 本单位在办的、`dispatch` 待审核和待派单的、"
                             "`supervise` 督办区划内的、`all` 全部、`leader` 领导留言板 (调用者须为该领导留言的受理单位, 否则 403); "
                             "可再按状态、是否超期、是否即将到期、是否签收超期、是否督办、主办或协办、承办人筛选, `supervise` 还可按区划 (`region`, "
                             "同督办页的区县标签) 筛选; 每件列出主办单位和协办单位 (`lead_units`、`assist_units`)。只有工作人员可调用: 未登录为 401, 市民为 403。")}

    permission_classes = [IsStaffMember]
    pagination_class = MessageCursor
    query_class = inputs.InboxQuery

    @extend_schema(responses=InboxItemSerializer(many=True), tags=["staff"])
    def get(self, request):
        params = self.query(request)
        now = clock()  # late as the pages count it (``deadlines.clock``: since 2026-12-07, the exact second before)
        if params["box"] == "leader":
            qs = leader_box(request.user, params, now)
        else:
            qs = list_queryset().filter(inbox_q(request.user, params["box"]))
            if params["box"] == "dispatch":  # each row's machine reading, as the queue page shows it
                qs = qs.select_related("predicted_topic")
        if params.get("region"):  # box=supervise: the 督办 page's district tab, within the caller's regions
            region = supervised_region(request.user, params["region"])
            # own=1: the region's own level alone, the page's 「…本级」 tab (兰州市本级: the cases filed at the city)
            qs = qs.filter(region__code=region.code) if params["own"] else qs.filter(region__code__startswith=region.prefix)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        awaiting = Q(status__in=Status.handling(), replied_at__isnull=True)
        # the inbox page's 已超期 and 即将到期 tabs, over the case's reply deadline
        # and its 签收超期 and 督办 tabs (a lead unit of the case's, unsigned past its 签收 deadline; a supervisor's 督办)
        sign_late = Q(pk__in=Assignment.objects.filter(sign_late_q(now), state=Assignment.State.ACTIVE).values("message"))
        for name, q in (("overdue", overdue_q(now)), ("due_soon", awaiting & due_soon_q(now)),
                        ("sign_overdue", sign_late), ("supervised", Q(supervised=True))):
            if params.get(name) is True:
                qs = qs.filter(q)
            elif params.get(name) is False:
                qs = qs.exclude(q)
        if params.get("handler"):
            qs = qs.filter(handler_q(request.user, params["handler"]))
        if params["box"] != "leader" and params.get("q", "").strip():  # box=unit or dispatch: as their pages find
            qs = queue_matches(qs, params["q"].strip())
        qs = (qs.annotate(unit_role=unit_role(request.user))  # the inbox page's 待办(主办) and 协办 tabs
              # the inbox row's 延期待审批, by the caller's role as the row decides it (an assisting unit's: false)
              .annotate(extension_pending=extension_pending(role="unit_role", message="pk")))
        if params.get("role"):
            qs = qs.filter(unit_role=params["role"])
        if params.get("order") == "id":  # a place no change of the case moves: each met once in a walk
            paginator = IdCursor()
        elif params.get("ordering") or params["box"] == "unit":  # box=unit, as the inbox page's ?sort= lists them
            # without ordering=, as the page lists them by default (its ?sort=due): a cursor over the whole place,
            # a case without a deadline last on both databases (DRF's cursor held 「None」 for one, a 400, and
            # SQLite put them first, PostgreSQL last: review of 2026-12-05)
            sort = params.get("ordering") or DEFAULT_SORT
            order = inbox_order(*parse_sort(sort), next_due=unit_next_deadline(request.user),
                                handler=unit_handler(request.user),
                                handler_key=unit_handler(request.user, handler_key()), message="")
            paginator = SortedInboxCursor(sort, order)
        else:
            paginator = self.pagination_class()
        # each item's lead_units and assist_units (handling_units), for the page's rows at once
        qs = qs.prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))
        page = paginator.paginate_queryset(qs.distinct(), request, view=self)
        for m in page:  # each item's is_overdue as of the moment ?overdue= read (the minute may turn meanwhile)
            m.late_as_of = now
        # the queue page's 疑似重复 badge, counted for the page's rows at once; guarded as there:
        # a failing lookup leaves the counts null and the list stands
        duplicates = near_duplicate_counts(page) if params["box"] == "dispatch" else None
        data = InboxItemSerializer(page, many=True, context={"duplicates": duplicates,
                                                             "reading": params["box"] == "dispatch"}).data
        return paginator.get_paginated_response(data)


def get_case(request, public_id) -> Message:
    """A case in the caller's scope; anything else is a 404 (other units see nothing)."""
    return found(staff_queryset().filter(pk__in=scoped_ids(request.user)),
                 f"留言 {echoed(public_id)} 不存在或不在您的范围内 (您办理、派单、督办的区划和单位之外的留言不可见)",
                 public_id=public_id)


def case_response(request, message) -> Response:
    # the hotspot's flags for supervisors and leaders, as on the pages
    context = {"roles": roles_of(request.user)}
    # 延期待审批 by the caller's own role in the case, as their inbox row says it
    case = (staff_queryset().annotate(unit_role=unit_role(request.user))
            .annotate(extension_pending=extension_pending(role="unit_role", message="pk")).get(pk=message.pk))
    return Response(StaffCaseSerializer(case, context=context).data)


class CaseDetail(ApiView):
    docs = {"get": Doc("办件详情", "返回调用者范围内一件留言的全部办理信息: 留言人联系方式 (只对现在办理或督办本件的人员显示)、"
                                 "分派和承办人、延期申请、答复及其质量评分、全部记录 (含内部备注)。只有工作人员可调用: 市民为 403, "
                                 "不在调用者范围内的留言为 404。")}

    permission_classes = [IsStaffMember]

    @extend_schema(responses=StaffCaseSerializer, tags=["staff"], parameters=[PUBLIC_ID])
    def get(self, request, public_id):
        return case_response(request, get_case(request, public_id))


class CaseSuggestion(ApiView):
    docs = {"get": Doc("派单建议", "返回机器对一件留言的派单建议: 预测的领域和类型及置信度、区划、按权责清单的主办和协办单位及理由、"
                                 "历史派单参考; 对派单人员还有疑似重复的留言和「按建议派单」将如何处理本件。只有工作人员可调用: "
                                 "市民为 403, 不在调用者范围内的留言为 404。")}

    permission_classes = [IsStaffMember]
    query_class = inputs.SuggestionQuery

    @extend_schema(responses=SuggestionSerializer, tags=["staff"], parameters=[PUBLIC_ID])
    def get(self, request, public_id):
        topic = self.query(request).get("topic")  # the 领域 a dispatcher would choose: its units
        message = get_case(request, public_id)
        # the inbox said 疑似重复 2 (duplicate_count), and nothing said which two to merge into: the
        # case page's list, for those it shows it to
        dispatches = roles_of(request.user).dispatches(message.region)
        merges = dispatches and allowed("merge", message.status)
        # with the cases in hand its automatic dispatch was held on, where the five nearest leave them out
        held = held_on(message) if merges else []
        found = near_duplicates_each([message], held_each={message.pk: held}) if merges else {}
        context = {"duplicates": titles_shown(roles_of(request.user), found.get(message.pk, [])) if merges else None,
                   "held": held,
                   # what 按建议派单 would do with it, as the queue page's row says (its duplicates those above)
                   "batch": plan_each([message], found)[message.pk] if dispatches else None}
        return Response(SuggestionSerializer(suggest_for(message, topic=topic), context=context).data)


class DispatchBatch(ApiView):
    docs = {"post": Doc("按建议派单", "对多件留言 (一次 1 至 20 件) 各按派单页预选的建议 (主办和协办单位、领域、类型) 派单, "
                                   "返回派出件数、跳过件数和每件的结果; 不能按建议派单的 (建议已变化、不在待派单状态等) 逐件说明原因, "
                                   "不影响其他件。`cases` 为留言编号列表; 或用 `items` 附上调用者看到的建议, 建议已变化的件不派。"
                                   "只有派单人员可调用, 其他调用者为 403; 超过 20 件为 400, 一件也不派。")}

    permission_classes = [IsStaffMember]

    @extend_schema(request=inputs.DispatchBatchBody, responses=DispatchBatchSerializer, tags=["staff"],
                   operation_id="staff_dispatch_batch")
    def post(self, request):
        require_batch_dispatcher(request.user)  # before the body, as assign-batch/: its 403 whatever is sent
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


class AssignBatch(ApiView):
    docs = {"post": Doc("批量指派承办人", "单位负责人把多件本单位正在办理的留言 (`cases`, 一次 1 至 20 件) 一次指派给本单位的承办人 "
                                    "`handler`, 每件与「指派承办人」相同 (记录、通知), 返回指派件数、未指派件数和每件的结果; "
                                    "不能指派的 (找不到、已不在本单位办理、已由该承办人承办、刚被他人改派) 逐件说明原因, 不影响其他件。"
                                    "只有单位负责人和平台管理员可以调用, 其他工作人员为 403; `handler` 不是这些留言所属单位的工作人员"
                                    "为 400 并指明 `handler`, 留言分属多个单位而承办人不是其中每个单位的也为 400; 这些情况一件也不指派。"
                                    "重发同一请求不会重复指派: 已指派的件答 `already`。")}

    permission_classes = [IsStaffMember]

    @extend_schema(request=inputs.AssignBatchBody, responses=AssignBatchSerializer, tags=["staff"],
                   operation_id="staff_assign_batch")
    def post(self, request):
        roles = roles_of(request.user)
        if not (roles.admin or roles.head_unit_ids):  # before the body: an officer learns nothing of it
            raise PermissionDenied(bulk.ONLY_HEADS)
        b = parse(inputs.AssignBatchBody, body_of(request, inputs.AssignBatchBody))
        handler = User.objects.filter(pk=b["handler"]).first()
        outcomes = bulk.assign_each(request.user, list(dict.fromkeys(b["cases"])), handler)
        done = sum(o.assigned for o in outcomes)
        return Response(AssignBatchSerializer({"assigned": done, "skipped": len(outcomes) - done, "handler": handler,
                                               "results": outcomes}).data)


class Reading(ApiView):
    docs = {"get": Doc("机器阅读表现", "返回调用者所辖区划内最近 `days` 天 (7、30、90 或 365, 默认 30) 机器预测的领域和类型与派单结果的"
                                   "一致率、各领域的查全率和查准率, 以及自动派单后被转办或退回的件数。只有派单人员和督办人员可调用, "
                                   "其他工作人员和市民为 403。")}

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
    unit_ids = roles_of(user).unit_ids
    if not unit_ids:  # a dispatcher or supervisor read 「…不在您单位办理」, as if they had a unit
        raise PermissionDenied(NO_UNIT[role])
    mine = message.assignments.filter(unit_id__in=unit_ids, role=role).select_related("unit")
    # the one holding the case now; else the last one my unit held, so that the action says
    # why it cannot be done (a reply sent twice: 409 already answered, not "not your unit")
    a = mine.filter(state=Assignment.State.ACTIVE).first() or mine.order_by("-assigned_at", "-id").first()
    if a is None:
        actions.refuse_the_other_part(message, unit_ids, role)
    if a is None:
        raise PermissionDenied("该留言当前不在您单位办理")
    return a.unit


NO_UNIT = {Assignment.Role.LEAD: "签收、答复、转办、退单和申请延期由主办单位的工作人员办理: 您的账号不属于任何办理单位",
           Assignment.Role.ASSIST: "协办意见由协办单位的工作人员提交: 您的账号不属于任何办理单位"}


# --- the actions: (body, perform) per name -------------------------------------------

def _dispatch(user, message, b):
    lead, assists, topic = b.get("lead"), b.get("assists"), b.get("topic")
    if lead is None:
        # what the dispatch form proposes (and /suggestion/): for the topic given, else the
        # predicted one when it is sure enough to prefill (the case then filed under it), else
        # the citizen's; never back to a unit that returned the case
        returned_by = set(message.assignments.filter(state=Assignment.State.RETURNED, role=Assignment.Role.LEAD)
                          .values_list("unit_id", flat=True))
        # a topic given: the dispatch form's suggestion for that topic (docs/routing.md), the same region
        # (refined from the text) and history; until 2026-12-05 the citizen's region as filed, no history
        suggestion = suggest_for(message, topic=topic)
        if topic is None:
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
    unit = acting_unit(user, message, b.get("unit"))
    actions.do_reply(user, message, unit, b["body"], quality=quality_to_publish(message, b["body"], unit))


class CaseReplyPreview(ApiView):
    """The reply form's 预览: reply/'s refusals (actions.may_reply), then its scoring, storing nothing."""

    docs = {"post": Doc("答复预览", "返回答复草稿 `body` 的质量评分、各项得分、未满分的说明和个人信息提醒, 与答复表单的「预览」相同; "
                                  "不保存任何内容。只有可以答复本件的人 (主办单位的工作人员, 案件已签收) 可以预览: 其他能看到本件的"
                                  "工作人员为 403, 不在调用者范围内为 404, 已答复或尚未签收为 409, 草稿不合格为 400 并指明 `body`。")}

    permission_classes = [IsStaffMember]

    @extend_schema(request=inputs.ReplyBody, responses=ReplyPreviewSerializer, tags=["staff"],
                   parameters=[PUBLIC_ID], operation_id="staff_cases_reply_preview")
    def post(self, request, public_id):
        message = get_case(request, public_id)  # another unit's case: 404 whatever the body says
        MAY["reply-preview"](request.user, message)  # one who may not answer it: 403 whatever the body says
        b = parse(inputs.ReplyBody, body_of(request, inputs.ReplyBody))
        unit = acting_unit(request.user, message, b.get("unit"))
        check_version(message, b)  # a draft of a case answered meanwhile: 409, as reply/
        body = actions.may_reply(request.user, message, unit, b["body"])  # the refusals of reply/
        actions.active_assignment(message, unit)
        q = quality_for(message, body, explain=True, unit=unit) or {}
        return Response(ReplyPreviewSerializer(
            quality_shown(q) | {"body": body, "personal_data": q.get("personal_data", "")}).data)


class CaseSimilarAnswers(ApiView):
    """The reply form's 相似的已答复留言 (similar_answered_for), with their similarity."""

    docs = {"get": Doc("相似的已答复留言", "返回与本件相似、已经答复的留言 (本省范围), 最相似的在前, 至多 3 条, 各附最新的一条答复, "
                                     "与办件页答复表单旁的「相似的已答复留言」相同, 供答复前参考; 内容为公众看到的 (个人信息已隐去)。"
                                     "没有相似的为空列表。只有工作人员可调用: 市民为 403, 不在调用者范围内的留言为 404。")}

    permission_classes = [IsStaffMember]

    @extend_schema(responses=SimilarAnswerSerializer(many=True), tags=["staff"], parameters=[PUBLIC_ID],
                   operation_id="staff_cases_similar_answers")
    def get(self, request, public_id):
        message = get_case(request, public_id)
        found = similar_answered_scored(message)
        for m, reply, score in found:
            m.latest_reply, m.similarity = reply, round(score, 4)
        return Response(SimilarAnswerSerializer([m for m, _, _ in found], many=True).data)


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


# What every action answers and refuses, after its own text (its Doc's description)
ACTION_OUTCOME = ("返回动作后的案件 (同「办件详情」)。只有工作人员可调用: 市民为 403; 不在调用者范围内的留言为 404, 无论请求体如何; "
                  "无权执行该动作的工作人员为 403, 也无论请求体如何; "
                  "当前状态不允许该动作为 409, 并说明案件现在的状态; 请求体不合格为 400 并指明字段。")


def _doc(summary: str, what: str) -> Doc:
    return Doc(summary, what + ACTION_OUTCOME)


ACTIONS = {
    "accept": (_doc("审核通过", "审核通过一条待审核的留言: 留言随即公开, 等待派单。只有该区划的派单人员可以审核。"),
               inputs.AcceptBody, lambda u, m, b: actions.do_accept(u, m)),
    "reject": (_doc("不予受理", "不予受理一条待审核的留言, 须写明理由 `reason`。只有该区划的派单人员可以操作; "
                              "已有其他留言并入的留言不能不予受理 (400)。"),
               inputs.RejectBody, lambda u, m, b: actions.do_reject(u, m, b["reason"])),
    "dispatch": (_doc("派单", "把留言派给主办单位 `lead` 和协办单位 `assists` (单位编号), 可同时改定领域 `topic` 和类型 `kind`; "
                            "不给 `lead` 时按权责清单和派单建议确定, 确定不了为 400 并指明 `lead`。只有该区划的派单人员可以派单。"),
                 inputs.DispatchBody, _dispatch),
    "sign": (_doc("签收", "主办单位签收派来的留言, 签收后才能答复; `unit` 可指定代表的单位。只有主办单位的工作人员可以签收, "
                        "协办单位为 403。"),
             inputs.SignBody, lambda u, m, b: actions.do_sign(u, m, acting_unit(u, m, b.get("unit")))),
    "reply": (_doc("答复", "主办单位答复留言: `body` 为 10 至 10000 字的中文答复, 随即公开, 并按答复表单的标准评分。"
                         "只有主办单位的工作人员在签收后可以答复, 协办单位为 403。"),
              inputs.ReplyBody, _reply),
    "transfer": (_doc("转办", "把留言转给另一单位 `to_unit` 办理, 须写明理由 `reason` (至多 300 字)。只有主办单位的工作人员可以转办, "
                            "协办单位为 403。"),
                 inputs.TransferBody,
                 lambda u, m, b: actions.do_transfer(u, m, acting_unit(u, m, b.get("unit")), b["to_unit"], b["reason"])),
    "return": (_doc("退单", "把不属于本单位职责的留言退回派单人员重新派单, 须写明理由 `reason` (至多 300 字)。"
                          "只有主办单位的工作人员可以退单, 协办单位为 403。"),
               inputs.ReturnBody,
               lambda u, m, b: actions.do_return(u, m, acting_unit(u, m, b.get("unit")), b["reason"])),
    "extension": (_doc("申请延期", "申请延长答复期限 `days` (1 至 30 个工作日), 须写明理由 `reason`, 由督办人员审批。"
                                 "只有主办单位的工作人员可以申请, 协办单位为 403; 本单位尚未签收为 409 (先签收, 再申请延期)。"),
                  inputs.ExtensionBody,
                  lambda u, m, b: actions.do_request_extension(u, m, acting_unit(u, m, b.get("unit")), b["days"],
                                                               b["reason"])),
    "extension-decision": (_doc("审批延期", "批准 (`approve` 为 true) 或驳回 (false) 延期申请, 可附意见 `note`; `extension` "
                                          "指定申请编号 (不是本件的申请为 400), 不给时为最近一条待审批的申请, 没有则 409。"
                                          "只有督办人员可以审批。"),
                           inputs.ExtensionDecisionBody, _decide_extension),
    "merge": (_doc("并单", "把留言并入反映同一问题的主留言 `into` (留言编号), 与主留言一起办理、一起答复。只有该区划的派单人员可以并单; "
                         "主留言不存在、不在调用者派单的区划内或尚未受理为 400。"),
              inputs.MergeBody, _merge),
    "unmerge": (_doc("撤销并单", "把并入的留言从主留言中拆出, 重新等待派单, 须写明理由 `reason` (至多 300 字, 不公开); "
                               "留言人和点过「我也遇到」的人会收到通知。只有该区划的派单人员可以操作; 不是并单状态为 409。"),
                inputs.UnmergeBody, lambda u, m, b: actions.do_unmerge(u, m, b["reason"])),
    "supervise": (_doc("督办", "督办一件留言, 督办意见 `note` 发给办理单位。只有督办人员可以督办。"),
                  inputs.SuperviseBody, lambda u, m, b: actions.do_supervise(u, m, b["note"])),
    "assign": (_doc("指派承办人", "单位负责人把本单位正在办理的留言指派给承办人 `handler` (本单位工作人员的用户编号), 再次调用即改派; "
                                "`unit` 可指定负责的单位。只有单位负责人和平台管理员可以指派, 其他工作人员为 403; 承办人不是本单位的"
                                "工作人员为 400 并指明 `handler`。"),
               inputs.AssignHandlerBody, _assign_handler),
    "assist-note": (_doc("协办意见", "协办单位提交协办意见 `body`, 只有工作人员可见; `unit` 可指定代表的协办单位。"
                                   "只有协办单位的工作人员可以提交, 主办单位为 403 (请写内部备注)。"),
                    inputs.AssistNoteBody,
                    lambda u, m, b: actions.do_assist_note(
                        u, m, acting_unit(u, m, b.get("unit"), Assignment.Role.ASSIST), b["body"])),
    "note": (_doc("内部备注", "写一条内部备注 `body` (至多 2000 字), 只在工作人员看到的办理记录中显示: 不公开, 也不通知留言人。"
                            "主办单位 (办理期间)、该区划的派单和督办人员及平台管理员可以写; 协办单位和已不再办理本件的单位为 403。"),
             inputs.NoteBody, lambda u, m, b: actions.do_internal_note(u, m, b["body"], unit=b.get("unit"))),
}


def unit_part(role=Assignment.Role.LEAD):
    """Who may take a unit's action (``role``: the lead unit's, or 协办意见): a person some unit of whose
    holds (or held) that part of the case, whichever unit the body's ``unit`` names; acting_unit's refusals
    otherwise (an assisting unit's, an account of no unit). An admin names any unit."""
    def may(user, message):
        if not roles_of(user).admin:
            acting_unit(user, message, None, role)
    return may


def may_assign(user, message):
    """A head (or admin) of a unit of the case's; a head whose unit no longer holds it is told so (409) by
    the action itself, once the body is read."""
    try:
        actions.assignable(user, message)
    except IllegalMove:
        pass


# Who may take each action at all, asked before the body is read: anyone else gets the action's 403 (the
# same words as with a complete body), whatever they send (an API walk, 2026-12-05: a body missing a field
# was a 400 naming it, the 403 coming only with a complete body). The actions ask it again, with the rest.
MAY = {
    **dict.fromkeys(["accept", "reject", "dispatch", "merge", "unmerge"], actions._require_dispatcher),
    **dict.fromkeys(["sign", "reply", "reply-preview", "transfer", "return", "extension"], unit_part()),
    **dict.fromkeys(["supervise", "extension-decision"], actions.require_supervisor),
    "assist-note": unit_part(Assignment.Role.ASSIST),
    "note": actions.note_unit,
    "assign": may_assign,
}


def check_version(message, body) -> None:
    """The ``version`` the caller read (inputs.Versioned), when sent: a case moved on since is a 409 ``conflict``,
    a version it never had a 400 naming ``version``. Without it nothing is compared. The 409 says where the case is
    now, as an action's own refusal (``actions.moved_on``), for reply-preview/ too."""
    if "version" not in body:
        return
    if body["version"] > message.version:
        problem = f"该留言的版本为 {message.version}, 没有版本 {body['version']}: 请先读取该留言 (GET /staff/cases/{{id}}/)"
        raise ApiError(problem, fields={"version": [problem]})
    if body["version"] != message.version:
        # a 督办 since, too; a version moved by a change of the calendar alone says so
        raise Raced(actions.moved_on(message, Raced(RACED), in_place=True, read_version=body["version"]))


def _action_view(name: str):
    doc, body_class, perform = ACTIONS[name]
    may = MAY[name]

    class CaseAction(ApiView):
        permission_classes = [IsStaffMember]
        docs = {"post": doc}

        @extend_schema(request=body_class, responses=StaffCaseSerializer, tags=["staff"], parameters=[PUBLIC_ID],
                       operation_id=f"staff_cases_{name.replace('-', '_')}")
        def post(self, request, public_id):
            message = get_case(request, public_id)  # another unit's case: 404 whatever the body says
            may(request.user, message)  # one who may not take it: 403 whatever the body says
            if body_class is None:  # it takes no field: one sent is refused, not dropped
                check_body_names(request, None)
            body = parse(body_class, body_of(request, body_class)) if body_class else {}
            check_version(message, body)
            try:
                perform(request.user, message, body)
            except MovedOn as exc:  # the same code, saying where the case is now (who answered it, when…); moved
                # meanwhile (Raced: its version changed), a 督办 or granted 延期 too, as a stale `version` is told
                raise type(exc)(actions.moved_on(message, exc, in_place=isinstance(exc, Raced),
                                                 read_version=message.version)) from exc
            return case_response(request, message)

    CaseAction.__name__ = CaseAction.__qualname__ = "Case" + name.title().replace("-", "")
    return CaseAction


ACTION_VIEWS = {name: _action_view(name) for name in ACTIONS}
