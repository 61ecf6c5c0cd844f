"""FirmSync settings: every value comes from the environment (django-environ).

A bad value stops the process at start with a message that names the variable.
"""

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _env(kind, name, **kwargs):
    """Read one variable, turning any parse failure into a message naming it."""
    try:
        return getattr(env, kind)(name, **kwargs)
    except (ValueError, ImproperlyConfigured, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} is invalid: {exc}") from exc


DEBUG = _env("bool", "DEBUG", default=False)
# Under pytest the test settings apply even when FIRMSYNC_TESTING is not exported.
TESTING = _env("bool", "FIRMSYNC_TESTING", default="pytest" in sys.modules)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
SECRET_KEY = _env("str", "SECRET_KEY", default=_DEV_SECRET if (DEBUG or TESTING) else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Environment variable SECRET_KEY is required when DEBUG is off.")
if SECRET_KEY == _DEV_SECRET and not (DEBUG or TESTING):
    raise ImproperlyConfigured("Environment variable SECRET_KEY must be set to a real secret.")

ALLOWED_HOSTS = _env(
    "list",
    "ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "testserver"] if DEBUG or TESTING else [],
)
CSRF_TRUSTED_ORIGINS = _env("list", "CSRF_TRUSTED_ORIGINS", default=[])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"Environment variable CSRF_TRUSTED_ORIGINS is invalid: {_origin!r} needs a scheme"
        )

SANDBOX_ENABLED = _env("bool", "SANDBOX_ENABLED", default=DEBUG or TESTING)
# The sandbox serves fake providers and an unauthenticated control API (reset, seed, tokens): it
# belongs to development and tests. The benchmark alone runs it with DEBUG off, and says so.
SANDBOX_WITHOUT_DEBUG = _env("bool", "SANDBOX_WITHOUT_DEBUG", default=False)
if SANDBOX_ENABLED and not (DEBUG or TESTING or SANDBOX_WITHOUT_DEBUG):
    raise ImproperlyConfigured(
        "Environment variable SANDBOX_ENABLED must be False when DEBUG is off: the sandbox's "
        "control API is unauthenticated and must never run in production."
    )
if SANDBOX_ENABLED:
    # The sandbox providers answer on plain http://127.0.0.1; oauthlib insists on https otherwise.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
# Every provider window (the sandboxes' and our own budgets, leases and stale thresholds) is this
# many times shorter: `make bench` and the worker test measure an hour of real limits in minutes.
# It belongs to the sandbox, so it is refused anywhere the sandbox is not.
SANDBOX_TIME_SCALE = _env("float", "SANDBOX_TIME_SCALE", default=1.0)
if SANDBOX_TIME_SCALE != 1.0 and not SANDBOX_ENABLED:
    raise ImproperlyConfigured(
        "Environment variable SANDBOX_TIME_SCALE must be 1 unless SANDBOX_ENABLED is on: real "
        "providers keep real time."
    )
if not 0.01 <= SANDBOX_TIME_SCALE <= 1000:
    raise ImproperlyConfigured(
        "Environment variable SANDBOX_TIME_SCALE must be between 0.01 and 1000 (1 is real time)."
    )
# The Django admin (behind allauth's sign-in with two-factor, firmsync/admin_site.py) is mounted in
# development; production turns it on deliberately, as it edits rows past the services' rules.
ADMIN_ENABLED = _env("bool", "ADMIN_ENABLED", default=DEBUG or TESTING)
# Where our own server answers; the sandbox providers live under it and the demo talks to it.
SITE_URL = _env("url", "SITE_URL", default="http://127.0.0.1:8000").geturl().rstrip("/")

INSTALLED_APPS = [
    "firmsync.admin_site.FirmSyncAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "accounts",
    "practice",
    "trust",
    "sync",
    "hooks",
    "automations",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS += ["sandbox", "sandbox.clio", "sandbox.quickbooks", "sandbox.xero"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "firmsync.middleware.ContentSecurityPolicyMiddleware",
    "firmsync.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentFirmMiddleware",
    "accounts.middleware.MfaPolicyMiddleware",
]

ROOT_URLCONF = "firmsync.urls"
WSGI_APPLICATION = "firmsync.wsgi.application"

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
                "accounts.context_processors.tenancy",
            ],
        },
    },
]

