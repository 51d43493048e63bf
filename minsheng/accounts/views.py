"""Sign in, register and reset the password with a phone number or an email and a
verification code (sent by the configured ``senders`` class); my profile, and changing its phone or
email with a code sent to the new one."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from . import rights
from .forms import (
    CloseAccountForm,
    IdentifierForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RebindForm,
    RegisterForm,
    ResetForm,
    check_new_identifier,
    find_user,
)
from .limits import client_address
from .models import INACTIVE_NOTICE, User
from .roles import roles_of
from .senders import CodeError, address_refusal, check_code, issue_code, refusal

BACKEND = "minsheng.accounts.backends.PhoneOrEmailBackend"
# the anonymous session of a browser whose account was closed here (注销): the first sign-in page a page of an old
# tab leads to says why (closed_meanwhile); cleared too when someone signs in (apps.forget_closed_account)
CLOSED_HERE = "account_closed"
CLOSED_NOTICE = "该账号已注销, 请用其他账号登录或注册新账号"


def closed_meanwhile(request) -> str | None:
    """What to say of this browser's account if it was closed (注销) or switched off (停用) since it last signed
    in, else None: closed here (the mark 注销账号 leaves, said once), or closed on another device or through the
    API, or switched off by an administrator (the session still names the account, which no longer signs in: it
    is ended, so this is said once too). Read on the sign-in page alone, so no other page pays for it."""
    session = request.session
    if session.pop(CLOSED_HERE, False):
        return CLOSED_NOTICE
    user_id = session.get(SESSION_KEY)
    if user_id is None or request.user.is_authenticated:
        return None
    try:
        gone = User.objects.filter(pk=user_id, is_active=False).values_list("closed_at").first()
    except (TypeError, ValueError, ValidationError):  # a session written by something else
        return None
    if gone is None:  # the account is active (its session ended for another reason: a new password) or deleted
        return None
    session.flush()
    return CLOSED_NOTICE if gone[0] else INACTIVE_NOTICE


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # 我要留言 signed out led to a bare login form that did not say why (我也遇到 says so)
        context["to_post"] = context.get("next", "").startswith(reverse("board:post"))
        # led here from a page of an account closed meanwhile (a stale tab): it said nothing of why (2026-12-07);
        # or switched off (停用) by an administrator meanwhile (since 2026-12-07, later)
        if context.get("next") and (notice := closed_meanwhile(self.request)):
            context["closed_notice"] = notice
        return context

    def form_valid(self, form):
        """A citizen who has not consented to this version of the privacy notice (an Open311 account, one
        registered before 2026-12-05, a notice changed since) is asked first (consent)."""
        response = super().form_valid(form)
        if rights.consent_due(self.request.user):
            return redirect(f"{reverse('accounts:consent')}?{urlencode({'next': self.get_success_url()})}")
        return response

    def get_default_redirect_url(self):
        """Without a page to return to, staff go to their 工作台 (/staff/ leads a dispatcher or
        a supervisor on to their own list), a leader's office to its 领导来信 (``Roles.office_only``),
        citizens to the home page."""
        roles = roles_of(self.request.user)
        if roles.office_only:
            return reverse("board:leader_office")
        if roles.is_staff_member:
            return reverse("board:inbox")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    """Signing out is a POST (the 退出 button); a GET (a bookmark, a typed address) shows a
    page with that button instead of an empty 405; HEAD answers as GET does (it was a 405)."""

    http_method_names = ["get", "head", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return render(request, "accounts/logout.html")


def safe_next(request, default: str) -> str:
    """The page ?next= (posted or in the address) names when it is a path on this site, else ``default``
    (an address): the staff pages' actions use it too."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()) \
            and urlsplit(nxt).path.startswith("/"):  # redirect() read 「abc」 as a view's name: a 500
        return nxt
    return default


def _with_next(url, request) -> str:
    """``url`` keeping the page the citizen was on their way to (sign-in checks it)."""
    nxt = request.GET.get("next", "")
    return f"{url}?{urlencode({'next': nxt})}" if nxt else url


def _keep_typed(post) -> dict:
    """What the user typed, minus passwords, to re-show after sending a code."""
    return {k: v for k, v in post.items()
            if k not in ("old_password", "password1", "password2", "csrfmiddlewaretoken", "action")}


def _passwords_dropped(request) -> bool:
    """Whether the page answers a post with a password typed in it, which it does not show again (a
    code sent, a form refused): the page says so at the password box (注册, 重置密码, 修改密码). A citizen who filled in
    everything before 获取验证码 met 「请输入密码」 after typing the code, with no word of why."""
    return request.method == "POST" and any(request.POST.get(k) for k in ("old_password", "password1", "password2"))


