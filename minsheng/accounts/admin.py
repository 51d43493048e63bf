from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import formats, timezone

from minsheng.board.admin import WorkOnRecordNotDeleted
from minsheng.board.models import Assignment
from minsheng.board.workflow import Status
from minsheng.directory.pinyin import PinyinSearch

from . import rights
from .forms import check_new_identifier
from .models import Membership, User, canonical_phone

PERMISSION_ACTIONS = {"add": "可增加", "change": "可修改", "delete": "可删除", "view": "可查看"}


def permission_label(permission) -> str:
    """「留言办理 | 留言 | 可查看」: Django stores the built-in permissions' names in
    English (「Can view message」), written once by migrate from the codename."""
    action, _, model = permission.codename.partition("_")
    if action in PERMISSION_ACTIONS and model == permission.content_type.model:
        return f"{permission.content_type.app_labeled_name} | {PERMISSION_ACTIONS[action]}"
    return f"{permission.content_type.app_labeled_name} | {permission.name}"


class PermissionLabels:
    """Permission choices in Chinese on the user and group forms."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("user_permissions", "permissions"):
            field.label_from_instance = permission_label
        return field


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit", "region"]


class ClosedFilter(admin.SimpleListFilter):
    """注销 (the citizen closed the account: accounts.rights) apart from 停用 (an admin unticked 有效)."""

    title = "注销"
    parameter_name = "closed"

    def lookups(self, request, model_admin):
        return [("yes", "已注销"), ("no", "未注销")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(closed_at__isnull=self.value() == "no")
        return queryset


class AccountChangeForm(UserChangeForm):
    """The admin's user form: a phone or email is checked as the citizen's own 更换手机号或邮箱 checks it
    (``forms.check_new_identifier``: one another account holds — as phone, email or user name — is
    refused), stored as it is there (the 11-digit number, the email in lower case; one left as it was
    stays as written), and a citizen keeps one of them, the name they sign in and reset the password
    with. ``UserAdmin.save_model`` does what the change does (``rights.contact_changed``)."""

    NEITHER = "市民账号须保留手机号或邮箱之一: 市民用它登录和找回密码"

    def clean_phone(self):
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw or raw == self.instance.phone:  # as it was (an old row's own way of writing it too)
            return raw or None
        phone = canonical_phone(raw)
        if phone is None:
            raise ValidationError("请输入 11 位手机号")
        if phone != self.instance.phone:
            check_new_identifier(phone, self.instance)
        return phone

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip()
        if email == self.instance.email:
            return email
        email = email.lower()
        if email and email != (self.instance.email or "").lower():
            check_new_identifier(email, self.instance)
        return email

    def clean(self):
        data = super().clean()
        user = self.instance
        had = {user.phone or "", (user.email or "").lower()} - {""}
        left = data.get("phone") or data.get("email") or "phone" in self.errors or "email" in self.errors
        if had and not left and (not rights.is_staff_account(user) or user.username.lower() in had):
            raise ValidationError(self.NEITHER)
        return data


@admin.register(User)
class UserAdmin(WorkOnRecordNotDeleted, PermissionLabels, BaseUserAdmin):
    # replies, extensions, messages (PROTECT) are listed beneath
    work_on_record = "账号已有留言或办理记录, 不能删除: 请改为停用, 取消勾选「有效」"
    list_display = ["username", "display_name", "phone", "email", "is_staff", "is_active", "closed_at"]
    list_filter = [ClosedFilter, *BaseUserAdmin.list_filter]
    search_fields = ["username", "display_name", "phone", "email"]
    fieldsets = BaseUserAdmin.fieldsets + (("民声", {"fields": ("phone", "display_name")}),
                                           ("个人信息权利", {"fields": ("closed_at", "privacy_consented_at",
                                                                   "privacy_version")}))
    readonly_fields = ["closed_at", "privacy_consented_at", "privacy_version"]
    # the 工作台 greets staff by 昵称 and shows it on their work: asked when the account is made
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("民声", {"fields": ("display_name", "email")}),)
    inlines = [MembershipInline]
    form = AccountChangeForm

    def save_model(self, request, obj, form, change):
        olds = {kind: form.initial.get(kind) or "" for kind in ("phone", "email")} if change else {}
        olds = {kind: old for kind, old in olds.items() if old.lower() != (getattr(obj, kind) or "").lower()}
        # as at 更换手机号或邮箱: the user name follows, open messages' contact moves, the old one is told
        if olds:
            for kind in olds:
                setattr(obj, f"{kind}_verified", False)  # no code went to it
            moved = rights.contact_changed(obj, olds)
            self._tell_contact_changed(request, obj, olds, moved)
        else:
            super().save_model(request, obj, form, change)
        signed_out = change and getattr(obj, "signed_out", False)  # a new user name, phone or email (User.save)
        if signed_out and obj.pk == request.user.pk:
            update_session_auth_hash(request, obj)  # an administrator's own: this browser stays signed in
        if change and "is_active" in form.changed_data and getattr(obj, "revoked_tokens", 0):
            messages.info(request, f"账号已停用, {obj.revoked_tokens} 个 API 令牌已撤销")  # User.save
        elif signed_out:
            whose = "您在其他设备上" if obj.pk == request.user.pk else "该账号在所有设备上"
            messages.info(request, f"{whose}的登录已全部退出{self._tokens_revoked(obj)}")
        if change and "is_active" in form.changed_data and not obj.is_active:
            self._warn_of_cases_in_hand(request, obj)

    @staticmethod
    def _tell_contact_changed(request, user, olds, moved):
        labels = {"phone": "手机号", "email": "邮箱"}
        gone = "、".join(olds[kind] for kind in olds if olds[kind])
        told = f"旧的 {gone} 不能再用于登录和找回密码。" if gone else ""
        contact = f"{moved} 条办理中留言的联系方式已随之更新。" if moved else ""
        changed = "和".join(labels[kind] for kind in olds)
        messages.info(
            request,
            f"{changed}已更改, 登录用户名现为 {user.username}。{told}{contact}",
        )

    @staticmethod
    def _tokens_revoked(user) -> str:
        revoked = getattr(user, "revoked_tokens", 0)
        return f", {revoked} 个 API 令牌已撤销" if revoked else ""

    @staticmethod
    def _warn_of_cases_in_hand(request, user):
        """An officer who left keeps the cases their head gave them (unit_work lists them under
        the account, 「账号已停用」): the admin is told which units must give them out again."""
        held = (Assignment.objects.filter(handler=user, state=Assignment.State.ACTIVE,
                                          message__status__in=Status.handling())
                .values_list("message_id", "unit__name"))
        units = sorted({unit for _, unit in held})
        if units:  # a case held in two of the user's units (主办 and 协办) is one case
            messages.warning(request, f"账号已停用, 仍是 {len({m for m, _ in held})} 件在办留言的承办人 ({'、'.join(units)}): "
                                      "请单位负责人在「本单位办理情况」中重新指派")


@admin.register(Membership)
class MembershipAdmin(PinyinSearch, admin.ModelAdmin):
    list_display = ["user", "role", "unit", "region"]
    list_filter = ["role"]
    list_select_related = ["user", "unit", "region"]
    search_fields = ["user__username", "user__display_name", "unit__name", "unit__pinyin", "region__name",
                     "region__pinyin"]
    autocomplete_fields = ["user", "unit", "region"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabels, BaseGroupAdmin):
    pass


# the change log's 操作类型: Django's own 添加 beside 修改 and 删除, and 「动作标志」 over them
LOG_ACTIONS = {ADDITION: "新增", CHANGE: "修改", DELETION: "删除"}


class LogActionFilter(admin.SimpleListFilter):
    title = "操作类型"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(str(flag), words) for flag, words in LOG_ACTIONS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(action_flag=int(self.value())) if self.value() in ("1", "2", "3") else queryset


class LogKindFilter(admin.SimpleListFilter):
    """对象类型: the kinds of row someone changed (Django's 「内容类型」 offered every table of the site)."""

    title = "对象类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = ContentType.objects.filter(pk__in=LogEntry.objects.values("content_type_id"))
        return sorted(((str(ct.pk), f"{ct.app_labeled_name}") for ct in kinds), key=lambda kind: kind[1])

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if (self.value() or "").isdigit() else queryset


class LogActorFilter(admin.SimpleListFilter):
    """操作人: the administrators who changed something."""

    title = "操作人"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        return [(str(u.pk), str(u)) for u in User.objects.filter(pk__in=LogEntry.objects.values("user_id"))
                .order_by("username")]

    def queryset(self, request, queryset):
        return queryset.filter(user_id=self.value()) if (self.value() or "").isdigit() else queryset


class LogTimeFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "时间"  # the field's own name is 「操作时间」


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Who changed what in the admin, every row together (Django writes a LogEntry for each add,
    change and delete here; each row's 历史 page shows its own). Read-only. Changes made by the
    commands (import-directory, import-staff) and the workflow (办理记录) are not in it."""

    list_display = ["at", "actor", "kind", "row", "action", "change"]
    list_filter = [LogActionFilter, LogKindFilter, LogActorFilter, ("action_time", LogTimeFilter)]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "user__username", "user__display_name"]
    date_hierarchy = "action_time"

    # the entry's page: the change in words (change_message itself is JSON: [{"changed": {"fields": …}}])
    fields = readonly_fields = ["at", "actor", "kind", "row", "action", "change"]

    @admin.display(description="时间", ordering="action_time")
    def at(self, entry):
        return formats.localize(timezone.localtime(entry.action_time))

    @admin.display(description="操作人", ordering="user")
    def actor(self, entry):
        return entry.user

    @admin.display(description="对象类型", ordering="content_type")
    def kind(self, entry):
        return entry.content_type.name if entry.content_type else ""

    @admin.display(description="对象", ordering="object_repr")
    def row(self, entry):
        return entry.object_repr

    @admin.display(description="操作类型", ordering="action_flag")
    def action(self, entry):
        return LOG_ACTIONS.get(entry.action_flag, "")

    @admin.display(description="修改内容")
    def change(self, entry):
        return entry.get_change_message()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