# Database: SQLite under var/ by default. WAL, IMMEDIATE transactions and a busy timeout keep the
# web server and the task worker from failing with "database is locked".
DATABASES = {
    "default": _env("db_url", "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'firmsync.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL is invalid: use sqlite:///path or postgres://user@host/db."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so live-server tests and threads share it; named after the main file.
    _stem = Path(DATABASES["default"]["NAME"]).stem
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{_stem}.sqlite3")}
elif not TESTING:
    # Tests close every connection so the test database can be dropped at the end.
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
else:
    # Live-server tests answer every request on a new thread; a pool hands each one a warm
    # connection instead of a new server process (Django closes the pool before dropping the test
    # database). A throwaway database need not wait for the disk on every commit either.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "pool": {"min_size": 2, "max_size": 24, "timeout": 60},
            "options": "-c synchronous_commit=off",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Tests create hundreds of users; the production hasher's million rounds would cost minutes.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(_env("str", "STATIC_ROOT_OVERRIDE", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production. Development and the test servers serve the
        # source files through the staticfiles finders (tests/test_static.py builds the manifest).
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: console in development; EMAIL_URL (smtp://user:pass@host:587/?tls=True) elsewhere.
_email = _env("email_url", "EMAIL_URL", default="consolemail://")
globals().update(_email)
DEFAULT_FROM_EMAIL = _env("str", "DEFAULT_FROM_EMAIL", default="FirmSync <no-reply@firmsync.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Provider tokens are encrypted with MultiFernet; the first key encrypts, all keys decrypt.
_DEV_FERNET = "Zmlyc3luYy1kZXYtb25seS1rZXktMDEyMzQ1Njc4OTA="
FIELD_ENCRYPTION_KEYS = _env(
    "list", "FIELD_ENCRYPTION_KEYS", default=[_DEV_FERNET] if (DEBUG or TESTING) else []
)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Environment variable FIELD_ENCRYPTION_KEYS is required when DEBUG is off "
        "(generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )


def _check_fernet_keys(keys):
    import base64
    import binascii

    for key in keys:
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                raise ValueError
        except (ValueError, binascii.Error) as exc:
            raise ImproperlyConfigured(
                "Environment variable FIELD_ENCRYPTION_KEYS is invalid: each key must be "
                "32 url-safe base64-encoded bytes (a Fernet key)."
            ) from exc


_check_fernet_keys(FIELD_ENCRYPTION_KEYS)

REDIS_URL = _env("str", "REDIS_URL", default="")

# Providers: base URLs and OAuth credentials. In development they point at the sandbox.
_sandbox = f"{SITE_URL}/sandbox"
PROVIDERS = {
    "clio": {
        "regions": {
            region: _env(
                "url", f"CLIO_{region.upper()}_BASE_URL", default=f"{_sandbox}/clio/{region}"
            ).geturl()
            for region in ("us", "eu", "ca", "au")
        },
        "client_id": _env("str", "CLIO_CLIENT_ID", default=""),
        "client_secret": _env("str", "CLIO_CLIENT_SECRET", default=""),
    },
    "quickbooks": {
        "authorize_url": _env(
            "url", "QBO_AUTHORIZE_URL", default=f"{_sandbox}/quickbooks/appcenter/connect/oauth2"
        ).geturl(),
        "oauth_base_url": _env(
            "url", "QBO_OAUTH_BASE_URL", default=f"{_sandbox}/quickbooks/oauth"
        ).geturl(),
        "developer_base_url": _env(
            "url", "QBO_DEVELOPER_BASE_URL", default=f"{_sandbox}/quickbooks/developer"
        ).geturl(),
        "api_base_url": _env(
            "url", "QBO_API_BASE_URL", default=f"{_sandbox}/quickbooks/api"
        ).geturl(),
        "client_id": _env("str", "QBO_CLIENT_ID", default=""),
        "client_secret": _env("str", "QBO_CLIENT_SECRET", default=""),
        "webhook_verifier_token": _env("str", "QBO_WEBHOOK_VERIFIER_TOKEN", default=""),
    },
    "xero": {
        "login_base_url": _env(
            "url", "XERO_LOGIN_BASE_URL", default=f"{_sandbox}/xero/login"
        ).geturl(),
        "identity_base_url": _env(
            "url", "XERO_IDENTITY_BASE_URL", default=f"{_sandbox}/xero/identity"
        ).geturl(),
        "api_base_url": _env("url", "XERO_API_BASE_URL", default=f"{_sandbox}/xero/api").geturl(),
        "client_id": _env("str", "XERO_CLIENT_ID", default=""),
        "client_secret": _env("str", "XERO_CLIENT_SECRET", default=""),
        "webhook_key": _env("str", "XERO_WEBHOOK_KEY", default=""),
    },
}

# django-allauth: email + password, verified email, MFA (TOTP + recovery codes).
SITE_ID = 1
LOGIN_REDIRECT_URL = "dashboard"
LOGIN_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupFirmForm"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[FirmSync] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "FirmSync"
# allauth's login rate limits stay at their defaults (ACCOUNT_RATE_LIMITS is not overridden).

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = _env("bool", "SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = _env(
    "int", "SECURE_HSTS_SECONDS", default=0 if DEBUG or TESTING else 31536000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsFirmMember"],
    "DEFAULT_PAGINATION_CLASS": "accounts.api_common.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "accounts.api_common.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "accounts.api_schema.FirmHeaderSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FirmSync API",
    "DESCRIPTION": "Billing and trust sync between Clio and QuickBooks Online or Xero.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Drift's "status" and "kind" share their names with other models' choices; each set is named
    # here (the trust request's keeps the name it had).
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "trust.models.TrustRequest.Kind",
        "DriftKindEnum": "sync.models.Drift.Kind",
        "DriftStatusEnum": "sync.models.Drift.Status",
        "FlaggedBillStatusEnum": "sync.models.FlaggedBill.Status",
        "ReconcileRunStatusEnum": "sync.models.ReconcileRun.Status",
        "BillApprovalStatusEnum": "sync.models.approval.BillApproval.Status",
        "ClioPayoutStatusEnum": "sync.models.payouts.ClioPayout.Status",
        "WebhookDeliveryStatusEnum": "hooks.models.Delivery.Status",
    },
}

# django-q2. Delivery is at least once: timeout < retry, bounded attempts, no catch-up storms.
# Batches in flight at once per push (each provider's writer caps it at what the provider allows).
SYNC_PUSH_CONCURRENCY = _env("int", "SYNC_PUSH_CONCURRENCY", default=1 if TESTING else 4)
# Loops of push rounds side by side, for a provider that asks for more than one (push.Lane).
SYNC_PUSH_LANES = _env("int", "SYNC_PUSH_LANES", default=1 if TESTING else 2)

# Outbound webhooks: endpoints on private, loopback or link-local addresses are refused (a firm's
# API client cannot point FirmSync at the inside of its own network) unless this is on; it is on
# in development and tests, where the receiver runs on this machine.
HOOKS_ALLOW_PRIVATE_URLS = _env("bool", "HOOKS_ALLOW_PRIVATE_URLS", default=DEBUG or TESTING)
# (connect, read) seconds for each delivery: a receiver should answer at once and work later.
HOOKS_TIMEOUT = (3.05, _env("float", "HOOKS_READ_TIMEOUT", default=10.0))
# Delivered and failed events stay in the delivery log (and can be redelivered) this long.
HOOKS_DELIVERY_RETENTION_DAYS = _env("int", "HOOKS_DELIVERY_RETENTION_DAYS", default=30)

Q_CLUSTER = {
    "name": "firmsync",
    "workers": _env("int", "Q_WORKERS", default=2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 5,
    "catch_up": False,
    "save_limit": 500,
    "ack_failures": True,
    "poll": 0.5,
    "label": "Task queue",
}
if TESTING:
    Q_CLUSTER["sync"] = True  # tasks run inline in tests; the worker is exercised by make run
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Every handler redacts secrets carried in URLs (webhook tokens, invitation links, OAuth codes).
# Django's own "django" and "django.server" loggers get our handlers instead of its defaults.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "firmsync.redact.RedactFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": _env("str", "LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
