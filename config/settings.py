"""Settings for Lianzheng, all read from the environment (see README "Configuration").

DEBUG is off unless the environment turns it on (``make run`` does). With DEBUG off
SECRET_KEY is required and the HTTPS protections are on by default, so that
``manage.py check --deploy`` is clean once SECRET_KEY and ALLOWED_HOSTS are set.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_rate, env_secret, env_str, secret_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _local_secret_key(path: Path, *, nbytes: int = 64) -> str:
    """Read, or create once, a development secret kept outside the repository."""
    return secret_file(path, lambda: secrets.token_urlsafe(nbytes))


SECRET_KEY = env_secret("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off; "
            "for local development run with DEBUG=1 (make run does)"
        )
    SECRET_KEY = _local_secret_key(VAR_DIR / "secret_key")

# Master key-encryption key for organisations' private keys (identity.signing).
# Development (DEBUG) creates one under var/ like the secret key; production must
# set LIANZHENG_MASTER_KEY or LIANZHENG_MASTER_KEY_FILE (32 bytes, hex or base64url).
LIANZHENG_MASTER_KEY = env_secret("LIANZHENG_MASTER_KEY")
if LIANZHENG_MASTER_KEY is None and DEBUG:
    LIANZHENG_MASTER_KEY = _local_secret_key(VAR_DIR / "master_key", nbytes=32)
LIANZHENG_KEY_STORE = env_str("LIANZHENG_KEY_STORE", "identity.signing.SealedDatabaseKeyStore")

# The platform's public origin: organisations' did:web DIDs, status list URLs,
# verification links in QR codes and claim links are built from it.
PUBLIC_URL = (env_str("PUBLIC_URL", "http://127.0.0.1:8000" if DEBUG else None) or "").rstrip("/")
if not PUBLIC_URL:
    raise ImproperlyConfigured("PUBLIC_URL (e.g. https://credentials.example.edu.cn) must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so that runserver does not serve static files itself
    # and development sees the same static handling as production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "identity",
    "credentials",
    "wallets",
    "anchoring",
]

MIDDLEWARE = [
    # First, so that every response carries the policy (static files included).
    "credentials.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body: refuses oversized bodies with 413.
    "credentials.middleware.BodySizeLimitMiddleware",
    # NUL in a path or query would reach PostgreSQL as a 500: refused here once.
    "credentials.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "identity.middleware.StaffMFAMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Accounts (django-allauth): email and password; TOTP (and recovery codes) as
# second factor. Organisation staff must have TOTP before the portal lets them
# in, unless STAFF_MFA_REQUIRED is turned off (make run's demo does, and says so).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_REDIRECT_URL = "/portal/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Lianzheng"
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", True)

# Email: the console backend in development, SMTP from the environment otherwise.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lianzheng <no-reply@localhost>")

# Claim links sent to holders expire after this many days (they can be re-sent).
CLAIM_LINK_DAYS = env_int("CLAIM_LINK_DAYS", 30, minimum=1)
# Batch uploads: largest CSV accepted and most rows in one batch.
BATCH_MAX_BYTES = env_int("BATCH_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
BATCH_MAX_ROWS = env_int("BATCH_MAX_ROWS", 50000, minimum=1)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# SQLite under var/ for a fresh clone; PostgreSQL (psycopg 3) through DATABASE_URL.
DATABASE_URL = env_secret("DATABASE_URL")
if DATABASE_URL is None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    # The message of dj-database-url does not contain the URL (and its password).
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
del DATABASE_URL
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run's web server and worker share the file: WAL lets readers go on
    # while the worker writes, IMMEDIATE transactions queue writers instead of
    # failing with "database is locked" on lock upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "transaction_mode": "IMMEDIATE", "timeout": 30}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: English and Simplified Chinese.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest needs collectstatic; development serves the sources as they are.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Request size: Django refuses larger bodies by Content-Length, and
# credentials.middleware also caps the bytes actually read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# HTTPS: on by default whenever DEBUG is off. The proxy header is trusted only
# because production runs behind a proxy that sets it (see README).
_PRODUCTION = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _PRODUCTION)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", _PRODUCTION) else None
)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
# The language choice outlives the browser session (Django's default is a
# session cookie); it is read only by the server, so scripts never need it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent by credentials.middleware on every response. Nothing is inline: the pages
# and the admin load their scripts and styles from /static/ only.
CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
# Django's DEBUG error pages use inline code: in development violations are reported, not blocked.
CONTENT_SECURITY_POLICY_REPORT_ONLY = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": [
        "credentials.api.parsers.StrictJSONParser",
        "credentials.api.parsers.StrictJSONLDParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "credentials.problems.api_exception_handler",
    # Per client address, counted in the default cache. That is per-process
    # LocMem unless CACHES says otherwise, so with N workers a client may get up
    # to N times the rate; a shared cache (Redis) makes it exact.
    "DEFAULT_THROTTLE_RATES": {
        "verify": env_rate("VERIFY_RATE", "120/minute"),
        "resolve": env_rate("RESOLVE_RATE", "120/minute"),
        # Per issuer API key (not per address): a student information system.
        "api_key": env_rate("API_KEY_RATE", "1200/minute"),
    },
    # The client address is the last X-Forwarded-For entry added by this many
    # proxies; production sits behind one (see SECURE_PROXY_SSL_HEADER). With 0
    # only REMOTE_ADDR counts, so a client cannot pick its own address.
    "NUM_PROXIES": env_int("NUM_PROXIES", 1 if _PRODUCTION else 0, minimum=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Lianzheng issuer API",
    "DESCRIPTION": "Issue Open Badges 3.0 diplomas as W3C Verifiable Credentials, one or in batches; VC-API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The interactive docs load Swagger UI from /static/ (drf-spectacular-sidecar):
    # the CSP allows no third-party origins.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery. Without CELERY_BROKER_URL a filesystem broker under var/ lets a real
# worker and beat run on one machine with nothing else installed.
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _queue = VAR_DIR / "celery" / "queue"
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Broadcast (control) messages; kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
BATCH_CHUNK_ROWS = env_int("BATCH_CHUNK_ROWS", 500, minimum=1)
CELERY_BEAT_SCHEDULE = {
    # A batch whose worker host died while other workers live would otherwise wait
    # for the broker's visibility timeout (an hour on Redis).
    "batches-resume": {"task": "credentials.tasks.batches_resume", "schedule": 300.0},
}

# Logging goes to stderr. Formatters print only the message: Django's request
# loggers attach the request object, and printing it (or the body) could leak
# credentials, tokens or personal data, so no handler here ever does.
LOG_LEVEL = (env_str("LOG_LEVEL", "INFO") or "INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}")


class _AsWarningWithoutTraceback(logging.Filter):
    """Turn a record into a one-line WARNING.

    Django logs every request with a Host outside ALLOWED_HOSTS as an ERROR with
    a traceback; on a public server that is scanner noise, not a fault.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        record.exc_info = None
        record.exc_text = None
        return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {
        "as_warning_without_traceback": {"()": _AsWarningWithoutTraceback},
        # Claim links are capability URLs: a request path logged on an error must not carry one.
        "redact_claim_tokens": {"()": "credentials.access_log.RedactClaimTokens"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_claim_tokens"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # 4xx answers (a credential that did not verify is a 422) are normal
        # traffic for a verification API; server errors are still logged.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security.DisallowedHost": {"filters": ["as_warning_without_traceback"]},
        # Database queries carry parameters, which may be personal data.
        "django.db.backends": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "identity": {"level": LOG_LEVEL},
        "credentials": {"level": LOG_LEVEL},
        "wallets": {"level": LOG_LEVEL},
        "anchoring": {"level": LOG_LEVEL},
        "celery": {"level": "INFO"},
    },
}

