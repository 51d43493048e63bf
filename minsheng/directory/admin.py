from django.contrib import admin

from .models import Addressee, Region, Responsibility, Topic, Unit


class ResponsibilityInline(admin.TabularInline):
    """The routing rows that apply from here down (edit them where they live)."""

    model = Responsibility
    extra = 0
    autocomplete_fields = ["topic", "unit"]
    fk_name = "region"


class UnitResponsibilityInline(ResponsibilityInline):
    fk_name = "unit"
    autocomplete_fields = ["region", "topic"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    inlines = [ResponsibilityInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "region", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active", "region__level"]
    list_select_related = ["region", "parent"]
    search_fields = ["name", "short_name", "region__name"]
    autocomplete_fields = ["region", "parent"]
    inlines = [UnitResponsibilityInline]


@admin.register(Addressee)
class AddresseeAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "unit", "sort", "is_active"]
    list_filter = ["is_active", "region__level"]
    list_select_related = ["region", "unit"]
    search_fields = ["title", "region__name"]
    autocomplete_fields = ["region", "unit"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "sort", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["code", "name", "keywords"]
    list_filter = ["is_active", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    list_display = ["region", "topic", "unit", "role"]
    list_filter = ["role", "region__level", "topic__parent"]
    list_select_related = ["region", "topic", "unit"]
    search_fields = ["region__name", "region__code", "unit__name", "topic__name", "topic__code"]
    autocomplete_fields = ["region", "topic", "unit"]
