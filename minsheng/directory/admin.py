from django.contrib import admin

from .models import Addressee, Region, Responsibility, Topic, Unit


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["region", "parent"]


@admin.register(Addressee)
class AddresseeAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "unit", "sort", "is_active"]
    search_fields = ["title"]
    autocomplete_fields = ["region", "unit"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "sort", "is_active"]
    search_fields = ["code", "name", "keywords"]
    list_filter = ["is_active"]


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    list_display = ["region", "topic", "unit", "role"]
    list_filter = ["role", "topic"]
    search_fields = ["region__name", "unit__name", "topic__name"]
    autocomplete_fields = ["region", "unit"]