# --- Anchoring ---
# ANCHOR_CHAINS: a JSON list of chains (name, rpc_url, chain_id, contract,
# signer_key_file, finality "finalized" or a number of confirmations; see
# anchoring/chains/__init__.py), inline or in the file ANCHOR_CHAINS_FILE. With
# none configured, leaves wait unsealed and nothing fails.
import json as _json  # noqa: E402

from anchoring.chains import ChainConfig as _ChainConfig, ChainConfigError as _ChainConfigError  # noqa: E402

_anchor_chains_raw = env_str("ANCHOR_CHAINS")
_anchor_chains_file = env_str("ANCHOR_CHAINS_FILE")
if _anchor_chains_raw and _anchor_chains_file:
    raise ImproperlyConfigured("set ANCHOR_CHAINS or ANCHOR_CHAINS_FILE, not both")
if _anchor_chains_file:
    try:
        _anchor_chains_raw = Path(_anchor_chains_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(f"ANCHOR_CHAINS_FILE: cannot read {_anchor_chains_file}: {exc.strerror}") from None
try:
    ANCHOR_CHAINS = _json.loads(_anchor_chains_raw) if _anchor_chains_raw else []
    if not isinstance(ANCHOR_CHAINS, list):
        raise ValueError("a JSON list")
    _names = [_ChainConfig.from_dict(entry).name for entry in ANCHOR_CHAINS]
    if len(set(_names)) != len(_names):
        raise ValueError("chain names must differ")
except (ValueError, TypeError, _ChainConfigError) as exc:
    raise ImproperlyConfigured(f"ANCHOR_CHAINS: {exc}") from None
ANCHOR_BATCH_MAX_LEAVES = env_int("ANCHOR_BATCH_MAX_LEAVES", 10000, minimum=1)
ANCHOR_BATCH_SECONDS = env_int("ANCHOR_BATCH_SECONDS", 60, minimum=0)
ANCHOR_TICK_SECONDS = env_int("ANCHOR_TICK_SECONDS", 5, minimum=1)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "anchoring-seal": {"task": "anchoring.seal", "schedule": float(ANCHOR_TICK_SECONDS)},
    "anchoring-tick": {"task": "anchoring.tick", "schedule": float(ANCHOR_TICK_SECONDS)},
}
# --- end Anchoring ---
