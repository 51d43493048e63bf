"""minsheng settings: every deployment value comes from a typed environment variable.

Safe development defaults; a bad value stops start-up with a message that names the
variable. See .env.example for the full list.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("MINSHENG_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def make_folder(path: Path, name: str) -> None:
    """Create ``path`` (named by the variable ``name``) if missing; one that cannot be created
    (a read-only disk, a file in its way) stops start-up with one line naming the variable."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}={os.environ.get(name, '')!r}: 无法创建目录 {path} "
                                   f"({exc.strerror or exc})") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} 不是布尔值 (请用 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} 不是整数") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} 不能小于 {minimum}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} 不能大于 {maximum}")
    return value


def env_float(name: str, default: float, minimum: float | None = None, maximum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} 不是数字") from None
    if not (minimum is None or value >= minimum) or not (maximum is None or value <= maximum):  # nan fails both
        raise ImproperlyConfigured(f"{name}={raw} 应在 {minimum} 与 {maximum} 之间")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEV_SECRET_KEY = "dev-insecure-minsheng-key-do-not-use-in-production"  # public: `check --deploy` refuses it
if not SECRET_KEY:
    insecure_dev_key = os.environ.get("MINSHENG_INSECURE_DEV_KEY", "1")
    if DEBUG or insecure_dev_key == "1":
        SECRET_KEY = DEV_SECRET_KEY
    else:  # it blamed DEBUG, which is off as it should be, not the setting that refuses the demo's key
        raise ImproperlyConfigured(
            f"未设置 SECRET_KEY (MINSHENG_INSECURE_DEV_KEY={insecure_dev_key}: 不使用公开的演示密钥); "
            "用 python3 -c 'import secrets; print(secrets.token_urlsafe(50))' 生成一个")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "minsheng.accounts",
    "minsheng.directory",
    "minsheng.board",
    "minsheng.insight",
    "minsheng.stats",
    "minsheng.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CORS of /api/ and /open311/: a preflight is answered before the session is read (minsheng.middleware.ApiCors)
    "minsheng.middleware.ApiCors",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "minsheng.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "minsheng.middleware.ConsentInterstitial",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last: the page it makes passes the others (the notes it shows are marked read, they were
    # shown again; X-Frame-Options is set on it, it was set on the empty 405 it replaces)
    "minsheng.middleware.MethodNotAllowedPage",
]

ROOT_URLCONF = "minsheng.urls"
WSGI_APPLICATION = "minsheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minsheng.accounts.context.roles",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}"
_db_url = env_str("DATABASE_URL", DEFAULT_SQLITE)
_conn_max_age = env_int("DB_CONN_MAX_AGE", 0, minimum=0)  # outside the try: its own error, not the URL's
_sqlite_busy = env_int("MINSHENG_SQLITE_BUSY_SECONDS", 20, minimum=1, maximum=600)  # read on PostgreSQL too: a typo said
try:
    _db = dj_database_url.parse(_db_url, conn_max_age=_conn_max_age)
except Exception as exc:  # dj_database_url raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL={_db_url!r} 不是有效的数据库 URL: {exc}") from None
if _db.get("ENGINE") not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured(f"DATABASE_URL={_db_url!r}: 不支持的数据库类型 (请用 sqlite:// 或 postgres://)")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {})
    # WAL + a busy timeout: the web process and a worker can share the file; a writer waits this long for another
    # process's write to end before it gives up with 「数据库被另一个进程锁住」
    _db["OPTIONS"].update(
        {
            "timeout": _sqlite_busy,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if _db["NAME"] != ":memory:":
        make_folder(Path(_db["NAME"]).parent, "DATABASE_URL" if "DATABASE_URL" in os.environ else "MINSHENG_VAR_DIR")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["minsheng.accounts.backends.PhoneOrEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # a password made of one's own phone number or e-mail (13912345678a) is the first one tried
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "phone", "email", "display_name")}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "board:home"
LOGOUT_REDIRECT_URL = "board:home"

# --- locale and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# the admin strings Django's own zh_Hans catalogue leaves in English (minsheng/locale)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except Exception:
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} 不是已知的时区") from None
USE_I18N = True
USE_TZ = True