def _code_refused(form, errors):
    """(form, errors) with the identifier box marked invalid and tied to the errors shown
    under it (the unbound form does not do that itself)."""
    described_by = "id_identifier_error" + (" id_identifier_helptext" if form.fields["identifier"].help_text else "")
    form.fields["identifier"].widget.attrs.update({"aria-invalid": "true", "aria-describedby": described_by})
    return form, errors


def _send_code(request, form_class, purpose, check=None):
    """Handle the "获取验证码" button; returns (form to show, the send step's errors or None).
    ``check(target)`` may refuse the target (ValidationError) once the address's hourly limit let it
    through; registration refuses a registered one (check_new_identifier)."""
    ident = IdentifierForm(request.POST)
    form = form_class(initial=_keep_typed(request.POST))
    if not ident.is_valid():
        return _code_refused(form, ident.errors["identifier"])
    target = ident.cleaned_data["identifier"]
    address = client_address(request)
    # an address at its hourly limit is refused before anything else is looked at, for unknown accounts
    # too: the refusal says nothing of whether the number is registered (an unknown one has no codes:
    # the hour is all that holds it back; a phone whose own limits end later is told those)
    now = timezone.now()
    if refused := address_refusal(address, now):  # (a row deleted meanwhile: still the hour's refusal)
        return _code_refused(form, [refusal(target, purpose, address, now) or refused])
    # sent: the page opens again at the box the code goes in (a screen reader and the keyboard start there)
    code_box = form.fields["code"].widget.attrs
    if check is not None:
        try:
            check(target)
        except ValidationError as exc:
            return _code_refused(form, exc.messages)
    if purpose == "reset" and not find_user(target):
        # Say the same as for a real account: whether someone is registered is private.
        messages.success(request, "如果该账号存在, 验证码已发送, 10 分钟内有效")
        code_box["autofocus"] = True
        return form, None
    try:
        issue_code(target, purpose, address=address)
    except CodeError as exc:
        return _code_refused(form, [str(exc)])
    messages.success(request, "如果该账号存在, 验证码已发送, 10 分钟内有效" if purpose == "reset"
                     else "验证码已发送, 10 分钟内有效")
    code_box["autofocus"] = True
    return form, None


def _peek_code(form, purpose: str, known: bool = True) -> None:
    """A form refused for another mistake (同意 unticked, passwords that differ) says a wrong code too:
    it was told after the rest was put right, and the passwords were typed a third time. A right code
    stays unused (``check_code(peek=True)``)."""
    data = getattr(form, "cleaned_data", {})
    if "identifier" not in data or "code" not in data:
        return
    try:
        if not known:
            raise CodeError("验证码不正确")
        check_code(data["identifier"], purpose, data["code"], peek=True)
    except CodeError as exc:
        form.add_error("code", str(exc))


def register(request):
    if request.user.is_authenticated:
        return redirect("board:home")
    code_errors = None
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form, code_errors = _send_code(request, RegisterForm, "register", check_new_identifier)
    elif request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            try:
                check_code(form.cleaned_data["identifier"], "register", form.cleaned_data["code"])
            except CodeError as exc:
                form.add_error("code", str(exc))
            else:
                try:
                    with transaction.atomic():
                        user = form.build_user()
                        rights.record_consent(user)  # 「我已阅读并同意《隐私政策》」, ticked
                        user.save()
                except IntegrityError:
                    form.add_error("identifier", "该手机号或邮箱已注册, 请直接登录")
                else:
                    login(request, user, backend=BACKEND)
                    messages.success(request, "注册成功, 欢迎使用民声")
                    return redirect(safe_next(request, reverse("board:home")))
        else:
            _peek_code(form, "register")
    else:
        form = RegisterForm()
    return render(request, "accounts/register.html", {"form": form, "code_errors": code_errors,
                                                      "passwords_dropped": _passwords_dropped(request),
                                                      "next": request.GET.get("next", "")})


def _signed_out_elsewhere(user) -> str:
    """What a new password ended (User.save): someone who took the account over is out."""
    revoked = getattr(user, "revoked_tokens", 0)
    return "其他设备上的登录已全部退出" + (f", {revoked} 个 API 令牌已撤销" if revoked else "")


def reset_password(request):
    code_errors = None
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form, code_errors = _send_code(request, ResetForm, "reset")
    elif request.method == "POST":
        form = ResetForm(request.POST)
        if form.is_valid():
            try:
                if form.user is None:
                    raise CodeError("验证码不正确")
                check_code(form.cleaned_data["identifier"], "reset", form.cleaned_data["code"])
            except CodeError as exc:
                form.add_error("code", str(exc))
            else:
                form.user.set_password(form.cleaned_data["password1"])
                form.user.save(update_fields=["password"])
                messages.success(request, f"密码已重置, 请用新密码登录。{_signed_out_elsewhere(form.user)}")
                return redirect(_with_next(reverse("accounts:login"), request))
        else:  # an unknown account's code is wrong, as when the form is valid
            _peek_code(form, "reset", known=getattr(form, "user", None) is not None)
    else:
        form = ResetForm()
    return render(request, "accounts/reset.html", {"form": form, "code_errors": code_errors,
                                                   "passwords_dropped": _passwords_dropped(request),
                                                   "next": request.GET.get("next", "")})


