from .views import citizen, public, staff

app_name = "board"
urlpatterns = public.urlpatterns + citizen.urlpatterns + staff.urlpatterns