# --- files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Photos are served by minsheng.board.views.media, which checks who may see each one. Behind nginx set
# this to an `internal` location aliasing MEDIA_ROOT (docs/deploy.md): the view then answers with
# X-Accel-Redirect and nginx sends the file. Empty: the view streams the file itself.
MINSHENG_MEDIA_ACCEL_REDIRECT = env_str("MINSHENG_MEDIA_ACCEL_REDIRECT", "")
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024
make_folder(STATIC_ROOT, "STATIC_ROOT" if "STATIC_ROOT" in os.environ else "MINSHENG_VAR_DIR")  # whitenoise warns otherwise
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- cache ----------------------------------------------------------------------
# Sign-in attempt limits, API throttles and cached statistics live in Django's cache. The
# default (local memory) is per process: with several web workers set CACHE_URL to a
# shared Redis (redis://host:6379/1) so the limits count across workers.


def cache_settings(url: str) -> dict:
    if not url or url.startswith("locmem://"):
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                            "KEY_PREFIX": "minsheng"}}
    raise ImproperlyConfigured(f"CACHE_URL={url!r} 不是缓存地址 (请用 redis://host:port/db 或留空)")


CACHES = cache_settings(env_str("CACHE_URL", ""))

# --- background work -----------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", env_str("BROKER_URL", ""))
# Without a broker (the embedded default) tasks run in-process, right after commit.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if CELERY_TASK_ALWAYS_EAGER and not CELERY_BROKER_URL:
    # an eager task still opens a (never used) broker connection; without a host kombu logs
    # "No hostname was supplied" at every process's first task
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ROUTES = {"minsheng.insight.*": {"queue": "ml"}, "minsheng.board.tasks.notify*": {"queue": "notify"}}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_IMPORTS = ["minsheng.insight.hotspots_service"]  # tasks outside a tasks.py module
# without a broker, work that must not hold up a response (an Open311 link's photo, a large refresh of hotspots, the
# hotspots of a region renamed) runs in a thread of its own after the commit (``minsheng.celery.in_thread``); the
# tests run it inline unless one asks
MINSHENG_BACKGROUND_THREADS = True
# beat's record of when each task last ran: under var/, not in whatever folder beat was started
# from (it wrote celerybeat-schedule* into the checkout, and failed where that was read-only)
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE = {
    "close-stale": {"task": "minsheng.board.tasks.close_stale", "schedule": 3600.0},
    "notify-due-soon": {"task": "minsheng.board.tasks.notify_due_soon", "schedule": 3600.0},
    "refresh-hotspots": {"task": "minsheng.insight.refresh_hotspots", "schedule": 3600.0},
    # the rollups are kept current after every action; the nightly rebuild is a safety net
    "refresh-stats": {"task": "minsheng.stats.tasks.refresh_stats", "schedule": 86400.0},
    # the SMS notices and codes the daily caps no longer count (their phone numbers and emails)
    "purge-counted": {"task": "minsheng.board.tasks.purge_counted", "schedule": 86400.0},
    # SQLite keeps no query planner statistics unless asked (board.tasks.analyze_database)
    "analyze-database": {"task": "minsheng.board.tasks.analyze_database", "schedule": 86400.0},
}

# --- email --------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)  # seconds: a slow mail server never holds up an action
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "minsheng <noreply@minsheng.local>")
# the site's address as people open it: the links in emails (and in exports written by a
# command) are made of it; a request knows its own address, a mail does not
MINSHENG_SITE_URL = env_str("MINSHENG_SITE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", MINSHENG_SITE_URL):
    raise ImproperlyConfigured(f"MINSHENG_SITE_URL={MINSHENG_SITE_URL!r} 不是网站地址 "
                               "(请用 http://host[:port] 或 https://host)")

# --- security -----------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
SESSION_ENGINE = "minsheng.sessions"  # Django's database sessions, refusing a key with a NUL
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
CSRF_FAILURE_VIEW = "minsheng.api.errors.csrf_failure"  # the site's page, not Django's technical one
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS (`minsheng check --deploy` asks for these): redirect http to https, and tell browsers
# to use https only for SECURE_HSTS_SECONDS. Behind a reverse proxy that ends TLS, name the
# header it sets (X-Forwarded-Proto), or the redirect never ends: every request reads as http.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)  # every subdomain is https too
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    if not re.fullmatch(r"[A-Za-z0-9-]+", _proxy_header):
        raise ImproperlyConfigured(f"SECURE_PROXY_SSL_HEADER={_proxy_header!r} 不是请求头名称 "
                                   "(例如 X-Forwarded-Proto)")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
X_FRAME_OPTIONS = "DENY"

