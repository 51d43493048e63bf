from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("reset/", views.reset_password, name="reset"),
    path("me/", views.profile, name="profile"),
    path("me/password/", views.change_password, name="password"),
    path("me/rebind/", views.rebind, name="rebind"),
    path("me/data.json", views.my_data, name="my_data"),
    path("consent/", views.consent, name="consent"),
    path("me/close/", views.close_account, name="close"),
    path("closed/", views.account_closed, name="closed"),
]
