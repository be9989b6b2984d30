"""Settings shared by every environment (12-factor: everything that differs comes from the env).

Embedded defaults let a newcomer run the app without servers: SQLite in the project folder,
kombu's filesystem transport as Celery broker and the console e-mail backend. The same code runs
on PostgreSQL and Redis when ``DATABASE_URL`` and ``CELERY_BROKER_URL``/``REDIS_URL`` are set.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from sportloket.observability import logging_config, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Widget templates come from TEMPLATES (FORM_RENDERER below), so that templates/admin/ can
    # override the admin's widget templates too (accessibility fixes).
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "phonenumber_field",
    "localflavor",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Ours, in dependency order: sportloket <- providers <- {poskantoor, subsidies} <- meetings
    # <- network <- reports (dashboards and exports read them all) <- api (the REST API reads
    # and writes through all of them and comes last).
    "sportloket",
    "providers",
    "poskantoor",
    "meetings",
    "subsidies",
    "network",
    "reports",
    "api",
    # After ours: an earlier app's translations win, and Django REST framework translates some
    # of Django's own messages differently ("Dit veld is vereist."); the api app's catalog puts
    # Django's wording back, so a field's message is the same on the pages and in the API.
    "rest_framework",
    "drf_spectacular",
    # The API docs' Swagger UI files, served from our own static files (no CDN).
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    # First: request id and the request's log line, for every response (sportloket/requestlog.py).
    "sportloket.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on every response, Cache-Control: no-store on everything that may hold
    # personal data; just inside SecurityMiddleware, so that every answer passes it (static
    # files, rate-limit and lockout pages, CSRF refusals).
    "sportloket.middleware.ResponseHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sportloket.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "sportloket.middleware.SessionTimeoutMiddleware",
    "sportloket.ratelimit.RateLimitMiddleware",
    "sportloket.accounts.middleware.TwoFactorMiddleware",
    # Last, as django-axes asks: it turns a lockout into the friendly "locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sportloket.urls"
WSGI_APPLICATION = "sportloket.wsgi.application"
ASGI_APPLICATION = "sportloket.asgi.application"

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
                "sportloket.context_processors.staff",
            ],
        },
    },
]

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
# SQLite runs in WAL mode with IMMEDIATE transactions so that the web process and the Celery
# worker can write at the same time without "database is locked" surprises on upgrade of a
# read transaction to a write transaction.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            ),
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, confirmation throttles) ----------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in through the municipality's identity provider (OpenID Connect); inert until
    # configured below.
    "sportloket.accounts.oidc.IdentityProviderBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

# Login lockout (django-axes): 5 failures for one username from one address lock that
# combination for one hour (axes' default would lock it forever). A success resets the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures during the lockout do not extend it: the cool-off is one hour from the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "sportloket.ratelimit.login_address"
AXES_USERNAME_CALLABLE = "sportloket.ratelimit.login_username"
# The lockout page says how long is left and sends Retry-After (AXES_LOCKOUT_TEMPLATE would
# only know the whole cool-off).
AXES_LOCKOUT_CALLABLE = "sportloket.ratelimit.account_locked"
AXES_HTTP_RESPONSE_CODE = 429
# Sign-ins through the identity provider are not password attempts (sportloket/accounts/oidc.py).
AXES_WHITELIST_CALLABLE = "sportloket.accounts.oidc.not_a_password_attempt"

# Sessions: logged out after SPORTLOKET_SESSION_IDLE_SECONDS without a request, and after
# SPORTLOKET_SESSION_ABSOLUTE_SECONDS since login whatever the activity; the cookie dies with
# the browser.
SPORTLOKET_SESSION_IDLE_SECONDS = env.int("SPORTLOKET_SESSION_IDLE_SECONDS", default=30 * 60)
SPORTLOKET_SESSION_ABSOLUTE_SECONDS = env.int(
    "SPORTLOKET_SESSION_ABSOLUTE_SECONDS", default=10 * 60 * 60
)
# Staff are warned this long before the idle logout, with a button to stay logged in (WCAG
# 2.2.1 "Timing Adjustable": the user is warned before time expires and can extend it).
SPORTLOKET_SESSION_WARNING_SECONDS = env.int("SPORTLOKET_SESSION_WARNING_SECONDS", default=5 * 60)
SESSION_COOKIE_AGE = SPORTLOKET_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Two-factor login (TOTP) for every staff account: on in production (settings/production.py),
# off here for development, tests and the demo. SPORTLOKET_REQUIRE_2FA=false turns it off.
SPORTLOKET_REQUIRE_2FA = env.bool("SPORTLOKET_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "Sportloket"

# Single sign-on with the municipality's identity provider (OpenID Connect, authorization code
# flow with PKCE, mozilla-django-oidc). Off until the client and the provider's endpoints are
# set; the password login stays for partners without a provider. docs/single-sign-on.md.
SPORTLOKET_OIDC_PROVIDER_NAME = env("SPORTLOKET_OIDC_PROVIDER_NAME", default="")
SPORTLOKET_OIDC_ISSUER = env("SPORTLOKET_OIDC_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("SPORTLOKET_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("SPORTLOKET_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("SPORTLOKET_OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("SPORTLOKET_OIDC_JWKS_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env("SPORTLOKET_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("SPORTLOKET_OIDC_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env("SPORTLOKET_OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("SPORTLOKET_OIDC_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
# Two-step login is not asked again when the provider asserts a second factor: an ``amr``
# value (RFC 8176) or the ``acr`` value named here. SPORTLOKET_OIDC_TRUST_MFA=false always asks.
SPORTLOKET_OIDC_TRUST_MFA = env.bool("SPORTLOKET_OIDC_TRUST_MFA", default=True)
SPORTLOKET_OIDC_MFA_AMR = env.list("SPORTLOKET_OIDC_MFA_AMR", default=["mfa"])
SPORTLOKET_OIDC_MFA_ACR = env.list("SPORTLOKET_OIDC_MFA_ACR", default=[])

# Content Security Policy (django-csp 4): only our own origin, no inline script or style
# anywhere (htmx's indicator styles are switched off by a meta tag in base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap's form controls draw their icons from data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- I18N ----------------------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "NL"

# --- Static and media ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Shared file storage (generated PDFs, imports, exports) --------------------------------
# Embedded default: the folder MEDIA_ROOT, enough for one machine. With DJANGO_S3_BUCKET set,
# every file goes to S3-compatible object storage (django-storages) that all web and worker
# machines share. Files stay private: no public ACL, and the app never hands out bucket URLs;
# it streams each file through its own permission-checked view. Without an access key, boto3's
# own chain applies (instance role, AWS_* variables). docs/operations/deployment.md: "Storage".
DJANGO_S3_BUCKET = env("DJANGO_S3_BUCKET", default="")
if DJANGO_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DJANGO_S3_BUCKET,
            "endpoint_url": env("DJANGO_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("DJANGO_S3_REGION", default="") or None,
            "access_key": env("DJANGO_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("DJANGO_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env("DJANGO_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail --------------------------------------------------------------------------------
# One URL (django-environ's email_url: smtp://, smtp+tls://user:pass@host:587, smtp+ssl://...)
# or the separate DJANGO_EMAIL_* variables below. Production refuses a backend that sends
# nothing (settings/production.py).
EMAIL_URL = env.str("DJANGO_EMAIL_URL", default="")
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = False
if EMAIL_URL:
    _email = env.email_url("DJANGO_EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or EMAIL_HOST
    EMAIL_PORT = _email["EMAIL_PORT"] or EMAIL_PORT
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or EMAIL_FILE_PATH
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Sportloket <noreply@sportloket.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# At-least-once delivery: a task is acknowledged only after it ran, is re-queued when its
# worker dies, and a worker reserves one message at a time. A task can therefore run twice,
# which makes idempotency of every task mandatory (state guard + database-enforced claim).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task must finish well inside the broker's visibility timeout (below), or Redis would hand
# it to a second worker while the first still runs it.
CELERY_TASK_TIME_LIMIT = 80
CELERY_TASK_SOFT_TIME_LIMIT = 70
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Worker and beat log through Django's LOGGING (same format, request id, redaction).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The queue tasks go to when nothing routes them elsewhere (the load test uses one of its own).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Publishing must fail fast when the broker hangs: a web request never waits long on Redis.
# The durable outbox (sportloket.models.OutgoingEmail) and the sweeps pick up what was not sent.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = str(VAR_DIR / "celery-broker")
    # kombu's filesystem transport expects its folders to exist; web, worker and beat share them.
    for _folder in ("celery-broker", "celery-processed", "celery-control"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        # A message reserved by a worker that died is delivered again after this many seconds,
        # found by a restore sweep every 5 s (kombu's default would sweep only every 100 s):
        # the task of a killed worker runs again within two minutes
        # (tests/hardening/test_reliability.py). Every task here runs in well under a minute.
        "visibility_timeout": 90,
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
        "max_retries": 1,
    }

CELERY_BEAT_SCHEDULE = {
    # Every 5 minutes: queue again provider import jobs whose message was lost (broker down when
    # queued) or whose worker died mid-chunk; a job runs only after its database claim.
    "provider-imports-requeue": {
        "task": "providers.tasks.provider_imports_requeue",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: send outbox e-mails whose immediate send failed (broker down, SMTP
    # error, killed worker).
    "email-outbox-retry": {
        "task": "sportloket.tasks.retry_unsent_emails",
        "schedule": crontab(minute="*/5"),
    },
    # Daily at 07:00: remind assignees of support questions due soon, escalate overdue ones.
    "support-deadline-notices": {
        "task": "meetings.tasks.support_deadline_notices",
        "schedule": crontab(hour=7, minute=0),
    },
    # Working days at 07:45: each club supporter's overview of questions due today and overdue
    # (once per person and day; switched off per person on the overview settings page).
    "support-desk-overviews": {
        "task": "meetings.tasks.desk_overviews",
        "schedule": crontab(hour=7, minute=45, day_of_week="mon-fri"),
    },
    # Hourly: return handovers that the receiving organisation did not answer in time.
    "support-handovers-expire": {
        "task": "meetings.tasks.support_handovers_expire",
        "schedule": crontab(minute=15),
    },
    # Daily at 08:00: remind partner organisations of handovers that expire within a working day.
    "support-handover-reminders": {
        "task": "meetings.tasks.support_handover_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Mondays 08:00: e-mail each confirmed provider the open schemes that newly match it.
    "subsidies-scheme-digest": {
        "task": "subsidies.tasks.send_scheme_digest",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    # Every 15 minutes: POS-office founding deadlines (reminder, deadline day, escalation);
    # works from the database state, so a missed tick only delays a notice.
    "poskantoor-deadline-sweep": {
        "task": "poskantoor.tasks.sweep_deadlines",
        "schedule": crontab(minute="*/15"),
    },
    # Every 15 minutes (offset): the desk dashboard's weekly rollup of questions, re-counting the
    # periods of questions changed since the last run (in full when a new week begins).
    "desk-dashboard-stats": {
        "task": "meetings.tasks.desk_stats_refresh",
        "schedule": crontab(minute="7-59/15"),
    },
    # Every 15 minutes (offset): rebuild the guideline's count of entrepreneurs reached with
    # schemes per municipality (national dashboard, POS office list); idempotent.
    "guideline-reached-stats": {
        "task": "meetings.tasks.guideline_reached_refresh",
        "schedule": crontab(minute="11-59/15"),
    },
    # Daily at 07:30: tell owners of meeting agreements past their due date (once each).
    "meetings-agreements-overdue": {
        "task": "meetings.tasks.agreements_overdue_notices",
        "schedule": crontab(hour=7, minute=30),
    },
    # Nightly at 03:10: delete or anonymise what passed its retention period
    # (SPORTLOKET_RETENTION_DAYS); works from the database state, a missed night catches up.
    "sportloket-retention-sweep": {
        "task": "sportloket.tasks.retention_sweep",
        "schedule": crontab(hour=3, minute=10),
    },
    # Every minute: send the portal sign-in links whose task never ran (broker down when they
    # were asked for); a link is valid 15 minutes, so it must go soon. Each request once.
    "portal-sign-in-links": {
        "task": "meetings.tasks.portal_sign_in_sweep",
        "schedule": crontab(minute="*"),
    },
    # Every 5 minutes: finish POS-lokaal news updates being sent (recipients not claimed yet
    # because the broker was down, claims a killed worker never e-mailed); each once.
    "network-news-updates": {
        "task": "network.news.tasks.news_updates_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Daily at 06:30: e-mail policy staff about SMART goals of neighbourhood sport coaches
    # without a measurement in the agreed period or past their deadline (once per goal & flag).
    "sportloket-goal-flags": {
        "task": "network.tasks.notify_goal_flags",
        "schedule": crontab(hour=6, minute=30),
    },
}

# --- Health checks (sportloket/health.py; docs/operations/deployment.md "Health") -------------
# /health/status/ answers a monitoring system that sends "Authorization: Bearer <token>";
# empty: only logged-in administrators see it.
SPORTLOKET_HEALTH_TOKEN = env("SPORTLOKET_HEALTH_TOKEN", default="")
# Seconds between two heartbeats of a worker, and the age at which the last one turns red.
SPORTLOKET_HEALTH_HEARTBEAT_SECONDS = env.int("SPORTLOKET_HEALTH_HEARTBEAT_SECONDS", default=30)
SPORTLOKET_HEALTH_HEARTBEAT_MAX_AGE = env.int("SPORTLOKET_HEALTH_HEARTBEAT_MAX_AGE", default=300)
# Seconds a periodic task may be late (after its due time in CELERY_BEAT_SCHEDULE) before red.
SPORTLOKET_HEALTH_BEAT_GRACE = env.int("SPORTLOKET_HEALTH_BEAT_GRACE", default=900)
# Outbox: red with more than PENDING_MAX e-mails unsent for PENDING_MINUTES, or more than
# FAILED_MAX e-mails given up in the last FAILED_HOURS.
SPORTLOKET_HEALTH_OUTBOX_PENDING_MINUTES = env.int(
    "SPORTLOKET_HEALTH_OUTBOX_PENDING_MINUTES", default=15
)
SPORTLOKET_HEALTH_OUTBOX_PENDING_MAX = env.int("SPORTLOKET_HEALTH_OUTBOX_PENDING_MAX", default=0)
SPORTLOKET_HEALTH_OUTBOX_FAILED_HOURS = env.int("SPORTLOKET_HEALTH_OUTBOX_FAILED_HOURS", default=24)
SPORTLOKET_HEALTH_OUTBOX_FAILED_MAX = env.int("SPORTLOKET_HEALTH_OUTBOX_FAILED_MAX", default=0)
# An orchestrator probes the health endpoints over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# --- Sportloket ----------------------------------------------------------------------------
SPORTLOKET_SITE_URL = env("SPORTLOKET_SITE_URL", default="http://127.0.0.1:8000")
# Origins allowed to frame a POS office's public snippet (/pos-kantoren/<gemeente>/embed/), e.g.
# the POS website; every other page may not be framed at all (frame-ancestors 'none').
SPORTLOKET_EMBED_ORIGINS = env.list("SPORTLOKET_EMBED_ORIGINS", default=[])
# The controller ("verwerkingsverantwoordelijke") named on the privacy statement (/privacy/):
# the municipality that runs the desk, its postal address, a contact address and phone number,
# and its data protection officer ("functionaris gegevensbescherming"). While the name is empty
# the page says the details are not configured instead of naming nobody.
SPORTLOKET_PRIVACY_CONTROLLER_NAME = env("SPORTLOKET_PRIVACY_CONTROLLER_NAME", default="")
SPORTLOKET_PRIVACY_CONTROLLER_ADDRESS = env.str(
    "SPORTLOKET_PRIVACY_CONTROLLER_ADDRESS", default="", multiline=True
)
SPORTLOKET_PRIVACY_CONTROLLER_EMAIL = env("SPORTLOKET_PRIVACY_CONTROLLER_EMAIL", default="")
SPORTLOKET_PRIVACY_CONTROLLER_PHONE = env("SPORTLOKET_PRIVACY_CONTROLLER_PHONE", default="")
SPORTLOKET_PRIVACY_DPO_EMAIL = env("SPORTLOKET_PRIVACY_DPO_EMAIL", default="")
# How long a link in a confirmation e-mail stays valid (seconds).
SPORTLOKET_CONFIRMATION_MAX_AGE = env.int("SPORTLOKET_CONFIRMATION_MAX_AGE", default=3 * 24 * 3600)
# Public forms: submissions per client address per hour before a friendly 429.
SPORTLOKET_PUBLIC_FORM_RATE = env.int("SPORTLOKET_PUBLIC_FORM_RATE", default=20)
# Login form: POSTs per client address per 15 minutes. A town hall puts all its staff behind one
# address, so this only stops floods; password guessing is stopped per account by django-axes.
SPORTLOKET_LOGIN_RATE = env.int("SPORTLOKET_LOGIN_RATE", default=600)
# Staff search and list pages: requests per user per 10 minutes.
SPORTLOKET_SEARCH_RATE = env.int("SPORTLOKET_SEARCH_RATE", default=600)
# Exports (CSV, personal data, calendar files, PDFs): downloads per user per hour.
SPORTLOKET_EXPORT_RATE = env.int("SPORTLOKET_EXPORT_RATE", default=60)
# Calendar feeds: fetches of one feed per hour (calendar programs fetch every 15 to 60 minutes),
# and feed requests per client address per hour (one calendar service fetches the feeds of
# many subscribers from a few addresses).
SPORTLOKET_FEED_RATE = env.int("SPORTLOKET_FEED_RATE", default=120)
SPORTLOKET_FEED_ADDRESS_RATE = env.int("SPORTLOKET_FEED_ADDRESS_RATE", default=5000)
# POS offices: days before a founding step's deadline that the reminder is sent.
SPORTLOKET_DEADLINE_REMINDER_DAYS = env.int("SPORTLOKET_DEADLINE_REMINDER_DAYS", default=7)
# Reverse proxies in front of the app that set X-Forwarded-For (0 = use REMOTE_ADDR).
SPORTLOKET_TRUSTED_PROXIES = env.int("SPORTLOKET_TRUSTED_PROXIES", default=0)
# Retention per record type (sportloket/retention.py, beat "sportloket-retention-sweep"): how
# many days after the moment named in the comment a record is anonymised or deleted. Defaults
# follow the usual Dutch municipal practice (Selectielijst gemeenten: handled questions and
# correspondence 1-2 years, audit trail of decisions 7 years, technical logs months). Each can
# be set with SPORTLOKET_RETENTION_<NAME>_DAYS (upper case). docs/beheer/bewaartermijnen.md.
_RETENTION_DEFAULTS = {
    "outbox_content": 30,  # sent/failed e-mail: recipients, subject, body stripped after sending
    "outbox": 365,  # sent/failed e-mail: the stripped delivery-log row deleted after creation
    "login_records": 180,  # django-axes attempts/logs deleted after the attempt
    "unconfirmed_registrations": 30,  # public form never confirmed by e-mail, after submission
    "pos_interest": 365,  # confirmed POS interest form: contact anonymised after confirmation
    "stopped_pos_offices": 730,  # stopped office: contact person anonymised after stopping
    "core_group_members": 730,  # core-group member: name/e-mail after the commitment ended
    "inactive_providers": 730,  # inactive provider: contact anonymised after the last change
    "closed_support_requests": 730,  # question: requester and texts after it was closed
    "contact_moments": 730,  # contact moment: summary after the contact date
    "meeting_attendees": 730,  # external attendee: name/e-mail after the meeting ended
    "agreements": 730,  # meeting agreement: owner after it was done (or due)
    "audit_details": 730,  # audit event: summary and old/new values stripped
    "audit_events": 2555,  # audit event: deleted (7 years)
    "admin_log": 730,  # Django admin's log of changes: deleted
    "import_jobs": 90,  # provider import: uploaded file, report and lines deleted after finishing
    "safety_claims": 365,  # portal safety evidence: file and reason deleted after the check
}
SPORTLOKET_RETENTION_DAYS = {
    name: env.int(f"SPORTLOKET_RETENTION_{name.upper()}_DAYS", default=days)
    for name, days in _RETENTION_DEFAULTS.items()
}
# The sweep works in batches, each its own short transaction (rows of one batch are locked for
# milliseconds, never a table), at most MAX_BATCHES per record type per run; a larger backlog
# is worked off on the following nights. It starts no new batch after TIME_BUDGET seconds, well
# inside CELERY_TASK_SOFT_TIME_LIMIT.
SPORTLOKET_RETENTION_BATCH_SIZE = env.int("SPORTLOKET_RETENTION_BATCH_SIZE", default=500)
SPORTLOKET_RETENTION_MAX_BATCHES = env.int("SPORTLOKET_RETENTION_MAX_BATCHES", default=200)
SPORTLOKET_RETENTION_TIME_BUDGET = env.int("SPORTLOKET_RETENTION_TIME_BUDGET", default=50)
# Desk quality: percentage of the area's active providers contacted in the last 12 months for
# the "proactive contact" criterion. Seed 002 asks for contact with all providers ("alle").
SPORTLOKET_CONTACT_SHARE_PERCENT = env.int("SPORTLOKET_CONTACT_SHARE_PERCENT", default=100)
# Rising themes: a theme rises when its questions in a quarter exceed the previous quarter by at
# least this many AND by at least this percentage (any growth from zero counts as 100 %).
SPORTLOKET_RISING_MIN_INCREASE = env.int("SPORTLOKET_RISING_MIN_INCREASE", default=3)
SPORTLOKET_RISING_MIN_PERCENT = env.int("SPORTLOKET_RISING_MIN_PERCENT", default=50)

# --- Logs and error reports (sportloket/observability.py) -------------------------------------
# "text" on stderr for a terminal, "json" on stdout (one object per line, production's default)
# for a log system. Lines carry the request id; e-mail addresses and tokens are redacted.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text")
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
# Errors of web and worker processes go to Sentry when a DSN is set (personal data scrubbed).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
if SENTRY_DSN:
    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=SENTRY_RELEASE)


# --- REST API (api/) ------------------------------------------------------------------------
# JSON in and out only; who may do what is decided per view (api/permissions.py) with the same
# roles and selectors as the pages. Refusals are JSON with the pages' Dutch message
# (api/errors.py); the project's rate limiter counts API requests too (api/throttling.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasRole"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ProjectRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    # No OPTIONS self-description: the OpenAPI schema is the description.
    "DEFAULT_METADATA_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sportloket API",
    "DESCRIPTION": "Sport- en beweegloketten en POS-kantoren: public data and the staff API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SupportStatusEnum": "meetings.support.constants.SupportStatus",
        "ChannelEnum": "meetings.support.constants.Channel",
        "OfficeStatusEnum": "poskantoor.constants.OfficeStatus",
        "StepCodeEnum": "poskantoor.constants.StepCode",
        "ProviderStatusEnum": "providers.constants.ProviderStatus",
        "ProviderKindEnum": "providers.constants.ProviderKind",
        "SafetyStatusEnum": "providers.constants.SafetyStatus",
    },
    "DISABLE_ERRORS_AND_WARNINGS": False,
}
