"""Security headers, CSRF policy and safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from civicboard.extensions import csrf


def content_security_policy(tile_url: str | None = None) -> str:
    """The CSP: everything from this site only, except map tiles, which come from the tile server.

    Only the tile server's origin is added, to img-src alone ("{s}" subdomains become a
    wildcard for that host); scripts and styles stay this site's own.
    """
    images = "img-src 'self' data:"
    tile_origin = _tile_origin(tile_url)
    if tile_origin:
        images += f" {tile_origin}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _tile_origin(tile_url: str | None) -> str | None:
    """scheme://host[:port] of a tile URL template, "{s}." turned into "*."; None when relative or odd."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}.", "wildcard-subdomain."))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.replace("wildcard-subdomain.", "*.")
    if any(ch in host for ch in " ;,'\"{}"):
        return None
    return f"{parts.scheme}://{host}"


CONTENT_SECURITY_POLICY = content_security_policy()


def register(app: Flask) -> None:
    """Check CSRF on cookie-authenticated writes and add security headers to every response."""
    # CSRFProtect's own hook would also check API requests authenticated by a bearer token;
    # those carry no cookie to ride on, so we run the check ourselves and skip them.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config.get("MAP_TILE_URL"))
    app.before_request(_check_csrf)
    app.after_request(_add_security_headers)


def csrf_exempt_when(app: Flask, endpoint: str, condition: Callable[[], bool]) -> None:
    """Skip the CSRF check on one endpoint when `condition()` holds for the request.

    For requests that carry their own credential and no cookie, such as an RFC 8058 one-click
    unsubscribe (a signed token in the URL, body `List-Unsubscribe=One-Click`).
    """
    app.extensions.setdefault("csrf_exempt_when", {})[endpoint] = condition


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or request.routing_exception is not None:
        return
    exempt = current_app.extensions.get("csrf_exempt_when", {}).get(request.endpoint)
    if exempt is not None and exempt():
        return
    if request.path.startswith("/api/") and request.headers.get("Authorization"):
        return
    # Views that authenticate by a token in the request itself and never read the session
    # (Open311's api_key): a forged cross-site request has no token to carry.
    if getattr(current_app.view_functions.get(request.endpoint or ""), "accepts_token_only", False):
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    csrf.protect()


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy", current_app.config.get("CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # "Use my location" on the problem forms asks the browser for this site's own pages only.
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["ENV_NAME"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def per_worker_limits_warning(workers: int, redis_url: str | None) -> str | None:
    """The start-up warning for several worker processes keeping rate limits in memory, or None.

    Without REDIS_URL each process counts on its own, so N workers let through N times every
    limit (logins, resets, new problems, votes); the page cache is per process too.
    """
    if workers <= 1 or redis_url:
        return None
    return (
        f"Rate limits are kept in memory, per worker process: with {workers} workers every limit "
        f"(logins, password resets, new problems, votes, the API) lets through up to {workers} times "
        "its number. Set REDIS_URL to share them across workers and hosts."
    )


def threaded_workers_warning(threads: int) -> str | None:
    """The start-up warning for gunicorn workers running several threads each, or None.

    Under load, threaded workers of this stack (CPython 3.11, gthread) died of segmentation
    faults inside the garbage collector's work, on SQLite and PostgreSQL alike, every few
    seconds at 16 signed-in connections; with one thread per process they rarely did (and not
    once since the collector runs between requests: civicboard.ops.collector), and served as
    many pages (Python runs one thread at a time). See docs/operations.md.
    """
    if threads <= 1:
        return None
    return (
        f"Workers run {threads} threads each: under load, threaded workers crashed (segmentation "
        "faults) on CPython 3.11. Run one thread per worker and more workers instead "
        "(--threads 1 --workers 2-4 per core; docs/operations.md)."
    )


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Return target only if it is a path on this site, else fallback.

    Refuses absolute URLs, scheme-relative `//host`, backslash tricks like `/\\host` (browsers
    read backslashes as slashes), control characters and any scheme such as `javascript:`.
    """
    if not target:
        return fallback
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    candidate = target.replace("\\", "/")
    if not candidate.startswith("/") or candidate.startswith("//"):
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return fallback
    return target
