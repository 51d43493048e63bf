"""Citizen account forms: sign in, register and reset the password with a phone
number or an email and a verification code, edit the nickname, change the phone or email."""

from __future__ import annotations

import unicodedata

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse_lazy
from django.utils.text import format_lazy

from minsheng.board.forms import ChineseRenderer
from minsheng.board.moderation import personal_data

from . import limits
from .models import INACTIVE_NOTICE, User, canonical_phone, find_user, users_named
from .senders import sms_phone

PASSWORD_ERRORS = {  # Django's own messages are not all translated
    "password_too_short": "密码至少 8 位",
    "password_too_common": "密码太常见, 请换一个",
    "password_entirely_numeric": "密码不能全是数字",
    "password_too_similar": "密码与您的手机号、邮箱或昵称太相似",
}


def normalize_identifier(raw: str) -> tuple[str, str]:
    """(kind, value) for a phone number or an email; ValidationError otherwise."""
    phone = canonical_phone(raw)
    if phone:
        return "phone", phone
    value = (raw or "").strip()
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError("邮箱格式不正确") from None
        return "email", value.lower()
    raise ValidationError("请输入 11 位手机号或有效的邮箱地址")


# a new account's user name is its phone or email (RegisterForm.build_user), in a column of 150
USERNAME_MAX = User._meta.get_field("username").max_length


# 更换手机号或邮箱 to one another account holds: no more than registering it tells (「已注册」)
TAKEN_BY_ANOTHER = "该手机号或邮箱已被其他账号使用, 不能更换为它"


def check_new_identifier(value: str, user=None) -> None:
    """Refuse a phone or email (normalized) no account can be registered with — one registered, or
    an email longer than the user name column (a PostgreSQL error page, a code sent first) —, or,
    for ``user``'s 更换手机号或邮箱, one another account holds or their own already."""
    if len(value) > USERNAME_MAX:
        raise ValidationError(f"邮箱最长 {USERNAME_MAX} 个字符, 请换一个邮箱" + ("" if user else "或用手机号注册"))
    holders = users_named(value)
    if user is None:
        if holders.exists():
            raise ValidationError("该手机号或邮箱已注册, 请直接登录")
    elif holders.exclude(pk=user.pk).exists():
        raise ValidationError(TAKEN_BY_ANOTHER)
    elif value in (user.phone, (user.email or "").lower()):
        raise ValidationError("这就是您账号现在的手机号或邮箱")


def clean_nickname(value: str) -> str:
    """A nickname may be shown on public messages: no phone, ID, card number or email in it."""
    value = (value or "").strip()
    if any(f.label != "姓名" for f in personal_data(value)):
        raise ValidationError("昵称可能公开显示, 请不要填写手机号、证件号或邮箱")
    return value


class IdentifierField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "手机号或邮箱")
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("error_messages", {"required": "请输入手机号或邮箱"})
        # the account's name for the browser's password manager, as on the sign-in page
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "username"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_identifier(value)[1]


