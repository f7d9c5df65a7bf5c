"""Request ids and one structured log line per request; errors to Sentry when SENTRY_DSN is set.

Every request gets an id: the client's (or the proxy's) `X-Request-ID` when it is sane
(1-128 letters, digits and `-_.:`), else a new random one. It is sent back as `X-Request-ID`,
shown on error pages ("reference"), attached to every log record made during the request,
and to Sentry events, so a resident's report can be found in the logs.

`LOG_FORMAT=json` writes each record as one JSON object per line (for a log shipper);
otherwise a plain `key=value` line. The request line goes to the `civicboard.requests`
logger at INFO.

A link that carries a secret in its path (email confirmation, password reset, email change,
unsubscribe, team invitation: any route with a `<token>` part) is logged, and sent to Sentry,
with the secret replaced by `<token>`, as are query parameters that hold one (`token=`,
`api_key=`, ...): logs are read by more people, and kept longer, than those links live.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.logging import default_handler

log = logging.getLogger("civicboard.requests")

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_HANDLER_FLAG = "_civicboard_handler"
_ROUTES_KEY = "civicboard.tokenised_routes"
REDACTED = "<token>"
# Route arguments, and query parameters, whose value is a credential.
SECRET_ARGUMENT = re.compile(r"(^|_)token$")
SECRET_PARAMETER = re.compile(r"(^|_)(token|api_key|key|secret|signature|password)$", re.I)
_RULE_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

# Fields of a record that are the logging module's own, not extra data to print.
_STANDARD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def register(app: Flask) -> None:
    """Give each request an id, log it when it ends, and start Sentry when configured."""
    _configure_handler(app.config.get("LOG_FORMAT") or "text")
    app.before_request(_start)
    app.after_request(_finish)
    init_sentry(app)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request whose before_request functions did not run
        _start()
        request_id = g.request_id
    response.headers[REQUEST_ID_HEADER] = request_id
    duration = time.perf_counter() - g.get("request_started", time.perf_counter())
    g.request_duration = duration
    path = loggable_path(request.path)
    log.info(
        "%s %s %s %.1fms",
        request.method,
        path,
        response.status_code,
        duration * 1000,
        extra={
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 1),
            "endpoint": request.endpoint,
            "remote_addr": request.remote_addr,
            "cache": response.headers.get("X-Cache"),
        },
    )
    return response


def _secret_routes(app: Flask) -> list[re.Pattern[str]]:
    """A pattern per route with a secret argument: its beginning, each secret a group `sN`.

    Built once per app from the URL map, so a new tokenised route is covered without a list to
    keep up to date. Patterns match a path's beginning: a mistyped link (a trailing slash, an
    extra segment) that no route answers is redacted too.
    """
    patterns = app.extensions.get(_ROUTES_KEY)
    if patterns is None:
        patterns = []
        for rule in app.url_map.iter_rules():
            if not any(SECRET_ARGUMENT.search(name) for name in rule.arguments):
                continue
            pattern, start, secrets = "", 0, 0
            for match in _RULE_PART.finditer(rule.rule):
                pattern += re.escape(rule.rule[start : match.start()])
                if SECRET_ARGUMENT.search(match.group(1)):
                    pattern += f"(?P<s{secrets}>[^/]+)"
                    secrets += 1
                else:
                    pattern += "[^/]+"
                start = match.end()
            patterns.append(re.compile(pattern))
        app.extensions[_ROUTES_KEY] = patterns
    return patterns


def loggable_path(path: str, app: Flask | None = None) -> str:
    """The path with the secret of a tokenised link replaced by `<token>` (app: the current one)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    for pattern in _secret_routes(app):
        match = pattern.match(path)
        if match:
            for name in sorted(match.groupdict(), reverse=True):
                path = path[: match.start(name)] + REDACTED + path[match.end(name) :]
            return path
    return path


def loggable_query(query: str, app: Flask | None = None) -> str:
    """A query string with the values of credential parameters (token=, api_key=, ...) replaced,
    and paths in it (a log-in's `next=`) redacted like the request's own."""
    if not query:
        return query

    def value_of(key: str, value: str) -> str:
        if SECRET_PARAMETER.search(key):
            return REDACTED
        return loggable_path(value, app) if value.startswith("/") else value

    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(key, value_of(key, value)) for key, value in pairs], safe="<>/")


def loggable_url(url: str, app: Flask | None = None) -> str:
    """An absolute URL with its path and query redacted as above."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=loggable_path(parts.path, app), query=loggable_query(parts.query, app)))


class _RequestIdFilter(logging.Filter):
    """Attach the current request's id to every record made while handling it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_FIELDS and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger message key=value ...`: the extra fields after the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in _STANDARD_FIELDS and value is not None and key != "exc_text"
        ]
        if extras and "\n" not in line:
            line = f"{line} {' '.join(extras)}"
        return line


def _configure_handler(log_format: str) -> None:
    """One stderr handler on the `civicboard` logger (once per process), in the chosen format."""
    root = logging.getLogger("civicboard")
    formatter = JsonFormatter() if log_format.strip().lower() == "json" else TextFormatter()
    for handler in root.handlers:
        if getattr(handler, _HANDLER_FLAG, False):
            handler.setFormatter(formatter)
            return
    handler = logging.StreamHandler()
    setattr(handler, _HANDLER_FLAG, True)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # app.logger is this same logger: Flask's own stderr handler would print every line twice.
    root.removeHandler(default_handler)


def scrub_event(app: Flask, event: dict) -> dict:
    """For Sentry's before_send: the request's URL and query without the secrets of tokenised links."""
    req = event.get("request")
    if isinstance(req, dict):
        if isinstance(req.get("url"), str):
            req["url"] = loggable_url(req["url"], app)
        if isinstance(req.get("query_string"), str):
            req["query_string"] = loggable_query(req["query_string"], app)
    return event


def init_sentry(app: Flask) -> bool:
    """Send errors to Sentry when SENTRY_DSN is set and sentry-sdk is installed; True if started."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.flask import FlaskIntegration
    except ImportError:
        app.logger.warning("SENTRY_DSN is set but sentry-sdk is not installed: pip install sentry-sdk")
        return False
    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        environment=app.config.get("ENV_NAME"),
        send_default_pii=False,  # no cookies, addresses or form bodies leave the board
        traces_sample_rate=0.0,
        before_send=lambda event, hint: scrub_event(app, event),
    )

    @app.before_request
    def _tag_request() -> None:
        sentry_sdk.set_tag("request_id", g.get("request_id"))

    return True
