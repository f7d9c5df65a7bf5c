"""Error handlers: HTML pages for the site, the contract's JSON shape under /api/."""

from __future__ import annotations

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from civicboard.permissions import ConfirmationRequired, NotFound, PermissionDenied
from civicboard.validation import ValidationError

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}

ERROR_TITLES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    401: (_l("Please log in"), _l("You need to log in to do that.")),
    403: (_l("Not allowed"), _l("You do not have permission to do that.")),
    404: (_l("Page not found"), _l("We could not find that page. It may have moved or been removed.")),
    405: (_l("Method not allowed"), _l("That page cannot be used this way.")),
    409: (_l("Conflict"), _l("That conflicts with the current state of the item.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept.")),
    422: (_l("Check your input"), _l("Some of what you sent is not valid.")),
    429: (_l("Slow down"), _l("You have made too many requests. Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened on our side. It has been logged.")),
}


def wants_json() -> bool:
    """API paths always answer JSON."""
    return request.path.startswith("/api/")


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None) -> Response:
    """The contract's error body with the matching status."""
    body = {
        "error": {
            "status": status,
            "code": code or ERROR_CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }
    response = jsonify(body)
    response.status_code = status
    return response


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        if isinstance(exc, CSRFError):
            message = _("The form expired or was sent from another site. Reload the page and try again.")
        elif status == 500 or (status in ERROR_TITLES and exc.description == type(exc).description):
            # Werkzeug's stock wording is English only: ours says the same in the reader's language.
            message = str(ERROR_TITLES[status][1])
        else:
            message = exc.description
        if wants_json():
            response = json_error(status, message)
        elif status == 401:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        else:
            title, default = ERROR_TITLES.get(status, (exc.name, exc.description))
            detail = message if isinstance(exc, CSRFError) or status in (400, 409, 422) else default
            html = render_template("errors/error.html", status=status, title=title, message=detail)
            response = app.make_response((html, status))
        # Keep headers such as Allow (405) and Retry-After (429).
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        if status == 429:
            response.headers.setdefault("Retry-After", _retry_after(exc))
        return response

    @app.errorhandler(PermissionDenied)
    def handle_denied(exc: PermissionDenied):
        if wants_json():
            return json_error(403, exc.message)
        html = render_template(
            "errors/error.html",
            status=403,
            title=ERROR_TITLES[403][0],
            message=exc.message,
            offer_confirmation=isinstance(exc, ConfirmationRequired),
        )
        return html, 403

    @app.errorhandler(NotFound)
    def handle_not_found(exc: NotFound):
        if wants_json():
            return json_error(404, exc.message)
        html = render_template("errors/error.html", status=404, title=ERROR_TITLES[404][0], message=exc.message)
        return html, 404

    @app.errorhandler(ValidationError)
    def handle_validation(exc: ValidationError):
        if wants_json():
            return json_error(exc.status, exc.message, exc.fields, exc.code)
        title = ERROR_TITLES.get(exc.status, ERROR_TITLES[422])[0]
        html = render_template("errors/error.html", status=exc.status, title=title, message=exc.message)
        return html, exc.status


def _retry_after(exc: HTTPException) -> str:
    limit = getattr(exc, "limit", None)
    seconds = getattr(getattr(limit, "limit", None), "get_expiry", lambda: 60)()
    return str(seconds)
