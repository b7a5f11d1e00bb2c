"""Settings, all read from the environment in this one place.

With no variables set the product runs on an embedded SQLite file and runs Celery tasks in-process,
so a newcomer needs no services at all.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "accounts.admin_apps.ProductAdminConfig",  # django.contrib.admin, scoped (accounts/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "core",
    "accounts",
    "audit",
    "cases",
    "clarification",
    "accountability",
    "stats",
    "inbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "core.limits.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.security.LoadedUserMiddleware",
    "accounts.security.SessionLimitsMiddleware",
    "accounts.security.RequireTwoFactorMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "inbox.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ReachModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Guardian grants are made to named users only; no anonymous user row is needed.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files never live under a public path: they are served by views that check the reach.
PRIVATE_FILES_ROOT = Path(os.environ.get("PRIVATE_FILES_ROOT", DATA_DIR / "private"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_FILES_ROOT)},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
# No broker configured: tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TIME_LIMIT = 1800
CELERY_TASK_SOFT_TIME_LIMIT = 1700
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

CACHES = {
    "default": (
        {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    # The token authenticator first: a missing or bad token is then a 401 with WWW-Authenticate, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.AutoSchema",
    # Request bodies are JSON; the one operation that uploads a file takes multipart (cases/apis.py).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.DefaultCursorPagination",
    # A viewset's `filterset_class` (django-filter) filters its list; the same FilterSet serves the list's page.
    "DEFAULT_FILTER_BACKENDS": ["core.filters.ApiFilterBackend"],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Discipline inspection case management API",
    "DESCRIPTION": "Reports, clarifications and accountability for discipline inspection commissions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page describe every operation: for signed-in users only (issue 12).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Links from an answer naming an object to the operations on it (core/api_links.py, issue 13).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api_links.add_links"],
}

# Sessions: an idle limit (renewed at most once a minute) and an absolute limit from login (accounts/security.py).
# With Redis they are read from the cache and kept in PostgreSQL (accounts/sessions.py): no session query per page,
# and a Redis outage only makes pages read them from the database. Without Redis (the embedded default) they
# stay in the database alone: a per-process cache could keep a signed-out session alive in another process.
SESSION_ENGINE = "accounts.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")

# Content-Security-Policy: everything from this origin, no inline scripts anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): lock the COMBINATION of a user name and a client address after repeated
# failures (a per-name back-off on top: accounts/signin.py and the block "accounts (issue 12)" below).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# An attempt refused while locked tested no password: it must not prolong the lock or feed the back-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.signin.lockout_response"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False

# Two-factor authentication (TOTP with recovery codes) is required for these roles. `make run` (the demo)
# sets it empty so newcomers can log in without an authenticator app.
TWO_FACTOR_ROLES = env_list("TWO_FACTOR_ROLES", "supervisor,admin")
OTP_TOTP_ISSUER = "纪检监察案件管理"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2026")

# Days allowed per report stage or disposition kind, overriding cases/deadlines.py DEFAULT_DAYS, e.g.
# CASE_DEADLINE_DAYS='{"registered": 15, "talk_letter": 30, "preliminary": 90, "held": 180}'.
CASE_DEADLINE_DAYS = json.loads(os.environ.get("CASE_DEADLINE_DAYS", "{}"))

# --- accountability (问责) -------------------------------------------------------------------------
# Influence period (影响期) in months per measure; a decision's period is the longest of its measures.
# When it ends a "may be used again" review falls due. 0 means the measure carries no influence period.
ACCOUNTABILITY_INFLUENCE_MONTHS = {
    "criticism_education": 0,
    "talk_reminder": 0,
    "written_self_criticism": 0,
    "circulated_criticism": 6,
    "admonition": 6,
    "organisational_adjustment": 12,
    "sanction": 12,
    "judicial_transfer": 24,
}
# Months from notification of a decision within which the organisation or person may complain.
ACCOUNTABILITY_COMPLAINT_WINDOW_MONTHS = int(os.environ.get("ACCOUNTABILITY_COMPLAINT_WINDOW_MONTHS", "1"))
# Days after a decision takes effect until the first follow-up visit (回访) is due.
ACCOUNTABILITY_FOLLOWUP_AFTER_DAYS = 90
# --- end accountability ---------------------------------------------------------------------------


# --- API schema enum names ----------------------------------------------------------------------------
# Several models share field names ("kind", "status") with different choices: name every choice set in
# the schema after its app and class (read from the source, so settings import no app code).
def _choice_enum_names() -> dict[str, str]:
    import ast

    names = {}
    for app in ("cases", "clarification", "accountability"):
        path = BASE_DIR / app / "choices.py"
        if not path.exists():
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            bases = {getattr(base, "attr", getattr(base, "id", "")) for base in getattr(node, "bases", [])}
            if isinstance(node, ast.ClassDef) and bases & {"TextChoices", "IntegerChoices"}:
                names[f"{app.capitalize()}{node.name}Enum"] = f"{app}.choices.{node.name}"
    return names


SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = _choice_enum_names()
# --- end API schema enum names ------------------------------------------------------------------------

# --- Public intake (cases/public_views.py): rate limits of the reporting and receipt-lookup pages ---
# Successful public reports per client address per hour, and receipt lookups (and supplements) per 10 minutes.
# Sized for a busy service hall (issue 16): a QR poster on shared Wi-Fi, or a carrier's shared address, carries
# many honest reporters behind one address; automated floods are held off by the proof of work below, which
# costs per report whatever the address. SECURITY.md gives the reasoning.
PUBLIC_REPORTS_PER_HOUR = int(os.environ.get("PUBLIC_REPORTS_PER_HOUR", "60"))
RECEIPT_LOOKUPS_PER_WINDOW = int(os.environ.get("RECEIPT_LOOKUPS_PER_WINDOW", "60"))
# The proof-of-work challenge of the public report form (core/challenge.py): the largest secret number (a browser
# tries half of it on average: about a second on a phone at 100,000), and how long one challenge stays valid.
PUBLIC_CHALLENGE_MAX_NUMBER = int(os.environ.get("PUBLIC_CHALLENGE_MAX_NUMBER", "100000"))
PUBLIC_CHALLENGE_MAX_AGE = int(os.environ.get("PUBLIC_CHALLENGE_MAX_AGE", str(60 * 60)))
# The client address behind a reverse proxy: CLIENT_IP_HEADER in the block "accounts (issue 12)" below.

# --- statistics (stats/) ---------------------------------------------------------------------------
# A direct (streamed) export of more rows than this is refused; the user starts a background export instead.
STATS_MAX_SYNC_EXPORT_ROWS = int(os.environ.get("STATS_MAX_SYNC_EXPORT_ROWS", "50000"))
# A background export records its progress (the bar on its page, the resume point) every this many rows.
STATS_EXPORT_PROGRESS_ROWS = int(os.environ.get("STATS_EXPORT_PROGRESS_ROWS", "2000"))
# --- end statistics --------------------------------------------------------------------------------

# --- scale-out (issue 7, docs/scaling.md) -------------------------------------------------------------
# A read replica for statistics and exports: set DATABASE_REPLICA_URL and config/db_router.py sends the
# statistics app's reads (and reads inside db_router.replica_reads()) there; everything else stays on default.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
# Behind PgBouncer in transaction pooling mode: DB_CONN_MAX_AGE=0 and PGBOUNCER_TRANSACTION_POOLING=1
# (server-side cursors do not survive a pooled transaction).
if env_bool("PGBOUNCER_TRANSACTION_POOLING", False):
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
# Separate Celery queues, so a long export or a monthly batch never delays short tasks: run workers with
# `celery -A config worker -Q celery` and `-Q exports` and `-Q batch` (on one host or several).
CELERY_TASK_ROUTES = {
    "stats.tasks.*export*": {"queue": "exports"},
    "stats.tasks.*snapshot*": {"queue": "batch"},
    "clarification.tasks.*": {"queue": "batch"},
    "accountability.tasks.*": {"queue": "batch"},
}
# --- end scale-out --------------------------------------------------------------------------------------

# --- exports (issue 12, items 10 and 15) ----------------------------------------------------------------
# Days a background export's file is kept after it is written; then downloads answer 410 and the daily job
# (stats.tasks.expire_exports) deletes the file.
EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", "7"))
# --- end exports ----------------------------------------------------------------------------------------

# --- accounts: API tokens, login throttling, the client address (issue 12) ----------------------------------
# API tokens (accounts/tokens.py) expire this many hours after they are issued.
API_TOKEN_TTL_HOURS = float(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
# Per user name, past this many failures from all addresses (within LOGIN_LOCKOUT_HOURS), each attempt waits a
# delay that doubles per failure up to LOGIN_BACKOFF_MAX_SECONDS; the password with a one-time code is let in.
LOGIN_BACKOFF_AFTER_FAILURES = int(os.environ.get("LOGIN_BACKOFF_AFTER_FAILURES", str(2 * AXES_FAILURE_LIMIT)))
LOGIN_BACKOFF_MAX_SECONDS = int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", "60"))


def _meta_header(name: str) -> str:
    """The request.META key of a header: X-Real-IP and HTTP_X_REAL_IP both give HTTP_X_REAL_IP."""
    name = name.strip().upper().replace("-", "_")
    return name if not name or name.startswith("HTTP_") or name == "REMOTE_ADDR" else f"HTTP_{name}"


# Behind a reverse proxy, the header holding the client address it saw (e.g. X-Real-IP), read by the login
# throttling and the public rate limits alike; empty means REMOTE_ADDR. Set it only when the proxy overwrites
# that header on every request, or clients could forge their address. RATELIMIT_CLIENT_IP_HEADER is the old name.
CLIENT_IP_HEADER = _meta_header(os.environ.get("CLIENT_IP_HEADER", os.environ.get("RATELIMIT_CLIENT_IP_HEADER", "")))
# --- end accounts (issue 12) ------------------------------------------------------------------------------

# --- audit trail (issue 12) ---------------------------------------------------------------------------
# The key of the audit chain's HMAC and of its checkpoints' signatures. It lives in the environment (the same
# value for web, worker and beat), never in the database or its backups: whoever can rewrite the table cannot
# recompute the chain without it. The embedded default (DEBUG=1, no variable) derives one from SECRET_KEY; with
# DEBUG=0 a missing key is a system check error (audit/checks.py), so the product does not start. Changing it
# makes every existing event fail verification.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "") or (f"derived-from-SECRET_KEY:{SECRET_KEY}" if DEBUG else "")
# Signed checkpoints of the chain's head (audit/checkpoints.py), appended one line each by the beat job and by
# `manage.py audit_checkpoint`, also written to the log; `verify_audit --since-checkpoint` checks the trail
# against them. Keep it outside the database, and ship the log lines somewhere the database's users cannot edit.
AUDIT_CHECKPOINT_FILE = Path(os.environ.get("AUDIT_CHECKPOINT_FILE", DATA_DIR / "audit-checkpoints.log"))
# --- end audit trail -----------------------------------------------------------------------------------

# --- hardening: identity keys, request size, no-store (issue 12) ---------------------------------------------
# Reporter identities (core/crypto.py): IDENTITY_KEYS is a comma-separated list of Fernet keys, newest first;
# IDENTITY_HASH_KEY keys the hashes of receipt codes and repeat reporters (it can never change). With DEBUG=1 and
# neither set, both are derived from SECRET_KEY; with DEBUG=0 the system check (core/checks.py, core.E001-E004)
# refuses to start without them, since a new SECRET_KEY would make every identity and receipt code unreadable.
IDENTITY_KEYS = env_list("IDENTITY_KEYS", "")
IDENTITY_HASH_KEY = os.environ.get("IDENTITY_HASH_KEY", "")

# Request size (core/limits.py), the same for pages and the API. A body over MAX_REQUEST_MB is refused with 413
# before anything reads it (the reverse proxy in deploy/nginx/nginx.conf refuses it even earlier, at the same size);
# each file may have MAX_UPLOAD_MB, and a form takes MAX_UPLOAD_FILES files.
MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "10"))
MAX_REQUEST_MB = int(os.environ.get("MAX_REQUEST_MB", "50"))
MAX_UPLOAD_FILES = int(os.environ.get("MAX_UPLOAD_FILES", "10"))
ATTACHMENT_MAX_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_REQUEST_BYTES = MAX_REQUEST_MB * 1024 * 1024
# Uploads go to a temporary file on disk as soon as a request is over 256 KB, so no file sits in memory;
# form fields and JSON bodies (read into memory) stay under Django's default 2.5 MB.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = min(MAX_REQUEST_BYTES, 2_621_440)
# The forms refuse a file too many with a message that keeps what was typed; the parser stops a flood of them.
DATA_UPLOAD_MAX_NUMBER_FILES = 2 * MAX_UPLOAD_FILES
# --- end hardening ----------------------------------------------------------------------------------------

# --- administration and account recovery (issue 12, items 1 and 14) ---------------------------------------
# A second factor can be enrolled only this many minutes after the password login of the session
# (accounts/two_factor.py); later, the user signs in again first.
TWO_FACTOR_ENROL_WITHIN_MINUTES = int(os.environ.get("TWO_FACTOR_ENROL_WITHIN_MINUTES", "10"))
# --- end administration and account recovery ---------------------------------------------------------------

# --- scheduled work never skips a month (issue 14) ---
# A monthly job's runner writes a heartbeat this often; a run without one for JOBS_STALE_MINUTES is shown as
# stale on the batch page and run again by the daily catch-up (core.tasks.catch_up_monthly_jobs).
JOBS_HEARTBEAT_SECONDS = int(os.environ.get("JOBS_HEARTBEAT_SECONDS", "30"))
JOBS_STALE_MINUTES = int(os.environ.get("JOBS_STALE_MINUTES", "10"))
CELERY_TASK_ROUTES["core.tasks.catch_up_monthly_jobs"] = {"queue": "batch"}
# --- end scheduled work ---

# --- people counted, rules enforced, the API complete (issue 14, part b) ---------------------------------
# Seconds during which a report form sent twice (double click, lost answer) shows its receipt code again, once,
# to the browser that sent it (cases/services/receipts.py); 0 turns this off.
RECEIPT_RESHOW_SECONDS = int(os.environ.get("RECEIPT_RESHOW_SECONDS", "1800"))
# --- end issue 14, part b ---------------------------------------------------------------------------------


# --- notifications: the inbox and its email (issue 15, inbox/) ------------------------------------------------
# Notifications are also emailed (inbox/emails.py: the kind and a link only) where an email server is set:
# EMAIL_URL (smtp://user:password@host:587, smtp+tls://..., smtp+ssl://..., console://) or the EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL variables. `make run` sets
# EMAIL_URL=console:// (emails are printed); the tests use Django's in-memory backend. INBOX_EMAIL=0 turns it off.
def _email_from_url(url: str) -> dict:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    backends = {"console": "console", "locmem": "locmem", "dummy": "dummy", "file": "filebased"}
    if scheme in backends:
        return {"EMAIL_BACKEND": f"django.core.mail.backends.{backends[scheme]}.EmailBackend"}
    if scheme not in {"smtp", "smtp+tls", "smtp+ssl", "submission"}:
        raise ValueError(f"EMAIL_URL: unknown scheme {scheme!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or {"smtp+ssl": 465, "smtp": 25}.get(scheme, 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme in {"smtp+tls", "submission"},
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
    }


EMAIL_URL = os.environ.get("EMAIL_URL", "")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_URL:
    globals().update(_email_from_url(EMAIL_URL))
elif EMAIL_HOST:
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # nothing leaves a development machine
INBOX_EMAIL = env_bool("INBOX_EMAIL", bool(EMAIL_URL or EMAIL_HOST))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
# The address of the product as its users reach it: the link in notification emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# --- end notifications ----------------------------------------------------------------------------------------

# --- system checks (issue 16) ----------------------------------------------------------------------------------
# models.W040: SQLite has no covering indexes, so it ignores the INCLUDE column of cases.Report's report_open_idx
# (on PostgreSQL the live statistics count open work from that index alone). The embedded SQLite default (`make run`)
# loses only that speed-up, and the warning printed on every migrate taught newcomers to ignore warnings; on
# PostgreSQL the check stays on, where W040 would mean a real problem.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# --- end system checks ---------------------------------------------------------------------------------------
