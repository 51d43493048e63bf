"""Project middleware."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from rest_framework.views import APIView

NUL_MESSAGE = "请求中含有无效字符 (NUL)"


class RejectNulMiddleware:
    """A NUL character is never valid input, and PostgreSQL refuses one in a query (a 500
    on /stats/?region=%00 or /m/%00/): a page request whose address or query string holds
    one is a 400 before its view reads it (no link has one: a program or a hand-edited
    address does). Forms refuse one beside the field, keeping what was typed (Django's
    ProhibitNullCharactersValidator, board.forms.NUL_CHARACTERS); the REST and Open311
    views answer it themselves, in their own formats (api.views.base.reject_nul), and any
    other address under /api/ or /open311/ in theirs, but to a browser asking for a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if issubclass(getattr(view_func, "cls", object), APIView) or not _has_nul(request):
            return None
        from minsheng.api.errors import api_error, is_api_path, is_open311_path

        # an unknown Open311 path: GeoReport v2's errors, as any (2026-12-05); one under /api/ (a path
        # mistyped, the token page) the API's, but to a browser asking for a page (since 2026-12-06; it was
        # {"error": "<text>"}, or the HTML page to a client that did not ask for JSON)
        if is_open311_path(request.path) or (
                is_api_path(request.path) and "text/html" not in request.headers.get("Accept", "")):
            return api_error(request.path, 400, "invalid", NUL_MESSAGE)
        if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
            return JsonResponse({"error": NUL_MESSAGE}, status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "400.html", {"error": NUL_MESSAGE}, status=400)


class ApiCors:
    """CORS for the REST API and Open311 (since 2026-12-06; docs/api.md, *From a web page on another site*): a
    page of any origin may call them from the browser, as Open311 servers and FixMyStreet allow —
    ``Access-Control-Allow-Origin: *`` on every answer under /api/ and /open311/ but the token page (a page of the
    site, for a person signed in), and a preflight answered here, before authentication: it carries no credentials,
    and DRF's OPTIONS of an endpoint that needs a person was a 401, which a browser reads as a refusal. Never
    ``Access-Control-Allow-Credentials``: a browser does not let a page of another site read an answer to a request
    sent with the citizen's cookies, and a session's write from there is refused by CSRF (its Origin is not ours).
    What such a page reads is what anyone may, or what the token or Open311 key it sends opens."""

    # the request headers the API reads (Accept: negotiation, Idempotency-Key: a post's retry), those of its
    # answers a client needs (Retry-After of a 429, Idempotent-Replayed of a retried post, WWW-Authenticate of a
    # 401, Allow of a 405); the rest of what it sends (Content-Type, Cache-Control, …) a browser shows anyway
    ALLOWED_HEADERS = "Accept, Authorization, Content-Type, Idempotency-Key, X-API-Key"
    EXPOSED_HEADERS = "Retry-After, Idempotent-Replayed, WWW-Authenticate, Allow"
    MAX_AGE = 7200  # seconds a browser may keep a preflight's answer (Chromium keeps it 2 hours at most)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from minsheng.api.errors import is_api_path

        if not is_api_path(request.path) or request.path.startswith(reverse("api:tokens")):
            return self.get_response(request)
        methods = _preflight_methods(request)
        if methods:
            response = HttpResponse(status=204)
            del response["Content-Type"]  # it has no body
            response["Access-Control-Allow-Methods"] = ", ".join(methods)
            response["Access-Control-Allow-Headers"] = self.ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(self.MAX_AGE)
        else:
            response = self.get_response(request)
            response["Access-Control-Expose-Headers"] = self.EXPOSED_HEADERS
        response["Access-Control-Allow-Origin"] = "*"
        return response


def _preflight_methods(request) -> list[str] | None:
    """The methods of the API view a CORS preflight (``OPTIONS`` with ``Origin`` and
    ``Access-Control-Request-Method``) asks about; None for any other request, or an address that is no API
    view (its own answer follows: the JSON 404)."""
    if request.method != "OPTIONS" or "Origin" not in request.headers \
            or "Access-Control-Request-Method" not in request.headers:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not issubclass(view_class, APIView):
        return None
    view = view_class(**match.func.view_initkwargs)
    view.setup(request, *match.args, **match.kwargs)  # which adds HEAD where there is GET, as for a request
    return view.allowed_methods


def _has_nul(request) -> bool:
    return "\x00" in request.path or any("\x00" in key or any("\x00" in v for v in values)
                                         for key, values in request.GET.lists())


class MethodNotAllowedPage:
    """A page that takes only some methods (``require_POST``: 我也遇到, the token page,
    sign-out) answered any other with an empty 405: a blank page for a GET of
    /m/<id>/support/ (a link copied, the address typed). It is the project's page saying
    so, in Chinese; the Allow header stays. The REST and Open311 views answer in JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False) or response.content \
                or request.method == "HEAD":
            return response
        page = render(request, "400.html", {"error": f"此页面不接受 {request.method} 请求; 请从页面上的按钮或链接操作"},
                      status=405)
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page


class ConsentInterstitial:
    """A signed-in citizen who has not consented to this version of the privacy notice (accounts.rights.
    consent_due: one who signed in before the notice changed, or before consent was asked, as well as
    one just signed in by password) is led to 同意隐私政策 from every page but the notice itself,
    signing out, and their rights (我的数据, 注销账号), until they agree. The REST views ask it of a
    session themselves (api.views.base.ApiView, a JSON 403), Open311 is left to its own authentication
    (an unknown path under either is their JSON 404, api.errors.json_not_found),
    and photos to theirs (board.views.media: an <img> led to a page showed a broken image, on the
    notice's own pages too). The check reads the user the page loads anyway: no query for a citizen who
    has consented, and nothing at all without a session cookie (reading the session would add
    Vary: Cookie to a visitor's response)."""

    OPEN = {"privacy", "accounts:consent", "accounts:logout", "accounts:my_data", "accounts:close",
            "accounts:closed"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from minsheng.accounts import rights
        from minsheng.api.errors import json_not_found
        from minsheng.board.views.media import serve_photo

        # an unknown /api/ or /open311/ path is the API's 404 in its format (it was led to the page)
        if (settings.SESSION_COOKIE_NAME not in request.COOKIES
                or issubclass(getattr(view_func, "cls", object), APIView)
                or view_func in (serve_photo, json_not_found)
                or request.resolver_match.view_name in self.OPEN):
            return None
        if not request.user.is_authenticated or not rights.consent_due(request.user):
            return None
        if request.headers.get("HX-Request"):
            # an htmx fragment (the region picker, 相似留言) would swap the whole consent page into its
            # box: htmx opens it as a page instead, and comes back to the page the citizen was on
            response = HttpResponse()
            here = _on_this_site(request, request.headers.get("HX-Current-URL")) or "/"
            response["HX-Redirect"] = f"{reverse('accounts:consent')}?{urlencode({'next': here})}"
            return response
        # a form posted (我也遇到, on a page loaded before consent was due) comes back to its page: its
        # address may take no GET (the 405 page 「此页面不接受 GET 请求」 once agreed)
        nxt = (request.get_full_path() if request.method in ("GET", "HEAD")
               else _on_this_site(request, request.headers.get("Referer")) or request.path)
        return redirect(f"{reverse('accounts:consent')}?{urlencode({'next': nxt})}")


def _on_this_site(request, url: str | None) -> str | None:
    """``url`` (a request header's) when it is an address of this site, else None."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return None
