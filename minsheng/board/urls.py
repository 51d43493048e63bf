from .views import citizen, leader_office, public, staff, unit_work

app_name = "board"
urlpatterns = public.urlpatterns + citizen.urlpatterns + staff.urlpatterns + unit_work.urlpatterns + leader_office.urlpatterns
