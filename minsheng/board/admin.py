from django.contrib import admin

from .models import Assignment, Event, Message, Reply


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    readonly_fields = [f.name for f in Assignment._meta.fields]
    can_delete = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the workflow pages, not the admin."""

    list_display = ["public_id", "title", "kind", "region", "status", "submitted_at"]
    list_filter = ["status", "kind"]
    search_fields = ["public_id", "title"]
    readonly_fields = ["status", "version", "public_id", "author"]
    raw_id_fields = ["region", "topic", "addressee", "duplicate_of", "predicted_topic"]
    inlines = [AssignmentInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["message", "kind", "actor", "unit", "at"]
    list_filter = ["kind"]
    raw_id_fields = ["message"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Reply)
admin.site.site_header = "民声 后台管理"
