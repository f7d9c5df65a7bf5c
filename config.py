"""Configuration classes; values come from the environment (see docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CIVICBOARD_INSTANCE", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _dev_secret_key() -> str:
    """Generate a secret key once into the instance folder, so dev sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the only PostgreSQL driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Where `make run` serves the board: the base of absolute links in development.
DEVELOPMENT_URL = "http://127.0.0.1:5000"


def check_base_url(value: str | None) -> str:
    """A base URL as configured, without its trailing slash; ValueError for anything else."""
    parts = urlsplit((value or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"CIVICBOARD_URL must be an http(s) URL such as https://board.example.gov, not {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("CIVICBOARD_URL must not carry a query, a fragment or credentials")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def resolve_base_url(config: dict) -> str:
    """The board's public base URL from CIVICBOARD_URL, checked; required in production.

    Elsewhere it falls back to SERVER_NAME when set, else to DEVELOPMENT_URL. Every absolute
    link (mail, feeds, API, Open311, /data.json) is built from it, never from a request.
    """
    value = config.get("CIVICBOARD_URL")
    if not value:
        if config["ENV_NAME"] == "production":
            raise RuntimeError(
                "CIVICBOARD_URL must be set when CIVICBOARD_ENV=production: the board's public address, "
                "such as https://board.example.gov (absolute links in mail, feeds and the API use it)"
            )
        server_name = config.get("SERVER_NAME")
        if server_name:
            root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
            value = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{server_name}{root}"
        else:
            value = DEVELOPMENT_URL
    try:
        return check_base_url(value)
    except ValueError as exc:
        raise RuntimeError(str(exc)) from exc


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # The public base URL of every absolute link; see resolve_base_url.
    CIVICBOARD_URL = os.environ.get("CIVICBOARD_URL") or None
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'civicboard.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None

    SITE_NAME = os.environ.get("CIVICBOARD_SITE_NAME", "CivicBoard")
    CITY_NAME = os.environ.get("CIVICBOARD_CITY_NAME", "Somerville")
    # Interface languages offered, the default first; the zone dates and times are shown in.
    CIVICBOARD_LANGUAGES = os.environ.get("CIVICBOARD_LANGUAGES", "en,es")
    CIVICBOARD_TIMEZONE = os.environ.get("CIVICBOARD_TIMEZONE", "UTC")

    # Sessions: server-side session rows; the cookie only carries an opaque token.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    SESSION_LIFETIME = timedelta(days=2)  # a login without "remember me"
    PASSWORD_RESET_MAX_AGE = 3600
    # Email confirmation links live 48 hours; "send it again" at most this often.
    CONFIRMATION_MAX_AGE = 48 * 3600
    CONFIRMATION_RESEND_SECONDS = _int("CONFIRMATION_RESEND_SECONDS", 300)
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a KDF name

    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Public pages kept this many seconds for visitors without a session (0: off); see pagecache.py.
    PAGE_CACHE_SECONDS = _int("PAGE_CACHE_SECONDS", 10)
    # Without Redis, each process keeps at most this many megabytes of those pages.
    PAGE_CACHE_MEMORY_MB = _int("PAGE_CACHE_MEMORY_MB", 16)
    # How long a process keeps the admin-set branding before reading it again (see civicboard/pages/branding.py).
    BRANDING_CACHE_SECONDS = _int("BRANDING_CACHE_SECONDS", 30)
    # A list's total and facet counts, kept this long for every reader (civicboard.briefcache).
    BRIEF_CACHE_SECONDS = _int("BRIEF_CACHE_SECONDS", 30)
    # Rendered list rows kept by version (civicboard.fragments); 0 renders every row every time.
    FRAGMENT_CACHE_SIZE = _int("FRAGMENT_CACHE_SIZE", 5000)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "civicboard"
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per minute;20 per hour")
    RATELIMIT_PASSWORD_RESET = os.environ.get("RATELIMIT_PASSWORD_RESET", "5 per minute;20 per hour")
    # Per account (per address when logged out); only created problems and comments count.
    RATELIMIT_PROBLEMS = os.environ.get("RATELIMIT_PROBLEMS", "5 per minute;30 per day")
    RATELIMIT_COMMENTS = os.environ.get("RATELIMIT_COMMENTS", "10 per minute;200 per day")
    RATELIMIT_VOTES = os.environ.get("RATELIMIT_VOTES", "60 per minute;1000 per day")
    RATELIMIT_API = os.environ.get("RATELIMIT_API", "300 per minute")  # every /api/v1 request, per account or address
    # Public reads that grow with the whole board, per client address (see docs/open-data.md, "Rate limits").
    RATELIMIT_EXPORTS = os.environ.get("RATELIMIT_EXPORTS", "30 per minute;300 per hour")
    RATELIMIT_INSIGHTS = os.environ.get("RATELIMIT_INSIGHTS", "60 per minute")
    RATELIMIT_OPEN311 = os.environ.get("RATELIMIT_OPEN311", "120 per minute")
    # Writes refused as malformed or oversized (400, 413: NUL characters, a 60,000-item list),
    # per address and per account; once used up, every write from them is a 429 until it resets.
    RATELIMIT_REFUSED = os.environ.get("RATELIMIT_REFUSED", "30 per minute;300 per hour")

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "CivicBoard <no-reply@localhost>")
    # "smtp" when MAIL_SERVER is set, otherwise "log"; tests use "memory".
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or None
    # Delivery by the worker: attempts before a message is failed (and shown at /admin), the
    # first retry delay (doubling each time, up to the cap), and when a claim counts as interrupted.
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 5)
    MAIL_RETRY_BASE_SECONDS = _int("MAIL_RETRY_BASE_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _int("MAIL_RETRY_MAX_SECONDS", 6 * 3600)
    MAIL_SENDING_STALE_SECONDS = _int("MAIL_SENDING_STALE_SECONDS", 600)
    # Above this many followers, a request writes one fan-out job and the worker writes the
    # followers' notifications and emails (the request's time does not grow with the audience).
    NOTIFY_INLINE_MAX = _int("NOTIFY_INLINE_MAX", 200)
    # The worker's queue without REDIS_URL (development): a SQLite file in the instance folder.
    HUEY_SQLITE_PATH = os.environ.get("HUEY_SQLITE_PATH") or str(INSTANCE_DIR / "huey.db")

    # Content licence for exports of user-contributed content.
    CONTENT_LICENSE_NAME = os.environ.get("CONTENT_LICENSE_NAME", "CC BY 4.0")
    CONTENT_LICENSE_URL = os.environ.get("CONTENT_LICENSE_URL", "https://creativecommons.org/licenses/by/4.0/")
    # Who answers for the board's open data (/data.json contactPoint, Open311 discovery).
    CONTACT_NAME = os.environ.get("CIVICBOARD_CONTACT_NAME") or None
    CONTACT_EMAIL = os.environ.get("CIVICBOARD_CONTACT_EMAIL", "opendata@example.org")
    # Insights: the target for a first official response; the stored figures are recomputed
    # (in the background) at most every INSIGHTS_CACHE_SECONDS after the board changes, and at
    # least every INSIGHTS_MAX_AGE seconds (they depend on the clock too).
    INSIGHTS_TARGET_DAYS = _int("INSIGHTS_TARGET_DAYS", 14)
    INSIGHTS_CACHE_SECONDS = _int("INSIGHTS_CACHE_SECONDS", 60)
    INSIGHTS_MAX_AGE = _int("INSIGHTS_MAX_AGE", 3600)

    # Snapshots of the heavy public reads (exports, insights): where they are stored, how
    # often the exports are looked at for a rebuild, the largest board whose first snapshot
    # may be built inside a request, and who refreshes them from the web process ("thread",
    # or "off" when `flask worker` or cron runs the build commands).
    EXPORT_FOLDER = os.environ.get("EXPORT_FOLDER") or None
    EXPORT_INTERVAL = _int("EXPORT_INTERVAL", 15 * 60)
    EXPORT_INLINE_MAX_PROBLEMS = _int("EXPORT_INLINE_MAX_PROBLEMS", 2000)
    SNAPSHOT_RUNNER = os.environ.get("SNAPSHOT_RUNNER", "thread")

    # Catalog imports: seconds to wait for a catalog server (a whole fetch gets four times
    # that), the largest document accepted, and whether loopback/private addresses may be
    # fetched (tests and local development only; cloud metadata addresses never are).
    CATALOG_FETCH_TIMEOUT = float(os.environ.get("CATALOG_FETCH_TIMEOUT") or 30)
    CATALOG_MAX_BYTES = _int("CATALOG_MAX_BYTES", 50 * 1024 * 1024)
    CATALOG_ALLOW_PRIVATE_ADDRESSES = _bool("CATALOG_ALLOW_PRIVATE_ADDRESSES", False)
    # Sources `flask datasets refresh` adds if missing: "name=url" pairs, space or comma separated.
    CATALOG_SOURCES = os.environ.get("CATALOG_SOURCES", "")
    # Who runs a staff "refresh now": "worker" (`flask worker`), "thread" (a background thread
    # in the web process) or "off" (left queued for `flask datasets run-queued`); and when a
    # queued or running run whose process died counts as abandoned.
    CATALOG_RUNNER = os.environ.get("CATALOG_RUNNER", "worker")
    CATALOG_RUN_STALE_SECONDS = _int("CATALOG_RUN_STALE_SECONDS", 30 * 60)

    # Operations (README, "Operations"): request log lines as JSON ("json") or plain text;
    # Sentry for errors (needs sentry-sdk installed); how many proxies in front of the web
    # processes set X-Forwarded-For/-Proto/-Prefix (0: none trusted; 1: one proxy, ProxyFix).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # /metrics answers these addresses or networks (comma separated), or a Bearer METRICS_TOKEN.
    METRICS_ALLOW_FROM = os.environ.get("METRICS_ALLOW_FROM", "127.0.0.1,::1")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # Uploaded files (photos); backups carry them. Default: the instance folder's uploads/.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or None

    PREFERRED_URL_SCHEME = "http"

    # Maps: the tile server ({z}/{x}/{y}, optionally {s}) and the attribution its licence asks
    # for (HTML, shown on every map); MAP_BOUNDS "minLon,minLat,maxLon,maxLat" is the city,
    # outside which a location is refused (unset: anywhere on Earth). The board works without
    # tiles: every map has a list beside it, and the forms take latitude and longitude typed.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL") or "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_ATTRIBUTION = (
        os.environ.get("MAP_ATTRIBUTION")
        or '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    MAP_BOUNDS = os.environ.get("MAP_BOUNDS") or None

    # Photos: where they are stored (re-encoded, random names), the largest upload accepted, and
    # the most pixels a decoded image may have (larger ones, decompression bombs included, are refused).
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    PHOTO_MAX_PIXELS = _int("PHOTO_MAX_PIXELS", 40_000_000)

    # Open reports from different people that hide an item automatically, pending review.
    FLAG_HIDE_THRESHOLD = _int("FLAG_HIDE_THRESHOLD", 3)
    # Only reports from accounts at least this old count towards that threshold.
    FLAG_MIN_ACCOUNT_AGE_HOURS = _int("FLAG_MIN_ACCOUNT_AGE_HOURS", 24)
    # Reports, per person and (separately) per address, whichever way they arrive.
    RATELIMIT_FLAGS = os.environ.get("RATELIMIT_FLAGS", "10 per minute;50 per day")


class DevelopmentConfig(Config):
    """Local development: generated secret key, mail written to the log."""

    ENV_NAME = "development"


class ProductionConfig(Config):
    """Production: secure cookies; SECRET_KEY and CIVICBOARD_URL from the environment are required."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class TestingConfig(Config):
    """The test suite: in-memory mail, cheap defaults; the database comes from the fixture."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    CIVICBOARD_URL = "http://localhost"  # the host Flask's test client sends
    MAIL_BACKEND = "memory"
    REDIS_URL = None
    PAGE_CACHE_SECONDS = 0  # tests see every change at once; tests/test_pagecache.py turns it on
    BRIEF_CACHE_SECONDS = 0
    SNAPSHOT_RUNNER = "off"  # no stray build threads; tests that need one turn it on
    # One process, a fresh app per test: the branding is read once and re-read only after a save,
    # so query budgets do not depend on when a cache entry expires.
    BRANDING_CACHE_SECONDS = None
    CATALOG_RUNNER = "thread"  # tests wait on the run (jobs.wait_for_background); the worker's path has its own tests
    # A cheap hash keeps the suite fast; production uses scrypt (tested on its own).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a KDF name


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[Config]:
    """Pick the config class named by CIVICBOARD_ENV (default development)."""
    name = os.environ.get("CIVICBOARD_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"CIVICBOARD_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
