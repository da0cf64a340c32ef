"""Settings for the NADD Commitment Tracker, read from the environment.

Development (the default) works with no configuration at all: an embedded PostgreSQL and
a throw-away secret key. DEBUG is off unless ``DJANGO_DEBUG=1`` asks for Django's debug
pages, so ``make run`` shows the site as people meet it (the real error pages, static
files from WhiteNoise). Production (``DJANGO_ENV=production``) refuses to start unless
every secret it needs is given.
"""

import datetime
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"


def env_json(name):
    try:
        return json.loads(os.environ[name])
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be JSON: {error}") from None


def env_secret(name):
    """A secret from ``NAME`` or from the file that ``NAME_FILE`` names (Docker/K8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name)


for _name in ("SECRET_KEY", "DATABASE_URL", "CACHE_URL"):
    if not os.environ.get(_name) and os.environ.get(f"{_name}_FILE"):
        os.environ[_name] = env_secret(_name)

if PRODUCTION:
    missing = [
        name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(name)
    ]
    if missing:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs these environment variables: " + ", ".join(missing)
        )

SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-never-used-in-production"  # noqa: S105
# Off unless asked for: the debug pages list every URL pattern and setting.
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Exact origins only (scheme://host[:port]): a wildcard would trust every subdomain.
for _origin in CSRF_TRUSTED_ORIGINS:
    if "*" in _origin or not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS must list exact origins like https://host; got {_origin!r}"
        )

INSTALLED_APPS = [
    "commitments.apps.AdminConfig",  # django.contrib.admin, every change audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",  # the widgets' own templates, for FORM_RENDERER below
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "django_tasks_db",
    "commitments",
]

# Order matters: the header middlewares come before WhiteNoise so that static files and
# error responses carry the same headers as pages.
MIDDLEWARE = [
    "commitments.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "commitments.middleware.SecurityHeadersMiddleware",
    "commitments.middleware.AllowedMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session (cookie) and the CSRF check (body): see its docstring.
    "commitments.middleware.InputHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "commitments.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After the CSRF check, before the sign-in rule: a form posted once its session has
    # ended is kept for after sign-in (commitments/kept_forms.py).
    "commitments.middleware.KeepFormMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "commitments.middleware.UserLanguageMiddleware",
    "commitments.middleware.RequireMFAMiddleware",
    "commitments.middleware.AdminReauthMiddleware",
    "commitments.middleware.RateLimitMiddleware",
    "commitments.middleware.CoordinatorReadOnlyMiddleware",
    "commitments.middleware.DenialLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that a locked-out sign-in answers 429 before anything else sees it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nadd.urls"
WSGI_APPLICATION = "nadd.wsgi.application"

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
                "django.template.context_processors.csp",
                "commitments.context_processors.membership",
                "commitments.context_processors.session_timeout",
                "commitments.handling.context",
            ],
        },
    },
]

# Every form's fields: drawn with the site's templates (templates/ first, so that our fixes
# to the admin's widget templates in templates/admin/widgets/ apply), and required ones say
# so on each control (commitments/rendering.py).
FORM_RENDERER = "commitments.rendering.FormRenderer"

# PostgreSQL always: the one DATABASE_URL names, otherwise an embedded server in .pgdata/,
# started by its backend at the first connection (reading the settings starts nothing).
DATABASE_OPTIONS = {"conn_max_age": 60, "conn_health_checks": True, "ssl_require": False}
if os.environ.get("DATABASE_URL"):
    DATABASE_URL = os.environ["DATABASE_URL"]
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, **DATABASE_OPTIONS)}
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database.")
else:
    from nadd import embedded_db

    DATABASE_URL = embedded_db.url()  # where it is, or will be once started
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, engine="nadd.embedded_postgresql", **DATABASE_OPTIONS
        )
    }
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        "connect_timeout": 3,
        # A runaway query is cut off instead of holding a worker for ever. JIT off: pages
        # run short indexed queries, and compiling one the planner happens to price high
        # costs milliseconds a page never wins back.
        "options": "-c statement_timeout=30000 -c jit=off",
    }
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_MIN_LENGTH = 15
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "commitments.validators.OwnNamesValidator"},
    {"NAME": "commitments.validators.ContextWordsValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    # Repeating a pattern shorter than the minimum length does not reach it.
    {
        "NAME": "commitments.validators.RepetitionValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH, "min_distinct": 5},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "commitments" / "locale"]
# Spanish groups thousands with a point ("1.234,5"), as the governments write it.
FORMAT_MODULE_PATH = ["nadd.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
# collectstatic fills STATIC_ROOT in production; elsewhere WhiteNoise serves from the finders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
# Files browsers ask for at the site's root (/favicon.ico), served as they are.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STATICFILES_DIRS = [BASE_DIR / "static"]


def evidence_storage():
    """Where evidence files are kept (the ``evidence`` storage), from the environment."""
    if os.environ.get("EVIDENCE_FILES_STORAGE"):
        return env_json("EVIDENCE_FILES_STORAGE")
    if os.environ.get("EVIDENCE_S3_BUCKET"):
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ["EVIDENCE_S3_BUCKET"],
                "endpoint_url": os.environ.get("EVIDENCE_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("EVIDENCE_S3_REGION") or None,
                "location": os.environ.get("EVIDENCE_S3_PREFIX", "evidence"),
                # Never public: the application streams each file to those allowed.
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "object_parameters": {"ContentDisposition": "attachment"},
            },
        }
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get(
                "EVIDENCE_FILES_DIR", str(BASE_DIR / "private" / "evidence")
            ),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files the background jobs produce (exports, brief PDFs): private, outside the web
    # root and never served by WhiteNoise; each is handed out by the job's download view
    # to the person who asked (commitments/jobs.py). JOB_FILES_STORAGE (JSON: a backend
    # and its options) puts them elsewhere, e.g. an S3-compatible bucket.
    "job_files": (
        env_json("JOB_FILES_STORAGE")
        if os.environ.get("JOB_FILES_STORAGE")
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": os.environ.get("JOB_FILES_DIR", str(BASE_DIR / "private" / "jobs")),
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    ),
    # Evidence files officials attach to their reports (commitments/evidence.py): private,
    # outside the web root, each handed out only by its download view to those who may
    # read the report. Local files by default; an S3-compatible bucket when
    # EVIDENCE_S3_BUCKET names one (django-storages; credentials from the usual AWS_*
    # variables or the machine's role); any backend as JSON in EVIDENCE_FILES_STORAGE.
    "evidence": evidence_storage(),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security headers on every response. Nothing inline: scripts and styles come from /static/.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Not a Django setting: SecurityHeadersMiddleware sends it on every response.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Sessions (a security decision, ASVS 7.1.1): signed-in sessions end after 30 minutes
# without a request and 12 hours after sign-in whatever the activity (NIST 800-63B AAL2).
# The session table records the user, so all of a user's sessions can be ended at once.
SESSION_ENGINE = "commitments.sessions"
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Signed-in pages warn this long before the session ends (a dialog offering to stay
# signed in), and a form posted after it ended is kept this long for its author to get
# back after signing in again (commitments/kept_forms.py).
SESSION_TIMEOUT_WARNING = 5 * 60
KEPT_FORM_MAX_AGE = 8 * 60 * 60
# Re-entering the password (or an OTP) is asked again before changing an MFA device or
# making an admin change when the last one is older than this.
REAUTH_MAX_AGE = 30 * 60

# The production settings, in one place so the tests can apply exactly these.
PRODUCTION_SECURITY = {
    "SECURE_SSL_REDIRECT": env_bool("SECURE_SSL_REDIRECT", True),
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
    "LANGUAGE_COOKIE_NAME": "__Host-language",
    "LANGUAGE_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_HTTPONLY": True,
    "LANGUAGE_COOKIE_SAMESITE": "Lax",
    "SIGN_IN_DEVICE_COOKIE_NAME": "__Host-nadd_device",
}
# A browser where an account signed in keeps a signed cookie saying so (a keyed hash of
# the username, never the name itself) for 90 days: it is not slowed by password spraying
# from its address (see RATE_LIMITS).
SIGN_IN_DEVICE_COOKIE_NAME = "nadd_device"
SIGN_IN_DEVICE_COOKIE_AGE = 90 * 24 * 60 * 60
if PRODUCTION:
    globals().update(PRODUCTION_SECURITY)

# Two-factor sign-in (django-otp): TOTP plus single-use recovery codes, for every role.
# On by default in production; off in development so the demo accounts sign in with a
# password alone (REQUIRE_MFA=1 turns it on locally).
REQUIRE_MFA = env_bool("REQUIRE_MFA", PRODUCTION)
OTP_TOTP_ISSUER = "NADD Commitment Tracker"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a TOTP secret

# Security keys and passkeys (WebAuthn, django-otp-webauthn): a second step after the
# password, never instead of it (django-axes and the sign-in audit see every sign-in).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "NADD Commitment Tracker"
# The relying party id (a domain: keys work on it and its subdomains) and the exact
# origins a key's signature may name. Unset, both come from the request itself (its host
# without the port, its scheme and host), which ALLOWED_HOSTS already restricts.
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "").strip().lower()
WEBAUTHN_ORIGINS = env_list("WEBAUTHN_ORIGINS", [])
for _origin in WEBAUTHN_ORIGINS:
    if "*" in _origin or not _origin.startswith(("https://", "http://localhost")):
        raise ImproperlyConfigured(
            f"WEBAUTHN_ORIGINS must list exact https:// origins; got {_origin!r}"
        )
OTP_WEBAUTHN_RP_ID = WEBAUTHN_RP_ID
OTP_WEBAUTHN_RP_ID_CALLABLE = "commitments.mfa.webauthn_rp_id"
OTP_WEBAUTHN_HELPER_CLASS = "commitments.mfa.WebAuthnHelper"
# What the library's own checks see. Our helper accepts WEBAUTHN_ORIGINS when given and
# otherwise the request's own origin, whose host ALLOWED_HOSTS admits: these are the
# https:// forms of those hosts (with ALLOWED_HOSTS="*" the list is empty and the library
# asks for WEBAUTHN_ORIGINS, rightly).
OTP_WEBAUTHN_ALLOWED_ORIGINS = WEBAUTHN_ORIGINS or [
    f"https://{host}" for host in ALLOWED_HOSTS if host and "*" not in host and host[0] != "."
]
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "commitments.webauthn"

# Roles that must sign in with a security key (phishing-resistant, OMB M-22-09): the app
# is not offered to them and a session verified by the app or a recovery code does not
# count. Comma-separated role names; set it empty to require no role to use a key.
PHISHING_RESISTANT_ROLE_CHOICES = {"official", "coordinator", "admin"}
PHISHING_RESISTANT_ROLES = (
    env_list("PHISHING_RESISTANT_ROLES", [])
    if "PHISHING_RESISTANT_ROLES" in os.environ
    else (["admin", "coordinator"] if PRODUCTION else [])
)
if set(PHISHING_RESISTANT_ROLES) - PHISHING_RESISTANT_ROLE_CHOICES:
    raise ImproperlyConfigured(
        "PHISHING_RESISTANT_ROLES may name only "
        + ", ".join(sorted(PHISHING_RESISTANT_ROLE_CHOICES))
        + f"; got {os.environ.get('PHISHING_RESISTANT_ROLES')!r}"
    )

# Sign-in throttling (a security decision, ASVS 6.3.1 / NIST SP 800-63B rate limiting):
# only failed sign-ins count, never successful ones, so an office of hundreds behind one
# address signs in freely, and no one can spend an allowance that others need.
# - One address guessing one account: the (address, username) pair is locked after 5
#   failures. Many addresses guessing one account: the username is locked after 20
#   failures from all addresses together (more than one address can reach alone
#   quickly, so one attacker cannot lock the owner out everywhere at will).
# - A lock lasts 15 minutes from the last failure; after it, every further failure locks
#   again, twice as long for each further batch (5 or 20) of failures, up to 4 hours.
#   Failures are forgotten 24 hours after the last one; a successful sign-in clears
#   those of that address and browser. Refused attempts during a lock count for nothing.
# - Password spraying (a few guesses at many usernames from one address) is slowed by
#   RATE_LIMITS["login_failures_*"] below; browsers that hold a device cookie for the
#   username they sign in with are neither counted nor refused by it.
SIGN_IN_LOCKOUTS = [
    # (axes lockout parameters, failures that lock them)
    (["ip_address", "username"], 5),
    (["username"], 20),
]
SIGN_IN_LOCK_FIRST = datetime.timedelta(minutes=15)
SIGN_IN_LOCK_LONGEST = datetime.timedelta(hours=4)
AXES_HANDLER = "commitments.signin.SignInLockoutHandler"
AXES_LOCKOUT_PARAMETERS = [parameters for parameters, _limit in SIGN_IN_LOCKOUTS]
# SignInLockoutHandler.get_failures answers 1 while a lock is in force.
AXES_FAILURE_LIMIT = 1
AXES_COOLOFF_TIME = datetime.timedelta(hours=24)  # how long failures are remembered
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "commitments.signin.sign_in_locked"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "token"]
# The username as typed, control characters escaped: a NUL byte is counted, not a crash.
AXES_USERNAME_CALLABLE = "commitments.signin.axes_username"

# How many reverse proxies (that append to X-Forwarded-For) stand in front of the app;
# the client's address for rate limits and lockouts is read accordingly.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "commitments.clients.client_ip"

# Page fragments are shared by every process and instance through the Redis server that
# CACHE_URL names (redis://, rediss:// or unix://; or CACHE_URL_FILE); without one, each
# process keeps its own (commitments/cache.py; docs/deployment.md#a-shared-cache).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "CACHE_URL must name a Redis server: redis://host:6379/0, rediss://… or unix://…"
    )
CACHES = {
    # Counters shared by every process (rate limits): the database, never process memory.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "nadd_cache",
    },
    # Page fragments keyed by the data stamps PostgreSQL keeps (commitments/fragments.py):
    # checked against the database on every read, so a per-process copy is safe, and so
    # is one shared copy.
    "fragments": (
        {
            "BACKEND": "commitments.cache.SharedFragmentCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "nadd"),
            "TIMEOUT": 24 * 60 * 60,
            # Redis answers in well under a millisecond: a server that does not answer in
            # a quarter of a second is taken as down, and pages are drawn without it.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "nadd-fragments",
            "TIMEOUT": 24 * 60 * 60,
            # A few thousand small fragments (rows, cards) and a few large ones per process.
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
    ),
}
# Limits counted by code rather than per request, by name -> (requests, seconds, per "user"
# or "ip"). A view's own cap on POSTs is declared on the view (@policy.rate_limit in
# commitments/views/ and its accounts.py: update_create, mfa_verify, reauth); an entry
# here under the same name replaces its numbers for a deployment (settings_bench does).
RATE_LIMITS = {
    # Not routes: failed sign-ins from one address (an IPv6 /64) by browsers without a device
    # cookie for the username tried, counted by the sign-in view. Past either, such sign-ins
    # from that address are refused (429, not even checked) until the window ends: a
    # spraying run gets 100 guesses an hour and 300 a day from one address, while an
    # office's mistyped passwords stay far below.
    "login_failures_hour": (100, 60 * 60, "ip"),
    "login_failures_day": (300, 24 * 60 * 60, "ip"),
    # Meeting brief PDFs drawn afresh (a new drawing job, not a kept file), counted by the
    # view that starts the job (commitments/views/jobs.py).
    "brief_pdf": (10, 10 * 60, "user"),
}

# Background jobs (commitments/jobs.py): Django's tasks framework with its queue in the
# database (django-tasks-db); `manage.py db_worker` runs them (make run starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# How many jobs one person may have queued or running at once.
JOBS_MAX_RUNNING = int(os.environ.get("JOBS_MAX_RUNNING", "3"))
# How long a finished job's file is kept (then deleted: manage.py expire_job_files, and
# the worker after each job).
JOBS_FILE_HOURS = int(os.environ.get("JOBS_FILE_HOURS", "24"))
# An export of more rows than this also e-mails its link when it is ready.
JOBS_EMAIL_ROWS = int(os.environ.get("JOBS_EMAIL_ROWS", "20000"))
# A job waiting longer than this (seconds) means the workers are stalled: /healthz and
# `manage.py job_queue` say so.
JOBS_MAX_WAIT = int(os.environ.get("JOBS_MAX_WAIT", "300"))

# Limits on what one request may carry (Django's defaults, written down on purpose).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Files: only views declared with @accepts_files(max_bytes) take any, each up to the size
# they declare; the first handler refuses the rest before the others keep a byte
# (commitments/middleware.py: InputHygieneMiddleware, DeclaredUploadHandler).
FILE_UPLOAD_HANDLERS = [
    "commitments.uploads.DeclaredUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# E-mail (reminders). The console backend prints messages in development; production
# sends through SMTP configured from the environment.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "MAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": {
            key: value
            for key, value in {
                "host": os.environ.get("SMTP_HOST"),
                "port": int(os.environ["SMTP_PORT"]) if os.environ.get("SMTP_PORT") else None,
                "username": os.environ.get("SMTP_USER"),
                "password": os.environ.get("SMTP_PASSWORD"),
                "use_tls": env_bool("SMTP_USE_TLS", None),
            }.items()
            if value is not None
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "nadd-tracker@localhost")
# The address the application is reached at, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long an invitation's link stays valid (commitments/invitations.py).
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "commitments.request_id.RequestIDLogFilter"}},
    "formatters": {
        # One line per record, whatever a request put in it (CR/LF escaped).
        "plain": {
            "()": "commitments.request_id.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # axes reports every sign-in at INFO; our own audit entries already record them.
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Django's own handlers (a console one in development, runserver's request lines)
        # would write records with their own formats: everything goes through ours.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
