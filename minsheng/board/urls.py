from .views import citizen, public, staff, unit_work

app_name = "board"
urlpatterns = public.urlpatterns + citizen.urlpatterns + staff.urlpatterns + unit_work.urlpatterns
