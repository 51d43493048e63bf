from django.contrib import admin, messages
from django.utils import timezone

from .models import ApiToken, Open311Key, Open311Request


def log_changed(model_admin, request, obj, field: str) -> None:
    """An action's change in the admin's 日志记录, as a form's save would word it (「已修改吊销时间。」)."""
    model_admin.log_change(request, obj, [{"changed": {"fields": [str(obj._meta.get_field(field).verbose_name)]}}])


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Saving a new key, or the action "重新生成", shows the key once, in the page's message."""

    list_display = ["name", "key_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    fields = ["name", "is_active", "key_prefix", "created_at", "last_used_at"]
    actions = ["regenerate"]

    def save_model(self, request, obj, form, change):
        key = None
        if not change:
            key = obj.set_new_key()
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(request, f"Open311 API key「{obj.name}」: {key}  (只显示这一次, 请立即复制保存)")

    @admin.action(description="重新生成所选 key (旧 key 立即失效)")
    def regenerate(self, request, queryset):
        for row in queryset:
            key = row.set_new_key()
            row.save(update_fields=["key_hash", "key_prefix"])
            log_changed(self, request, row, "key_prefix")
            messages.warning(request, f"Open311 API key「{row.name}」: {key}  (只显示这一次, 请立即复制保存)")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["user", "name", "key_prefix", "scope", "created_at", "last_used_at"]
    fields = ["user", "name", "key_prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # users create their own tokens on /api/tokens/

    @admin.action(description="撤销所选令牌 (立即失效)")
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True))
        done = ApiToken.objects.filter(pk__in=[t.pk for t in live], revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        for token in live:
            log_changed(self, request, token, "revoked_at")
        before = queryset.count() - done
        messages.success(request, f"已撤销 {done} 个 API 令牌" + (f" ({before} 个此前已撤销)" if before else ""))


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ["message", "api_key", "created_at"]
    raw_id_fields = ["message"]
    readonly_fields = ["message", "api_key", "token", "media_url", "created_at"]

    def has_add_permission(self, request):
        return False  # written by an Open311 POST; the add form (every field read-only) was a 500
