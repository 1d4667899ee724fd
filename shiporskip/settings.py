"""Settings for ShipOrSkip: one module, driven by environment variables.

Safe by default: DEBUG is off unless asked for, and a production start without a real
SECRET_KEY refuses to boot. ``SHIPORSKIP_ENV=development`` (set by ``make run`` and the
test suite) allows the local development key and plain-http cookies; nothing else changes.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("SHIPORSKIP_ENV", "production")
DEVELOPMENT = ENVIRONMENT == "development"
DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "development-only-key-never-used-in-production-7f3a9c1e5b"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY if DEVELOPMENT else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment, or set SHIPORSKIP_ENV=development "
        "for a local development server."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEVELOPMENT else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Absolute URLs in share text, feeds, sitemaps, emails and snippets are built from this
# origin. In development it follows the address served: gunicorn.conf.py sets SITE_URL
# from the address it binds, and management commands, which bind nothing, read the same
# SHIPORSKIP_HOST and SHIPORSKIP_WEB_PORT that `make run` serves on.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if not SITE_URL and DEVELOPMENT:
    _dev_host = os.environ.get("SHIPORSKIP_HOST") or "127.0.0.1"
    SITE_URL = f"http://{_dev_host}:{os.environ.get('SHIPORSKIP_WEB_PORT') or 8000}"
if not SITE_URL:
    SITE_URL = f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else "https://shiporskip.example"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "core",
    "tools",
    "reviews",
    "votes",
    "comparisons",
    "badges",
    "newsletter",
    "pages",
    "demo",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "badges.middleware.BadgeFastPathMiddleware",
    "badges.middleware.EmbedWithoutCookiesMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.MalformedBodyMiddleware",
    # Warm hits of the reading pages are answered here, before sessions and CSRF.
    "core.pagecache.SharedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Every unsafe request from another origin is refused; public forms need nothing more,
    # the admin keeps Django's token check as well.
    "core.csrf.CrossOriginProtectionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "shiporskip.urls"
WSGI_APPLICATION = "shiporskip.wsgi.application"

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
                "core.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. `make run` and `make test` start a local PostgreSQL and "
        "set it for you; otherwise point it at PostgreSQL, e.g. "
        "postgres://user@127.0.0.1:5432/shiporskip"
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
        # PostgreSQL as Django has it, with a health check that asks the socket instead of
        # sending SELECT 1 before each request's first query (core/db/base.py).
        engine="core.db",
    )
}
DATABASES["default"].setdefault("OPTIONS", {})
# An unreachable database fails a request in seconds instead of hanging it (2 is the
# least libpq and psycopg accept).
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3))
# The page cache's version queries (reviews/versions.py) run on every page view and ask
# psycopg to prepare them, which needs a threshold instead of Django's None. Django's own
# queries bind on the client and are never prepared, whatever it is. Behind a pooler in
# transaction mode that cannot keep prepared statements, set DB_PREPARED_STATEMENTS=0.
if env_bool("DB_PREPARED_STATEMENTS", True):
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
# A hung PostgreSQL (stopped, or cut off by a partition) answers nothing and the kernel
# keeps the connection open: a request waiting on a query longer than this in all has its
# connection cut and gets the 503 page (core/watchdog.py); /healthz waits less.
DB_REQUEST_DEADLINE_SECONDS = float(os.environ.get("DB_REQUEST_DEADLINE_SECONDS", "4.5"))
HEALTHZ_DATABASE_SECONDS = float(os.environ.get("HEALTHZ_DATABASE_SECONDS", "1"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down or hung: reads miss and writes are skipped (core/cache.py), so
            # pages and badges are served from PostgreSQL instead of failing.
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sos",
            "TIMEOUT": 300,
            # RESP2 for the reason given at core.cache.REDIS_PROTOCOL.
            "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25, "protocol": 2},
        }
    }
else:
    # Single-process fallback for the embedded development set-up; production and
    # scale-out deployments set REDIS_URL so every app server shares one cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shiporskip",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not env_bool("STATIC_PLAIN_STORAGE")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600
# Files browsers ask for at the site's root whatever the page says (/favicon.ico,
# /apple-touch-icon.png): served by WhiteNoise from here, never a 404.
WHITENOISE_ROOT = BASE_DIR / "public"

# Request limits: oversized bodies and query strings are refused before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
# The largest form is the tool's admin page with a full panel of seven inline reviews
# (about 90 fields as a browser posts them); public forms hold a handful.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# Addresses whose clients read JSON: a request refused before any view answers them in JSON.
JSON_ERROR_PATHS = ["/api/v1/", "/api/shields/", "/oembed"]

# Security headers. Plain http is allowed only for a local development server.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEVELOPMENT)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEVELOPMENT else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEVELOPMENT
SECURE_HSTS_PRELOAD = not DEVELOPMENT
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEVELOPMENT
CSRF_COOKIE_SECURE = not DEVELOPMENT
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # Every script is a file of our own; pages hold no inline script, so no nonce either
    # (a nonce in a page every reader shares from a cache would be no secret).
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Outgoing email: the console in development, SMTP from the environment in production.
_EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 587),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", default=True),
            "timeout": 10,
        }
        if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "ShipOrSkip <verdicts@shiporskip.example>"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- ShipOrSkip rules -------------------------------------------------------------------
# The panel gives no verdict until this many reviews are published.
SHIPORSKIP_MIN_PANEL_REVIEWS = env_int("SHIPORSKIP_MIN_PANEL_REVIEWS", 3)
# The community percentage is shown only from this many counted votes.
SHIPORSKIP_MIN_COMMUNITY_VOTES = env_int("SHIPORSKIP_MIN_COMMUNITY_VOTES", 10)
# The panel has at most this many critics.
SHIPORSKIP_MAX_PANEL = 7
# Certified Ship: earned with at least these ship shares (percent) over at least these many
# published reviews and counted votes; kept until either share falls below the keep share.
SHIPORSKIP_CERTIFIED_PANEL_SHARE = env_int("SHIPORSKIP_CERTIFIED_PANEL_SHARE", 75)
SHIPORSKIP_CERTIFIED_PANEL_REVIEWS = env_int("SHIPORSKIP_CERTIFIED_PANEL_REVIEWS", 5)
SHIPORSKIP_CERTIFIED_COMMUNITY_SHARE = env_int("SHIPORSKIP_CERTIFIED_COMMUNITY_SHARE", 75)
SHIPORSKIP_CERTIFIED_COMMUNITY_VOTES = env_int("SHIPORSKIP_CERTIFIED_COMMUNITY_VOTES", 50)
SHIPORSKIP_CERTIFIED_KEEP_SHARE = env_int("SHIPORSKIP_CERTIFIED_KEEP_SHARE", 70)
# A change in community figures alone is added to a tool's verdict timeline at most this
# often (seconds); panel and award changes are recorded at once.
SHIPORSKIP_TIMELINE_COMMUNITY_INTERVAL = env_int("SHIPORSKIP_TIMELINE_COMMUNITY_INTERVAL", 3600)
# A signed preview link to an unpublished tool page works for this many seconds.
SHIPORSKIP_PREVIEW_LINK_MAX_AGE = env_int("SHIPORSKIP_PREVIEW_LINK_MAX_AGE", 3 * 86400)

# --- Community votes, client IPs and rate limits -------------------------------------------
# Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For entries we believe. Empty:
# the header is ignored and the socket peer is the client. Behind a load balancer list it.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
# The voter cookie: a signed random id, first-party, unreadable by scripts. Browsers cap
# cookie lifetimes at about 400 days; each vote renews it.
VOTER_COOKIE_NAME = "sos_voter"
VOTER_COOKIE_MAX_AGE = 400 * 24 * 60 * 60
VOTER_COOKIE_SECURE = not DEVELOPMENT
# Key for the network-and-browser fingerprint; derived from SECRET_KEY when unset. Set it
# separately to keep fingerprints stable across SECRET_KEY rotations.
VOTE_FINGERPRINT_KEY = os.environ.get("VOTE_FINGERPRINT_KEY", "")
# New votes one network (IPv4 /24, IPv6 /48) may add to a tool's count in 24 hours; more
# are recorded but set aside (discarded with a reason), for editors to count again.
VOTES_PER_NETWORK_PER_DAY = env_int("VOTES_PER_NETWORK_PER_DAY", 5)
# A visitor without a voter cookie repeating the same vote from the same network and
# browser within this many seconds is the voter just minted (a no-JS double-click).
VOTE_DOUBLE_SUBMIT_SECONDS = env_int("VOTE_DOUBLE_SUBMIT_SECONDS", 10)
# Vote POSTs allowed per voter and per client IP, each per window of seconds.
VOTE_RATE_PER_VOTER = env_int("VOTE_RATE_PER_VOTER", 20)
VOTE_RATE_PER_VOTER_WINDOW = env_int("VOTE_RATE_PER_VOTER_WINDOW", 60)
VOTE_RATE_PER_IP = env_int("VOTE_RATE_PER_IP", 120)
VOTE_RATE_PER_IP_WINDOW = env_int("VOTE_RATE_PER_IP_WINDOW", 600)
# Where rate limits are counted (core/ratelimit.py): REDIS_URL unless set apart. Empty: in
# each process's local-memory cache, right for a single development process only.
RATELIMIT_REDIS_URL = os.environ.get("RATELIMIT_REDIS_URL", REDIS_URL)
# --- Weekly digest, bookmarks and share cards ---------------------------------------------
# How long an emailed confirmation link stays valid, in seconds.
NEWSLETTER_CONFIRM_MAX_AGE = env_int("NEWSLETTER_CONFIRM_MAX_AGE", 48 * 3600)
# Signup attempts allowed per window, per client IP and per address.
NEWSLETTER_SIGNUP_WINDOW = env_int("NEWSLETTER_SIGNUP_WINDOW", 3600)
NEWSLETTER_SIGNUP_IP_LIMIT = env_int("NEWSLETTER_SIGNUP_IP_LIMIT", 10)
NEWSLETTER_SIGNUP_EMAIL_LIMIT = env_int("NEWSLETTER_SIGNUP_EMAIL_LIMIT", 3)
# Signup emails (confirmations, "already subscribed" notices) per inbox, "+tags" folded,
# and per domain, in any 24 hours; counted in PostgreSQL.
NEWSLETTER_EMAILS_PER_MAILBOX = env_int("NEWSLETTER_EMAILS_PER_MAILBOX", 3)
NEWSLETTER_EMAILS_PER_DOMAIN = env_int("NEWSLETTER_EMAILS_PER_DOMAIN", 100)
# Digest emails handed to the mail server per connection and per transaction.
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 100)
# Most bookmarks a reader can keep; the bookmarks endpoint refuses longer lists.
SHIPORSKIP_MAX_BOOKMARKS = 50
# Rendered share images stay in the cache this long; a verdict change uses a new key anyway.
SHIPORSKIP_SHARE_CARD_CACHE_SECONDS = env_int("SHIPORSKIP_SHARE_CARD_CACHE_SECONDS", 7 * 86400)
# --- Shared HTTP cache ---------------------------------------------------------------------
# Varnish instances in front (comma-separated base URLs, e.g. http://varnish:6081) that
# editors' changes purge by tag (core/purge.py); empty: nothing is sent. Pages are shared
# for s-maxage (5 s) anyway, so a purge that fails only leaves a page that old.
VARNISH_PURGE_URLS = env_list("VARNISH_PURGE_URLS")
# --- Badges and embeds ------------------------------------------------------------------
# Badge impressions and clicks are counted in this Redis (HINCRBY) and flushed to
# PostgreSQL every minute by `manage.py flush_badge_counts`; empty = count in PostgreSQL.
BADGES_COUNTER_REDIS_URL = os.environ.get("BADGES_COUNTER_REDIS_URL", REDIS_URL)
# Each process hands its hits to that Redis in one batch this often (badges/counters.py);
# 0 sends every hit as it is made.
BADGES_BATCH_SECONDS = env_int("BADGES_BATCH_SECONDS", 1)
# How long a tool's badge facts are cached; saves of tools and reviews also clear them.
BADGES_CACHE_SECONDS = env_int("BADGES_CACHE_SECONDS", 60)
# Each process also keeps a tool's badge facts this long without asking the shared cache.
BADGES_LOCAL_SECONDS = env_int("BADGES_LOCAL_SECONDS", 5)
# --- Open data API --------------------------------------------------------------------------
# Requests one client address may make to /api/v1/ and /oembed per window of seconds.
API_RATE_PER_IP = env_int("API_RATE_PER_IP", 300)
API_RATE_WINDOW = env_int("API_RATE_WINDOW", 60)
# How long clients and shared caches may keep an answer before revalidating its ETag.
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 60)
# --- Admin sign-in and system checks --------------------------------------------------------
# Admin sign-in: posted attempts allowed per client address and per username in a window.
ADMIN_LOGIN_ATTEMPTS_PER_IP = env_int("ADMIN_LOGIN_ATTEMPTS_PER_IP", 20)
ADMIN_LOGIN_ATTEMPTS_PER_USERNAME = env_int("ADMIN_LOGIN_ATTEMPTS_PER_USERNAME", 5)
ADMIN_LOGIN_WINDOW_SECONDS = env_int("ADMIN_LOGIN_WINDOW_SECONDS", 15 * 60)
# `manage.py check --deploy --fail-level WARNING` passes with nothing silenced; a check
# silenced here must carry its reason on the same line.
SILENCED_SYSTEM_CHECKS: list[str] = []
# --- Database statement timeout ------------------------------------------------------------
# PostgreSQL cancels any statement running longer than this many milliseconds (0 = never), so
# a runaway query frees its worker well before gunicorn's 30 s timeout kills the process.
# One-off jobs that legitimately run long (migrations on big tables, generate_data) set
# DB_STATEMENT_TIMEOUT_MS=0 or lift it for their own session.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 10_000)
DATABASES["default"]["OPTIONS"]["options"] = " ".join(
    filter(
        None,
        [
            DATABASES["default"]["OPTIONS"].get("options", ""),
            f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
        ],
    )
)
