"""Django settings, read from environment variables.

``CITYLOOP_ENV`` picks the profile: ``development`` (the default, for ``make run`` and the tests) or
``production``, where ``DEBUG`` is off, ``SECRET_KEY`` and ``CITYLOOP_ALLOWED_HOSTS`` must be set
and HTTPS is enforced (HSTS, SSL redirect, Secure cookies); each of those has its own variable
(docs/setup.md lists them). ``DATABASE_URL`` chooses the engine (default: an embedded SQLite file
in ``var/``); in development ``SECRET_KEY`` falls back to a key generated once into ``var/``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# CityLoop's own knobs (rate limits, grids, lights, webhooks, participation, routing, map layers).
from cityloop.settings_cityloop import *  # noqa: F403
from cityloop.settings_cityloop import CITYLOOP_MAP_LAYERS, CITYLOOP_MAP_TILE_URL

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CITYLOOP_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(*names: str, default: str = "") -> list[str]:
    """A comma-separated variable (the first of ``names`` that is set) as a list."""
    value = next((os.environ[n] for n in names if os.environ.get(n) is not None), default)
    return [item.strip() for item in value.split(",") if item.strip()]


CITYLOOP_ENV = os.environ.get("CITYLOOP_ENV", "development").strip().lower() or "development"
if CITYLOOP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"CITYLOOP_ENV is {CITYLOOP_ENV!r}: use development or production")
PRODUCTION = CITYLOOP_ENV == "production"


def _secret_key() -> str:
    """SECRET_KEY from the environment; in development only, a key generated once and kept in var/."""
    if os.environ.get("SECRET_KEY"):
        key = os.environ["SECRET_KEY"]
        # A production server refuses a key anyone could know (Django's placeholder, a short one).
        if PRODUCTION and (key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5):
            raise ImproperlyConfigured(
                "SECRET_KEY is too weak for production: use 50 or more random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("CITYLOOP_ENV=production needs SECRET_KEY in the environment")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG shows tracebacks and settings to anyone: unset it in production")
# The older names (ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS) are still read.
ALLOWED_HOSTS = _env_list(
    "CITYLOOP_ALLOWED_HOSTS", "ALLOWED_HOSTS", default="" if PRODUCTION else "127.0.0.1,localhost"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("CITYLOOP_ENV=production needs CITYLOOP_ALLOWED_HOSTS (e.g. city.example.cn)")
CSRF_TRUSTED_ORIGINS = _env_list("CITYLOOP_CSRF_TRUSTED_ORIGINS", "CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "cityloop.core.login_protection.LoginProtectionConfig",  # django-axes
    # foundation
    "cityloop.core",
    "cityloop.geo",
    "cityloop.catalog",
    "cityloop.timeclock",
    "cityloop.notify",
    # registries
    "cityloop.assets",
    "cityloop.frontage",
    "cityloop.community",
    "cityloop.participation",
    "cityloop.routing",
    # the loop
    "cityloop.cases",
    "cityloop.evaluation",
    "cityloop.triage",
    "cityloop.analytics",
    # channels that feed cases
    "cityloop.hotline",
    "cityloop.video",
    "cityloop.sensors",
    # interfaces
    "cityloop.api",
    "cityloop.open311",
    "cityloop.web",
    "cityloop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cityloop.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before CSRF reads a form and before any view: 413 for an API body over the limit, 400/422
    # for a NUL (after the locale, so the console's answer is in the user's language).
    # Under /open311/ the same refusals in GeoReport's error format, before the guard below answers them.
    "cityloop.open311.middleware.Open311GuardMiddleware",
    "cityloop.api.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A user holding a temporary password goes to the page that changes it, from every page.
    "cityloop.web.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cityloop.web.middleware.RateLimitedMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

# django-axes watches console logins first; Django's own backend then checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Console messages live in the session, read only when a page shows them; the default cookie storage
# set up a signer on every request, API calls included.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "cityloop.urls"
WSGI_APPLICATION = "cityloop.wsgi.application"
ASGI_APPLICATION = "cityloop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'cityloop.sqlite3'}"
    # Connections stay open between requests (opening one, and on SQLite running its pragmas, cost
    # more than a report's own writes); a broken one is noticed before reuse.
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite's own mechanisms for several writing processes (the server's workers and
        # `cityloop worker`): WAL lets readers go on while one writes; IMMEDIATE transactions take the
        # write lock when they begin, so a writer waits at BEGIN (never half-way through, where it
        # could only fail); `timeout` is the busy timeout, how long a writer waits for its turn.
        # Checkpoints: `cityloop worker` runs one every second (notify.worker.checkpoint_sqlite);
        # SQLite's automatic one, run by the request whose commit crosses it, waits until 10,000
        # pages of WAL (40 MB), instead of 1,000, so requests seldom wait on the disk for it.
        # mmap: reads of a large table (the queue, a text search) skip a copy per page.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA mmap_size=268435456; PRAGMA wal_autocheckpoint=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config.setdefault("TEST", {})["NAME"] = os.environ.get("CITYLOOP_TEST_SQLITE") or None
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Prepared statements, as psycopg does them: with server-side binding a statement is sent
        # with its values apart, and one run PG_PREPARE_THRESHOLD times on a connection is prepared
        # there (parsed and planned once). Behind a pooler in transaction mode that cannot keep
        # prepared statements (PgBouncer before 1.21), set PG_PREPARE_THRESHOLD=0 to prepare none.
        threshold = int(os.environ.get("PG_PREPARE_THRESHOLD", "2"))
        config["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": threshold if threshold > 0 else None,
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Checked wherever a password is set: the create_user action, Django's createsuperuser and
# changepassword, the admin's password forms.
# Argon2id tuned for a fast sign-in (cityloop/core/hashers.py); older PBKDF2 hashes (the demo's,
# a city's imported ones) still verify and are re-made with Argon2 on the next sign-in.
PASSWORD_HASHERS = [
    "cityloop.core.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "cityloop" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Behind nginx: the internal location that serves MEDIA_ROOT (e.g. /protected-media/). Uploaded
# files are then answered with X-Accel-Redirect after the permission check and nginx sends the bytes
# (deploy/nginx/cityloop.conf); empty, the application streams them itself.
CITYLOOP_PROTECTED_MEDIA = os.environ.get("CITYLOOP_PROTECTED_MEDIA", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- login lockout (django-axes) --------------------------------------------------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Console logins: a user name from one address is locked out after this many failures in a row.
AXES_FAILURE_LIMIT = int(os.environ.get("CITYLOOP_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CITYLOOP_LOGIN_LOCKOUT_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "cityloop.core.ratelimits.login_guard_address"
AXES_LOCKOUT_CALLABLE = "cityloop.web.views.locked_out"
AXES_VERBOSE = False

# --- folders under var/: backups (cityloop backup / restore, docs/operations.md) and audit heads ---
# Where `cityloop backup` writes its archives unless given --output.
CITYLOOP_BACKUP_DIR = Path(os.environ.get("CITYLOOP_BACKUP_DIR", VAR_DIR / "backups"))
# The folder holding pg_dump and pg_restore of the server's major version (empty: from PATH).
CITYLOOP_PG_BIN = os.environ.get("CITYLOOP_PG_BIN", "")
# Where the worker writes the audit chain's head at the end of each day, for auditors to take away.
CITYLOOP_AUDIT_HEAD_DIR = os.environ.get("CITYLOOP_AUDIT_HEAD_DIR", str(VAR_DIR / "audit-heads"))


# --- HTTPS, cookies and browser protections -------------------------------------------------------
# Production defaults are the safe ones; each can be changed by its variable (docs/setup.md).
SECURE_SSL_REDIRECT = _env_bool("CITYLOOP_SSL_REDIRECT", PRODUCTION)
# A load balancer's health probe may come in over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("CITYLOOP_HSTS_SECONDS", str(365 * 24 * 3600 if PRODUCTION else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("CITYLOOP_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = _env_bool("CITYLOOP_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = _env_bool("CITYLOOP_SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = _env_bool("CITYLOOP_CSRF_COOKIE_SECURE", PRODUCTION)
# Behind nginx (or another proxy) that ends TLS and sets X-Forwarded-Proto: trust it for "is HTTPS".
# Only then: a client reaching the server directly could send the header itself.
if _env_bool("CITYLOOP_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = _env_bool("CITYLOOP_CONTENT_TYPE_NOSNIFF", True)
SECURE_REFERRER_POLICY = os.environ.get("CITYLOOP_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = os.environ.get("CITYLOOP_X_FRAME_OPTIONS", "DENY")


def _tile_hosts() -> list[str]:
    """Where map tiles may come from: CITYLOOP_MAP_TILE_HOSTS and the hosts of every configured tile
    layer (one per ``{s}`` subdomain: a CSP wildcard covers whole labels only)."""
    from cityloop.web.maplayers import tile_hosts

    hosts = _env_list("CITYLOOP_MAP_TILE_HOSTS")
    hosts += [h for h in tile_hosts(CITYLOOP_MAP_LAYERS, CITYLOOP_MAP_TILE_URL) if h not in hosts]
    return hosts


CITYLOOP_MAP_TILE_HOSTS = _tile_hosts()

# Content-Security-Policy (django-csp 4): scripts and styles only from our own static files, no
# inline code; map tiles from the configured tile hosts. Enforced in development too, so a page
# that breaks it fails its browser test. CITYLOOP_CSP_REPORT_ONLY=1 reports instead of blocking.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *CITYLOOP_MAP_TILE_HOSTS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if _env_bool("CITYLOOP_CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
