"""Leadpool settings: one module, every knob an environment variable with a safe default.

With nothing set, Leadpool runs on a PostgreSQL server of its own and a Celery broker on the file system,
both under ``var/``.
``DJANGO_DEBUG=false`` switches on production strictness (a real SECRET_KEY, HTTPS-only cookies, HSTS).
"""

from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import environ
from django.utils.csp import CSP
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "core.api",
    "billing",
    "leads",
    "campaigns",
    "leadfinder",
    "sending",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.AnonymousUploadLimitMiddleware",
    "accounts.middleware.CurrentWorkspaceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.workspace",
                "billing.context_processors.usage",
            ],
        },
    },
]

# Database: PostgreSQL, always. DATABASE_URL in CI and production; without it, a server of the project's own
# under var/postgres, started by the first process that loads these settings (config/embedded_postgres.py).
if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from config.embedded_postgres import database_settings

    DATABASES = {"default": database_settings(VAR_DIR / "postgres")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Leadpool runs as it is behind PgBouncer in transaction mode (docs/database.md, "Connection pooling"):
# no server-side cursors (a cursor .iterator() declares outside a transaction outlives it, on a server
# connection the pooler has given to someone else; big reads go by keyset pages instead), no session
# state (SET LOCAL only, temporary tables only within a transaction, pass locks in core.locks), and no
# prepared statements (psycopg2 never makes any). Directly on PostgreSQL the same settings cost nothing.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming replica of that server (core/replicas.py): the Lead Finder's searches and the API's read-only
# lists read from it; locks, writes and transactions stay on the primary, and a workspace that wrote reads
# the primary for DATABASE_REPLICA_PIN_SECONDS. Without it: one alias, no router.
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=5)
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # Tests write to the primary's test database and read it back through this alias.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    MIDDLEWARE = [*MIDDLEWARE, "core.replicas.ReadYourWritesMiddleware"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "DJANGO_PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    # Uploaded files (CSV imports, exports); for S3, django-storages' "storages.backends.s3.S3Storage".
    "default": {"BACKEND": env("DJANGO_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": env(
            "DJANGO_STATICFILES_STORAGE", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# CSV imports (campaigns.importing): the largest file taken, and the rows written per transaction.
IMPORT_MAX_FILE_SIZE = env.int("IMPORT_MAX_FILE_BYTES", default=200 * 1024 * 1024)
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=20_000)
# An import that wrote this many contacts (or enrollments) analyzes their table as it ends: the planner
# would otherwise take the table for the size it had before until autovacuum gets to it.
IMPORT_ANALYZE_ROWS = env.int("IMPORT_ANALYZE_ROWS", default=10_000)
# Stored uploads do not stay forever: a dashboard upload whose mapping was never confirmed is deleted
# after this many hours, and a finished import's file after this many days (its job, counts and the
# error report's row numbers and reasons stay).
IMPORT_DRAFT_TTL_HOURS = env.int("IMPORT_DRAFT_TTL_HOURS", default=24)
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=30)
# A running import's worker beats every tenth of this; one not heard from for this many seconds is taken to
# have died, and its job is queued again at once (not after CELERY_VISIBILITY_TIMEOUT).
IMPORT_HEARTBEAT_TIMEOUT_SECONDS = env.int("IMPORT_HEARTBEAT_TIMEOUT_SECONDS", default=60)
# A bulk action on more contacts than this (every contact the Contacts filters match) runs in a Celery task
# whose page shows its progress; fewer are done in the request (one chunk: 0.5-1.5 s at 1,000,000 contacts).
CONTACTS_BULK_BACKGROUND_ABOVE = env.int("CONTACTS_BULK_BACKGROUND_ABOVE", default=5_000)
# Uploads stream to a temporary file on disk as they arrive, never into memory.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]

# Redis: Celery broker, cache and rate limits. Without it: a file-system broker and a local-memory cache.
REDIS_URL = env("REDIS_URL", default="")


def _next_redis_database(url):
    """The same Redis server, one database number up (down from 15, Redis's last by default)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if "db" in query or parts.scheme == "unix":
        number = int(query.get("db", ["0"])[0])
        query["db"] = [str(number + 1 if number < 15 else number - 1)]
        return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{number + 1 if number < 15 else number - 1}"))


# The cache has a Redis database of its own: emptying it (the tests do) never drops queued tasks.
CACHE_URL = env("CACHE_URL", default=_next_redis_database(REDIS_URL) if REDIS_URL else "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A Redis that does not answer costs a request a second at most (rate limits are then skipped).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
    CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
    }
else:
    # A task not acknowledged within this many seconds is redelivered (acks_late below).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
# Rule 14: a task is acknowledged only after it finished, and redelivered if its worker died.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Each kind of work on a queue of its own, so that a worker busy with one (a long import) never holds up
# another (a send): docs/operations.md, "Workers and queues". Every task is routed here by name
# (tests/test_celery_routes.py fails for one that is not); "celery", the default, is for anything else.
# A worker started without -Q consumes all of them (`make run`'s names them all).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name) for name in ("celery", "imports", "sending", "imap", "webhooks", "housekeeping")
]
CELERY_TASK_ROUTES = {
    "campaigns.tasks.run_import": {"queue": "imports"},
    # Bulk actions on Contacts write contacts and enrollments in chunks, as imports do.
    "campaigns.tasks.run_contacts_bulk": {"queue": "imports"},
    "sending.tasks.send_due": {"queue": "sending"},
    "sending.tasks.poll_mailboxes": {"queue": "imap"},
    "webhooks.tasks.*": {"queue": "webhooks"},
    "billing.tasks.renew_subscriptions": {"queue": "housekeeping"},
    "core.api.tasks.purge_expired_idempotency_keys": {"queue": "housekeeping"},
    "campaigns.tasks.purge_import_files": {"queue": "housekeeping"},
    # Not on "imports": a worker stuck in an import must not delay finding the imports whose worker died.
    "campaigns.tasks.requeue_stalled_imports": {"queue": "housekeeping"},
}
CELERY_BEAT_SCHEDULE = {
    # Renewals and credit expiries of workspaces nobody reads or changes (those catch up themselves); a
    # run that finds nothing due changes nothing.
    "billing-renew-subscriptions": {"task": "billing.tasks.renew_subscriptions", "schedule": 15 * 60},
    # Idempotency keys are answered for 24 hours; older ones are only taking space.
    "purge-expired-idempotency-keys": {
        "task": "core.api.tasks.purge_expired_idempotency_keys",
        "schedule": 60 * 60,
    },
    # Abandoned import drafts and the files of old imports (IMPORT_DRAFT_TTL_HOURS, *_RETENTION_DAYS).
    "purge-import-files": {"task": "campaigns.tasks.purge_import_files", "schedule": 60 * 60},
    # Imports whose worker stopped beating for IMPORT_HEARTBEAT_TIMEOUT_SECONDS: queued again.
    "requeue-stalled-imports": {"task": "campaigns.tasks.requeue_stalled_imports", "schedule": 30},
    # The scheduler pass (sending.scheduler): sends what is due; a pass still running makes the next skip.
    "send-due": {"task": "sending.tasks.send_due", "schedule": 60},
    # The IMAP poller (sending.poller): replies and bounces of every mailbox; a pass still running makes
    # the next skip.
    "poll-mailboxes": {"task": "sending.tasks.poll_mailboxes", "schedule": 300},
    # Webhooks (webhooks.tasks.sweep): events a crash left undispatched, attempts whose worker died, and
    # the retries now due.
    "webhooks-sweep": {"task": "webhooks.tasks.sweep", "schedule": 60},
}

# Who takes payments (billing.payments.PROVIDERS); "manual" records them as paid, settled by hand.
BILLING_PAYMENT_PROVIDER = env("BILLING_PAYMENT_PROVIDER", default="manual")

# Mail: printed to the console while DEBUG, SMTP otherwise (DJANGO_EMAIL_* variables).
EMAIL_BACKEND_PATH = env(
    "DJANGO_EMAIL_BACKEND",
    default=f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": env("DJANGO_EMAIL_HOST", default="localhost"),
        "port": env.int("DJANGO_EMAIL_PORT", default=587),
        "username": env("DJANGO_EMAIL_HOST_USER", default=""),
        "password": env("DJANGO_EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("DJANGO_EMAIL_USE_TLS", default=True),
    }
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Leadpool <no-reply@leadpool.localhost>")

# Production strictness: on whenever DEBUG is off, each switch overridable.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own static files (the pages have no inline script and htmx runs without eval); an
# injected <script> or on*= attribute does not run. Inline styles stay allowed (the admin and Chart.js set
# some). The API's documentation pages, which need inline scripts, opt out (config/urls.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.WorkspaceSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsWorkspaceMember"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.WorkspaceRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.StrictJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front of the app that append to X-Forwarded-For: 0 uses the connection's address, which a
    # client cannot forge. Failed sign-ins are counted per address (core.sign_ins).
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
}
# Requests per workspace; the cache (Redis when set) keeps the counts.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="600/minute")
# Failed sign-ins (login page, API keys) an address may make before its attempts are refused for a while.
FAILED_SIGN_IN_RATE = env("FAILED_SIGN_IN_RATE", default="10/minute")
IDEMPOTENCY_KEY_TTL_HOURS = 24
# No request runs this long: a key still "in progress" after it belongs to a request that was interrupted.
IDEMPOTENCY_IN_PROGRESS_MINUTES = 10

SPECTACULAR_SETTINGS = {
    "TITLE": "Leadpool API",
    "DESCRIPTION": "Contacts, campaigns, CSV imports and the Lead Finder of a Leadpool workspace.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.rate_limit_header_components",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
        "ImportJobStatusEnum": "campaigns.importing.serializers.API_STATUSES",
        "LeadSourceEnum": "campaigns.contacts.serializers.LEAD_SOURCES",
        "MailboxSecurityEnum": "sending.models.Security",
        "SuppressionKindEnum": "sending.suppressions_serializers.SUPPRESSION_KINDS",
        "SuppressionReasonEnum": "sending.suppressions_serializers.SUPPRESSION_REASONS",
        "ReplyKindEnum": "sending.replies_serializers.REPLY_KINDS",
        "ReplyLabelEnum": "sending.replies_serializers.REPLY_LABELS",
        "WebhookEventTypeEnum": "core.events.EVENT_TYPES",
        "WebhookDeliveryStateEnum": "webhooks.models.DeliveryState",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # The embedded server's wrapper narrates every start and stop at INFO.
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
SITE_URL = env("LEADPOOL_SITE_URL", default="http://127.0.0.1:8000")

# Sending (DESIGN.md rules 18-21, 25). Fernet keys for mailbox passwords, newest first: the first
# encrypts, all decrypt (rotation: put a new key in front, run `rotate_secrets`, then drop the old one).
# Derived from SECRET_KEY only while debugging; `check --deploy` requires them.
SECRET_ENCRYPTION_KEYS = env.list("LEADPOOL_SECRET_KEYS", default=[])
# Hosts a workspace configures (SMTP, IMAP, webhooks) may reach loopback and private networks only if true.
ALLOW_PRIVATE_HOSTS = env.bool("LEADPOOL_ALLOW_PRIVATE_HOSTS", default=DEBUG)
# A message claimed this many seconds ago and not yet marked was left by a dead worker: it becomes
# "unknown" and is never resent (rule 19). Far above one SMTP conversation (connections time out at 20 s).
SENDING_CLAIM_TIMEOUT_SECONDS = env.int("SENDING_CLAIM_TIMEOUT_SECONDS", default=600)
# The local SMTP sink of `make run` (manage.py smtp_sink): the demo mailbox sends here.
SMTP_SINK_PORT = env.int("LEADPOOL_SMTP_SINK_PORT", default=1025)
SMTP_SINK_DIR = env.path("LEADPOOL_SMTP_SINK_DIR", default=VAR_DIR / "mail")