# --- minsheng -----------------------------------------------------------------
# Working days to sign for a case, and to reply, per message type.
MINSHENG_SIGN_DAYS = env_int("MINSHENG_SIGN_DAYS", 1, minimum=1)
MINSHENG_REPLY_DAYS = {
    "consult": env_int("MINSHENG_REPLY_DAYS_CONSULT", 5, minimum=1),
    "suggest": env_int("MINSHENG_REPLY_DAYS_SUGGEST", 10, minimum=1),
    "help": env_int("MINSHENG_REPLY_DAYS_HELP", 10, minimum=1),
    "complain": env_int("MINSHENG_REPLY_DAYS_COMPLAIN", 15, minimum=1),
    "thanks": env_int("MINSHENG_REPLY_DAYS_THANKS", 10, minimum=1),
}
MINSHENG_EVALUATION_DAYS = env_int("MINSHENG_EVALUATION_DAYS", 7, minimum=1)  # calendar days
MINSHENG_REOPEN_DAYS = env_int("MINSHENG_REOPEN_DAYS", 7, minimum=1)
MINSHENG_MODEL_DIR = Path(env_str("MINSHENG_MODEL_DIR", str(VAR_DIR / "models")))
# each gunicorn worker of minsheng serve (not runserver) loads the classifiers and builds
# the hotspot index in a background thread when it starts, so that the first message posted does
# not wait for them (embedded default only: with a broker the workers read messages); 0: off
MINSHENG_WARMUP = env_bool("MINSHENG_WARMUP", True)
MINSHENG_PREFILL_CONFIDENCE = env_float("MINSHENG_PREFILL_CONFIDENCE", 0.6, minimum=0, maximum=1)  # a probability
# hotspots: a hotspot idle longer than the window takes no new messages but one repeating it (up to twice
# the window, insight.hotspots.REOPEN_WINDOWS); one older than
# MINSHENG_CHRONIC_DAYS with unresolved or unsatisfied messages is 老大难
# at most a century (insight.hotspots.MAX_WINDOW_DAYS): date arithmetic overflows far beyond
MINSHENG_HOTSPOT_WINDOW_DAYS = env_int("MINSHENG_HOTSPOT_WINDOW_DAYS", 180, minimum=1, maximum=36_500)
MINSHENG_CHRONIC_DAYS = env_int("MINSHENG_CHRONIC_DAYS", 90, minimum=1, maximum=36_500)
MINSHENG_CODE_SENDER = env_str("MINSHENG_CODE_SENDER", "minsheng.accounts.senders.ConsoleSender")
# SMS notices to citizens (answered, not accepted): a class with send_text(phone, text); empty sends none
MINSHENG_SMS_SENDER = env_str("MINSHENG_SMS_SENDER", "")
MINSHENG_SMS_PER_DAY = env_int("MINSHENG_SMS_PER_DAY", 5, minimum=1)  # per phone, rolling 24 hours
# verification codes (docs/security.md, 「Guessing」), each limit over a rolling window: per phone or
# email, purpose and requesting address in 24 hours; per phone or email and purpose from all addresses
# in 24 hours (what one phone can cost in texts a day); per requesting address over all targets in an hour
MINSHENG_CODES_PER_DAY = env_int("MINSHENG_CODES_PER_DAY", 10, minimum=1)
MINSHENG_CODES_PER_TARGET_DAY = env_int("MINSHENG_CODES_PER_TARGET_DAY", 30, minimum=1)
MINSHENG_CODES_PER_ADDRESS_HOUR = env_int("MINSHENG_CODES_PER_ADDRESS_HOUR", 10, minimum=1)
MINSHENG_MAX_PHOTOS = 6
MINSHENG_MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Open311 media_url: fetch the linked photo after the request is stored (docs/open311.md);
# hosts with private, loopback or reserved addresses are refused unless allowed here.
MINSHENG_FETCH_MEDIA = env_bool("MINSHENG_FETCH_MEDIA", True)
MINSHENG_MEDIA_ALLOW_PRIVATE = env_bool("MINSHENG_MEDIA_ALLOW_PRIVATE", False)
# GeoJSON of the deployment's region shapes for the statistics map (features carry the
# region code as id or properties.code). Empty: the bundled demo map of 甘肃省.
MINSHENG_MAP_FILE = env_str("MINSHENG_MAP_FILE", "")
if MINSHENG_MAP_FILE and not Path(MINSHENG_MAP_FILE).is_file():  # else the map vanishes in silence
    raise ImproperlyConfigured(f"MINSHENG_MAP_FILE={MINSHENG_MAP_FILE!r} 不是文件")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "minsheng.api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "minsheng.api.authentication.ApiTokenAuthentication",
        "minsheng.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "minsheng.api.throttling.KeyRateThrottle",
        "minsheng.api.throttling.IPRateThrottle",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "minsheng.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # the client's address for the per-IP limits (API and sign-in): the connection's own, or
    # behind N trusted reverse proxies the one the outermost of them saw (X-Forwarded-For's
    # N-th entry from the end). DRF's default read the header as sent, so a caller naming a
    # new address on each request was never limited.
    "NUM_PROXIES": env_int("MINSHENG_NUM_PROXIES", 0, minimum=0),
}
# API rate limits ("N/s|min|hour|day"): per token, Open311 key or signed-in user; per IP otherwise.
MINSHENG_API_RATES = {
    "key": env_str("MINSHENG_API_RATE_KEY", "600/min"),
    "ip": env_str("MINSHENG_API_RATE_IP", "120/min"),
}
for _scope, _rate in MINSHENG_API_RATES.items():
    _num, _, _period = _rate.partition("/")
    if not _num.isdigit() or _period[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(f"MINSHENG_API_RATE_{_scope.upper()}={_rate!r}: 请用 N/s, N/min, N/hour 或 N/day")
# The web's htmx lookups that anyone may call (/similar/, /stats/regions/: minsheng.lookup_limits): calls
# of each in any minute per client address (read as NUM_PROXIES says), or per account when signed in.
# The post form's 标题 box asks 0.8 s after the last key: one who pauses that long after every key asks
# 75 times a minute, so the default leaves room (60 until 2026-12-05 refused such a citizen's box).
MINSHENG_LOOKUPS_PER_MINUTE = env_int("MINSHENG_LOOKUPS_PER_MINUTE", 120, minimum=1)
SPECTACULAR_SETTINGS = {
    # what integrators read first (/api/docs/): in Chinese, as each operation's text (views.base.Doc)
    "TITLE": "民声 API",
    "DESCRIPTION": "民声网上群众留言平台的开放接口: 公开留言、留言人的留言和评价、区划和单位目录、热点问题、统计数字, "
                   "以及工作人员的待办和办理动作 (审核、派单、签收、答复、转办等), 规则与网站相同。\n\n"
                   "认证: 公开数据无需登录; 代表个人调用请用 `Authorization: Token <令牌>` (在 /api/tokens/ 创建), "
                   "接入系统可用 Open311 API key。错误一律为 JSON: `{\"error\": {\"code\", \"message\", \"fields\"}}`, "
                   "`message` 为中文。GET 请求只接受各接口列出的查询参数, 另加处处可用的 `format=json` 和 `api_key`; "
                   "其他参数为 400 并指明 (未知的查询参数); 请求体同样只接受各接口列出的字段, 其他字段 (空值除外) "
                   "为 400 并指明 (未知字段)。对任一接口发送 OPTIONS 请求, 返回其名称、说明和支持的格式。"
                   "Open311 GeoReport v2 接口见 /open311/v2/discovery.json。",
    "TAGS": [
        {"name": "messages", "description": "公开留言: 任何人可读"},
        {"name": "citizen", "description": "留言人: 发表、评价、重办、撤回、我也遇到、我的留言和我的数据、注销账号 (需要登录)"},
        {"name": "directory", "description": "目录: API 入口、行政区划、办理单位、留言对象、领域"},
        {"name": "insight", "description": "热点问题和老大难"},
        {"name": "statistics", "description": "公开统计, 口径与网站的统计页面相同"},
        {"name": "staff", "description": "工作人员: 待办、办件详情、派单建议和办理动作 (需要工作人员账号)"},
    ],
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "MessageKindEnum": "minsheng.board.models.MessageKind.choices",
        "RatingEnum": "minsheng.board.models.Rating.choices",
        "EventKindEnum": "minsheng.api.serializers.EVENT_KINDS",
        "MessageStatusEnum": "minsheng.board.workflow.Status.choices",
    },
    "COMPONENT_SPLIT_REQUEST": True,
}

_log_level = env_str("LOG_LEVEL", "WARNING")
LOG_LEVEL = _log_level.strip().upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL={_log_level!r} 不是日志级别 (请用 DEBUG, INFO, WARNING, ERROR 或 CRITICAL)")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "minsheng.logs.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
