from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from minsheng.accounts.rights import PRIVACY_VERSION
from minsheng.board.views.media import serve_photo

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("minsheng.accounts.urls")),
    # 隐私政策 (个人信息保护法 art. 17): linked from every page's footer and the registration form
    path("privacy/", TemplateView.as_view(template_name="privacy.html",
                                                 extra_context={"privacy_version": PRIVACY_VERSION}), name="privacy"),
    path("", include("minsheng.insight.urls")),  # /hotspots/, /chronic/, /similar/
    path("stats/", include("minsheng.stats.urls")),
    path("", include("minsheng.api.urls")),  # /api/v1/, /api/schema/, /open311/v2/
    path("", include("minsheng.board.urls")),
    # photos, each checked against who may see its message (board.views.media; docs/security.md)
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_photo),
    # browsers ask for /favicon.ico on pages that name no icon (the admin, Swagger UI, a JSON file)
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=True)),
]

# JSON errors under /api/ and /open311/, Django's pages elsewhere (minsheng.api.errors)
handler400 = "minsheng.api.errors.handler400"
handler404 = "minsheng.api.errors.handler404"
handler500 = "minsheng.api.errors.handler500"
