from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.index, name="index"),
    path("units/", views.units, name="units"),
    path("list/", views.message_list, name="list"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("campaigns/<slug:slug>/report.<str:fmt>", views.export_campaign, name="campaign_export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("overdue/", views.overdue, name="overdue"),
    path("regions/", views.region_options, name="regions"),
    path("export/messages.<str:fmt>", views.export_messages, name="export_messages"),
    path("export/table.<str:fmt>", views.export_table, name="export_table"),
    path("map.json", views.map_shapes, name="map"),
    path("figures.json", views.figures_json, name="figures_json"),
]
