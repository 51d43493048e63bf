from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("minsheng.accounts.urls")),
    path("", include("minsheng.board.urls")),
]

if settings.DEBUG or settings.MEDIA_ROOT:
    from django.views.static import serve

    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
