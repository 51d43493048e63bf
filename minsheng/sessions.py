"""The session store (SESSION_ENGINE): Django's database sessions, with one key refused."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore


class SessionStore(DatabaseStore):
    """A session key holding a NUL is no session, as a key too short is (a fresh one is started):
    Django unquotes a cookie's octal escapes (``sessionid="…\\000…"``) and looked the key up as it
    came, which PostgreSQL refuses in a query, a 500 on every page until the cookie was cleared."""

    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and "\x00" not in key