@login_required
def change_password(request):
    """The signed-in user's password, with the current one (no code needed)."""
    form = PasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        request.user.set_password(form.cleaned_data["password1"])
        request.user.save(update_fields=["password"])
        update_session_auth_hash(request, request.user)  # stay signed in here; other sessions end
        messages.success(request, f"密码已修改。{_signed_out_elsewhere(request.user)}")
        return redirect("accounts:profile")
    # refused, it cleared all three boxes without the word register and reset say
    return render(request, "accounts/password.html", {"form": form, "passwords_dropped": _passwords_dropped(request)})


def _tokens_url():
    for name in ("api:tokens", "api:token_list", "accounts:tokens"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, "资料已保存")
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/profile.html", {"form": form, "tokens_url": _tokens_url()})


@login_required
def rebind(request):
    """更换手机号或邮箱: the new one, the code sent to it (purpose "rebind", with every limit of a
    code), the current password (counted as a sign-in); staff are told to ask an administrator
    (accounts.rights.rebind says what the change does)."""
    refusal = rights.own_change_refusal(request.user, "rebind")
    code_errors = None
    form_class = partial(RebindForm, request.user, request=request)
    if refusal is None and request.method == "POST" and request.POST.get("action") == "send_code":
        form, code_errors = _send_code(request, form_class, "rebind",
                                       partial(check_new_identifier, user=request.user))
    elif refusal is None and request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            target = form.cleaned_data["identifier"]
            try:
                check_code(target, "rebind", form.cleaned_data["code"])
                done = rights.rebind(request.user, target, form.cleaned_data["old_password"])
            except CodeError as exc:
                form.add_error("code", str(exc))
            except rights.Invalid as exc:
                form.add_error("identifier", str(exc))
            else:
                update_session_auth_hash(request, done.user)  # stay signed in here; other sessions end
                label, contact = ("手机号", "电话") if done.kind == "phone" else ("邮箱", "邮箱")
                moved = f"{done.messages} 条办理中留言的联系{contact}已随之更新。" if done.messages else ""
                messages.success(request, f"{label}已更换为 {target}, 请用新{label}登录。{moved}"
                                          f"{_signed_out_elsewhere(done.user)}")
                return redirect("accounts:profile")
    else:
        form = form_class()
    return render(request, "accounts/rebind.html", {"form": form, "code_errors": code_errors, "refusal": refusal,
                                                    "passwords_dropped": _passwords_dropped(request)})


@login_required
def my_data(request):
    """我的数据: a copy of what the site keeps of the signed-in user, as a JSON file (rights.my_data)."""
    response = JsonResponse(rights.my_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2})
    day = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="minsheng-my-data-{day:%Y%m%d}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def close_account(request):
    """注销账号: what happens, then the password again; staff and admins are told to ask an administrator."""
    refusal = rights.own_change_refusal(request.user, "close")
    form = CloseAccountForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            kept = rights.check_close_account(request.user, form.cleaned_data["password"], request)
        except PermissionDenied as exc:  # became staff meanwhile
            refusal = str(exc)
        except rights.Invalid as exc:
            form.add_error("password", str(exc))
        else:
            logout(request)
            request.session["closed_messages"] = kept  # the new, anonymous session: for the page after
            request.session[CLOSED_HERE] = True  # and for the sign-in page a page of another tab leads to
            return redirect("accounts:closed")
    return render(request, "accounts/close.html", {
        "form": form, "refusal": refusal, "messages_count": request.user.messages.count(),
        "passwords_dropped": _passwords_dropped(request)})


@login_required
def consent(request):
    """同意隐私政策: asked of a signed-in citizen who has not consented to this version of the notice,
    at once after a password sign-in (LoginView.form_valid), on their next page in a session begun
    before (middleware.ConsentInterstitial); the pages lead here until they agree, and the REST API
    refuses their session (api.views.base.ApiView). 不同意 signs out."""
    if request.method == "POST" or not rights.consent_due(request.user):
        if rights.consent_due(request.user):
            rights.record_consent(request.user)
            request.user.save(update_fields=["privacy_consented_at", "privacy_version"])
        return redirect(safe_next(request, reverse("board:home")))
    return render(request, "accounts/consent.html", {"next": request.GET.get("next", ""),
                                                     "privacy_version": rights.PRIVACY_VERSION})


def account_closed(request):
    """The one-line summary after 注销账号 (once: a later visit goes home)."""
    kept = request.session.pop("closed_messages", None)
    if kept is None or request.user.is_authenticated:
        return redirect("board:home")
    return render(request, "accounts/closed.html", {"kept": kept})
