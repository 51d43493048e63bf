from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit", "region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "phone", "email", "is_staff"]
    search_fields = ["username", "display_name", "phone", "email"]
    fieldsets = BaseUserAdmin.fieldsets + (("民声", {"fields": ("phone", "display_name")}),)
    # the 工作台 greets staff by 昵称 and shows it on their work: asked when the account is made
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("民声", {"fields": ("display_name", "email")}),)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "region"]
    list_filter = ["role"]
    list_select_related = ["user", "unit", "region"]
    search_fields = ["user__username", "user__display_name", "unit__name", "region__name"]
    autocomplete_fields = ["user", "unit", "region"]
