from django.contrib import admin

from minsheng.directory.pinyin import PinyinSearch

from .models import AutoDispatch


@admin.register(AutoDispatch)
class AutoDispatchAdmin(PinyinSearch, admin.ModelAdmin):
    list_display = ("region", "enabled", "min_confidence")
    list_filter = ("enabled",)
    search_fields = ("region__name", "region__code", "region__pinyin")
    list_select_related = ("region",)
    # the region is found by typing its name or code (兰州市, 620100): a raw id box asked for the
    # row's internal number, and 620100 typed there named no region or another one
    autocomplete_fields = ("region",)
