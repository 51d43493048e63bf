from django.urls import path

from . import views

app_name = "insight"
urlpatterns = [
    path("hotspots/", views.hotspot_list, name="hotspots"),
    path("hotspots/<int:pk>/", views.hotspot_detail, name="hotspot"),
    path("chronic/", views.chronic, name="chronic"),
    path("chronic/export.csv", views.chronic_export, name="chronic_export"),
    path("staff/reading/", views.reading_page, name="reading"),
    path("similar/", views.similar, name="similar"),
]
