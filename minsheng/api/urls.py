"""/api/v1/... (REST), /api/schema/ and /api/docs/ (OpenAPI), /api/tokens/ (the
personal token page) and /open311/v2/... (GeoReport v2)."""

from django.core.signals import setting_changed
from django.urls import path, re_path, register_converter
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from . import pages
from .errors import json_not_found
from .open311 import views as open311
from .views import citizen, directory, figures, public, staff
from .views.base import Doc, Documented, FormatOverride


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")


class JsonErrors:
    """Errors in the API's one JSON shape, whatever the view renders otherwise (YAML, HTML)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response


class GeneratedOnce(SchemaGenerator):
    """The document, generated once per process and version: it is the same for every
    caller (SERVE_PUBLIC), and generating it took 0.6 to 1 s a request, so that /api/docs/
    (Swagger UI asks for it) took over 2 s to show. A changed setting (tests) starts afresh."""

    documents: dict = {}

    def get_schema(self, request=None, public=False):
        key = (self.api_version or getattr(request, "version", None), public)
        if key[0] is not None and key[0] not in (api_settings.ALLOWED_VERSIONS or ()):
            # ?version= is whatever the caller writes (the API has no versioning): kept, each value
            # asked was one more document for the life of the worker
            return super().get_schema(request=request, public=public)
        if key not in self.documents:
            self.documents[key] = super().get_schema(request=request, public=public)
        return self.documents[key]


setting_changed.connect(lambda **kwargs: GeneratedOnce.documents.clear(), weak=False)


@extend_schema(exclude=True)
class SchemaView(JsonErrors, Documented, FormatOverride, SpectacularAPIView):
    """The OpenAPI document itself (not listed in itself). Its errors are the API's JSON
    errors, not YAML: ``?format=xml`` is a 400 naming format, as on every endpoint."""

    generator_class = GeneratedOnce
    docs = {"get": Doc("OpenAPI 文档", "返回本 API 的 OpenAPI 3 文档, 默认为 YAML, `?format=json` 为 JSON; "
                                     "/api/docs/ 以 Swagger UI 展示同一文档。任何人可调用, 无需登录。")}


class DocsView(JsonErrors, SpectacularSwaggerView):
    """Swagger UI (a POST there was an HTML 405). An HTML page: OPTIONS is a 405 too (DRF's
    metadata answer, rendered with the page's template renderer and no template, was a 500)."""

    http_method_names = ["get", "head"]

    def initial(self, request, *args, **kwargs):
        # the method before the Accept header: DRF negotiates first, so an OPTIONS or POST asking
        # for JSON (as integrators' clients do) was a 406 「无法满足Accept」, not the 405 it is
        if request.method.lower() not in self.http_method_names:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

app_name = "api"

v1 = "api/v1/"
urlpatterns = [
    path(v1, public.Root.as_view(), name="root"),
    path(f"{v1}messages/", public.MessageList.as_view(), name="message-list"),
    path(f"{v1}messages/similar/", public.SimilarMessages.as_view(), name="message-similar"),
    path(f"{v1}messages/<str:public_id>/", public.MessageDetail.as_view(), name="message-detail"),
    path(f"{v1}messages/<str:public_id>/rate/", citizen.Rate.as_view(), name="message-rate"),
    path(f"{v1}messages/<str:public_id>/reopen/", citizen.Reopen.as_view(), name="message-reopen"),
    path(f"{v1}messages/<str:public_id>/withdraw/", citizen.Withdraw.as_view(), name="message-withdraw"),
    path(f"{v1}messages/<str:public_id>/support/", citizen.Support.as_view(), name="message-support"),
    path(f"{v1}me/", citizen.Me.as_view(), name="me"),
    path(f"{v1}me/data/", citizen.MyData.as_view(), name="my-data"),
    path(f"{v1}me/messages/", citizen.MyMessageList.as_view(), name="my-messages"),
    path(f"{v1}me/messages/<str:public_id>/", citizen.MyMessageDetail.as_view(), name="my-message"),
    path(f"{v1}me/supported/", citizen.MySupportedList.as_view(), name="my-supported"),
    path(f"{v1}regions/", directory.RegionTree.as_view(), name="region-tree"),
    path(f"{v1}regions/<str:code>/", directory.RegionDetail.as_view(), name="region-detail"),
    path(f"{v1}units/", directory.UnitList.as_view(), name="unit-list"),
    path(f"{v1}addressees/", directory.AddresseeList.as_view(), name="addressee-list"),
    path(f"{v1}addressees/<int:addressee_id>/", directory.AddresseeDetail.as_view(), name="addressee-detail"),
    path(f"{v1}topics/", directory.TopicTree.as_view(), name="topic-tree"),
    path(f"{v1}hotspots/", figures.HotspotList.as_view(), name="hotspot-list"),
    path(f"{v1}hotspots/<int:hotspot_id>/", figures.HotspotDetail.as_view(), name="hotspot-detail"),
    path(f"{v1}statistics/", figures.Statistics.as_view(), name="statistics"),
    path(f"{v1}statistics/breakdown/", figures.StatisticsBreakdown.as_view(), name="statistics-breakdown"),
    path(f"{v1}statistics/messages/", figures.StatisticsMessages.as_view(), name="statistics-messages"),
    path(f"{v1}staff/inbox/", staff.Inbox.as_view(), name="staff-inbox"),
    path(f"{v1}staff/cases/<str:public_id>/", staff.CaseDetail.as_view(), name="staff-case"),
    path(f"{v1}staff/cases/<str:public_id>/suggestion/", staff.CaseSuggestion.as_view(), name="staff-suggestion"),
    path(f"{v1}staff/cases/<str:public_id>/reply-preview/", staff.CaseReplyPreview.as_view(),
         name="staff-reply-preview"),
    path(f"{v1}staff/cases/<str:public_id>/similar-answers/", staff.CaseSimilarAnswers.as_view(),
         name="staff-similar-answers"),
    path(f"{v1}staff/reading/", staff.Reading.as_view(), name="staff-reading"),
    path(f"{v1}staff/dispatch-batch/", staff.DispatchBatch.as_view(), name="staff-dispatch-batch"),
    path(f"{v1}staff/assign-batch/", staff.AssignBatch.as_view(), name="staff-assign-batch"),
    *[path(f"{v1}staff/cases/<str:public_id>/{name}/", view.as_view(), name=f"staff-{name}")
      for name, view in staff.ACTION_VIEWS.items()],
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("api/tokens/", pages.tokens, name="tokens"),
    path("api/tokens/<int:pk>/revoke/", pages.revoke_token, name="token-revoke"),
    # Open311 GeoReport v2; every resource in .json and .xml
    path("open311/v2/discovery.<fmt:fmt>", open311.Discovery.as_view(), name="open311-discovery"),
    path("open311/v2/services.<fmt:fmt>", open311.ServiceList.as_view(), name="open311-services"),
    path("open311/v2/services/<str:service_code>.<fmt:fmt>", open311.ServiceDefinition.as_view(),
         name="open311-service"),
    path("open311/v2/requests.<fmt:fmt>", open311.Requests.as_view(), name="open311-requests"),
    path("open311/v2/requests/<str:request_id>.<fmt:fmt>", open311.RequestDetail.as_view(), name="open311-request"),
    path("open311/v2/request/<str:request_id>.<fmt:fmt>", open311.RequestDetail.as_view()),
    path("open311/v2/tokens/<str:token>.<fmt:fmt>", open311.TokenDetail.as_view(), name="open311-token"),
    # anything else under these prefixes: the JSON 404, whatever DEBUG says
    re_path(r"^(api|open311)/", json_not_found),
]
