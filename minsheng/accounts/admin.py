from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from minsheng.directory.pinyin import PinyinSearch

from .models import Membership, User

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


@admin.register(User)
class UserAdmin(PermissionLabels, BaseUserAdmin):
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and getattr(obj, "revoked_tokens", 0):
            messages.info(request, f"账号已停用, {obj.revoked_tokens} 个 API 令牌已撤销")  # User.save


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
