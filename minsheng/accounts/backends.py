from django.contrib.auth.backends import ModelBackend

from . import limits
from .models import User, find_user


class PhoneOrEmailBackend(ModelBackend):
    """Sign in with a phone number, an email address or a username; repeated failures
    lock the account (and an address) for a while (accounts/limits.py). The right password of an account
    switched off (停用) is refused too, and marked for the form to say why (``limits.was_inactive``); it counts
    toward no lockout (its owner trying again is told why each time), while a wrong one counts as on any account.
    A locked account or address is refused before the password is read, the right one included: telling 停用 then
    would confirm a guess beyond the limit."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = find_user(username)
        if limits.blocked(request, user):
            limits.mark_locked(request)
            return None
        if user is None:
            User().set_password(password)  # same cost as a real check
        elif user.check_password(password):
            if self.user_can_authenticate(user):
                limits.succeeded(user)
                return user
            # 停用: said, as the right password was given; not a failure (since 2026-12-07: the sixth try read
            # 「登录失败次数过多」 instead of why), nor a success clearing the count of wrong guesses before it
            limits.mark_inactive(request)
            return None
        limits.failed(request, user)
        return None
