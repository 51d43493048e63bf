from django.contrib import admin

from .models import AutoDispatch


@admin.register(AutoDispatch)
class AutoDispatchAdmin(admin.ModelAdmin):
    list_display = ("region", "enabled", "min_confidence")
    list_filter = ("enabled",)
    search_fields = ("region__name", "region__code")
    autocomplete_fields = ()
    raw_id_fields = ("region",)