class CodeField(forms.CharField):
    """The 6-digit code sent by SMS or e-mail: a phone shows its number pad for it and offers
    the code of the message just received (one-time-code); it showed the full keyboard."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "验证码")
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
        super().__init__(max_length=6, min_length=6, error_messages={
            "required": "请输入验证码", "min_length": "验证码为 6 位数字", "max_length": "验证码为 6 位数字"}, **kwargs)

    def to_python(self, value):
        # a Chinese keyboard in full-width mode types １２３４５６: it was 「验证码不正确」 and cost one of
        # the code's five tries (the phone number beside it was read in full-width digits already)
        return unicodedata.normalize("NFKC", super().to_python(value))


class LoginForm(AuthenticationForm):
    default_renderer = ChineseRenderer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""

    username = forms.CharField(label="手机号或邮箱", max_length=254,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
                               error_messages={"required": "请输入手机号或邮箱"})
    password = forms.CharField(label="密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               error_messages={"required": "请输入密码"})
    error_messages = {
        "invalid_login": "手机号/邮箱或密码不正确",
        "inactive": INACTIVE_NOTICE,
    }

    def get_invalid_login_error(self):
        if limits.was_locked(self.request):  # the backend refused a locked account or address
            return ValidationError(limits.MESSAGE, code="too_many_failures")
        if limits.was_inactive(self.request):  # the right password of an account switched off (since 2026-12-07)
            return ValidationError(INACTIVE_NOTICE, code="inactive")
        return super().get_invalid_login_error()


class ChineseForm(forms.Form):
    default_renderer = ChineseRenderer

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class IdentifierForm(ChineseForm):
    """Step one of registration and reset: where to send the code."""

    identifier = IdentifierField()


class _PasswordPair(ChineseForm):
    password1 = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text="至少 8 位, 不能全是数字", error_messages={"required": "请设置密码"})
    password2 = forms.CharField(label="确认密码", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                error_messages={"required": "请再次输入密码"})

    def clean_password2(self):
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise ValidationError("两次输入的密码不一致")
        return p2

    def _check_password(self, user=None):
        password = self.cleaned_data.get("password1")
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                self.add_error("password1", [PASSWORD_ERRORS.get(e.code, e.messages[0]) for e in exc.error_list])


class RegisterForm(_PasswordPair):
    identifier = IdentifierField(help_text="验证码将发送到该手机号或邮箱")
    code = CodeField()
    display_name = forms.CharField(label="昵称", max_length=30, required=False,
                                   help_text="选填; 仅在您选择公开昵称时显示",
                                   error_messages={"max_length": "昵称最多 30 个字 (现在 %(show_value)d 个)"})

    # 个人信息保护法 art. 14: consent, given by the citizen's own tick, to what the notice says
    agree = forms.BooleanField(
        label="我已阅读并同意《隐私政策》",
        help_text=format_lazy('<a href="{}" target="_blank">阅读《隐私政策》</a>: 收集哪些信息、谁能看到、保存多久、如何下载数据和注销账号',
                              reverse_lazy("privacy")),
        error_messages={"required": "请阅读并勾选同意《隐私政策》后再注册"})

    field_order = ["identifier", "code", "display_name", "password1", "password2", "agree"]

    def clean_display_name(self):
        return clean_nickname(self.cleaned_data.get("display_name"))

    def clean_identifier(self):
        value = self.cleaned_data["identifier"]
        check_new_identifier(value)
        return value

    def clean(self):
        data = super().clean()
        # the account to be: the password is checked against its phone, e-mail and nickname
        self._check_password(self.build_user(with_password=False) if data.get("identifier") else None)
        return data

    def build_user(self, with_password=True) -> User:
        value = self.cleaned_data["identifier"]
        kind, _ = normalize_identifier(value)
        user = User(username=value, display_name=self.cleaned_data.get("display_name", "").strip())
        if kind == "phone":
            user.phone, user.phone_verified = value, True
        else:
            user.email, user.email_verified = value, True
        if with_password:
            user.set_password(self.cleaned_data["password1"])
        return user


class ResetForm(_PasswordPair):
    identifier = IdentifierField()
    code = CodeField()
    field_order = ["identifier", "code", "password1", "password2"]

    def clean(self):
        data = super().clean()
        self.user = find_user(data["identifier"]) if data.get("identifier") else None
        self._check_password(self.user)
        return data


class PasswordChangeForm(_PasswordPair):
    """A signed-in user's new password, with the current one: staff created by the admin or
    by import-staff often have neither phone nor e-mail, so the code of ResetForm cannot reach them."""

    old_password = forms.CharField(label="当前密码", strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                                   error_messages={"required": "请输入当前密码"})
    field_order = ["old_password", "password1", "password2"]

    def __init__(self, user, *args, request=None, **kwargs):
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "新密码"
        self.fields["password2"].label = "确认新密码"

    def clean_old_password(self):
        # counted as a sign-in: a taken session cannot guess it to take the account for good
        if problem := limits.password_refusal(self.request, self.user, self.cleaned_data["old_password"], "当前密码不正确"):
            raise ValidationError(problem)
        return self.cleaned_data["old_password"]

    def clean(self):
        data = super().clean()
        self._check_password(self.user)
        return data


class CloseAccountForm(ChineseForm):
    """注销账号: the current password again (accounts.rights.check_close_account checks it)."""

    password = forms.CharField(label="当前密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               error_messages={"required": "请输入当前密码"})


class ProfileForm(forms.ModelForm):
    """昵称, and 短信通知 for a citizen with a phone where the site sends SMS notices (MINSHENG_SMS_SENDER)."""

    default_renderer = ChineseRenderer

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not sms_phone(self.instance):
            del self.fields["sms_notices"]

    class Meta:
        model = User
        fields = ["display_name", "sms_notices"]
        labels = {"display_name": "昵称", "sms_notices": "短信通知: 我的留言有答复或未予受理时, 发短信到我的手机号"}
        help_texts = {"sms_notices": ""}
        error_messages = {"display_name": {"max_length": "昵称最多 30 个字 (现在 %(show_value)d 个)"}}

    def clean_display_name(self):
        return clean_nickname(self.cleaned_data.get("display_name"))


class RebindForm(ChineseForm):
    """更换手机号或邮箱: the new one, the code sent to it, and the current password (counted as a
    sign-in, as at 修改密码). Checked again on the change (accounts.rights.rebind)."""

    identifier = IdentifierField(label="新手机号或邮箱", help_text="验证码将发送到新的手机号或邮箱",
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))
    code = CodeField()
    old_password = forms.CharField(label="当前密码", strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                                   error_messages={"required": "请输入当前密码"})

    def __init__(self, user, *args, request=None, **kwargs):
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    def clean_identifier(self):
        value = self.cleaned_data["identifier"]
        check_new_identifier(value, self.user)
        return value

    def clean_old_password(self):
        if problem := limits.password_refusal(self.request, self.user, self.cleaned_data["old_password"], "当前密码不正确"):
            raise ValidationError(problem)
        return self.cleaned_data["old_password"]
