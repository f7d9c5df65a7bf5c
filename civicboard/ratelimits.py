"""Rate-limit budgets: one named scope per budget, used by the site's forms and the JSON API alike.

A budget is one decorator (and one scope in the limiter's storage), put on the page's route
and on the API's route, so switching from the form to the API buys nothing. The limits
themselves are configuration (the RATELIMIT_* settings in docs/configuration.md), read at request time
so tests and operators can change them.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, g, request
from flask_login import current_user

from civicboard.auth.sessions import user_for_api_token
from civicboard.extensions import client_address, limiter

# Scopes: the names the limiter stores budgets under.
PROBLEMS = "problems"
COMMENTS = "comments"
VOTES = "votes"
API = "api"
LOGIN = "login"
LOGIN_EMAIL = "login-email"
REGISTER = "register"
PASSWORD_RESET = "password-reset"  # noqa: S105 (a scope name)
EXPORTS = "exports"
INSIGHTS = "insights"
OPEN311 = "open311"

# The methods that write; reading a page or a form never spends a budget.
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


def config_limit(name: str) -> Callable[[], str]:
    """A limit read from the configuration at request time."""
    return lambda: current_app.config[name]


def rate_key() -> str:
    """Rate-limit key: the account when authenticated (session or token), else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{client_address()}"


def created(response: Response) -> bool:
    """Count a write when it created something (the API's 201, a form's redirect), or was
    refused as malformed or oversized (400, 413: a list of 60,000 ids); a form shown again
    for an honest mistake (422) does not count."""
    return response.status_code in (201, 302, 303, 400, 413)


def _per_person(setting: str, scope: str, **options) -> Callable:
    # override_defaults=False: the API's own per-request budget still applies under /api/v1.
    return limiter.shared_limit(
        config_limit(setting), scope=scope, key_func=rate_key, methods=WRITES, override_defaults=False, **options
    )


problems_limit = _per_person("RATELIMIT_PROBLEMS", PROBLEMS, deduct_when=created)


def api_key_user():
    """The account an Open311 `api_key` form field names (looked up once per request), or None."""
    if "api_key_user" not in g:
        g.api_key_user, g.api_key_suspended = user_for_api_token(request.form.get("api_key"))
    return g.api_key_user


def api_key_rate_key() -> str:
    """Rate-limit key of a request authenticated by an `api_key` field: the same key as the
    account's form and API requests (so the budgets are shared), else the client address."""
    user = api_key_user()
    return f"user:{user.id}" if user is not None else f"addr:{client_address()}"


# Problems proposed through Open311 spend the account's RATELIMIT_PROBLEMS budget too.
open311_problems_limit = limiter.shared_limit(
    config_limit("RATELIMIT_PROBLEMS"),
    scope=PROBLEMS,
    key_func=api_key_rate_key,
    methods=WRITES,
    override_defaults=False,
    deduct_when=created,
)
comments_limit = _per_person("RATELIMIT_COMMENTS", COMMENTS, deduct_when=created)
# Voting and withdrawing spend one budget, so toggling cannot double it.
votes_limit = _per_person("RATELIMIT_VOTES", VOTES)
# Every API request, read or write, per account (per address when anonymous).
api_limit = limiter.shared_limit(config_limit("RATELIMIT_API"), scope=API, key_func=rate_key)

# Reports (flags), form and API together: per person, and separately per client address.
FLAGS_PERSON = "flags-person"
FLAGS_ADDRESS = "flags-address"
flags_person_limit = _per_person("RATELIMIT_FLAGS", FLAGS_PERSON)
flags_address_limit = limiter.shared_limit(
    config_limit("RATELIMIT_FLAGS"), scope=FLAGS_ADDRESS, methods=WRITES, override_defaults=False
)

# Account pages: per client address (and per email for logging in).
register_limit = limiter.shared_limit(config_limit("RATELIMIT_REGISTER"), scope=REGISTER, methods=["POST"])
password_reset_limit = limiter.shared_limit(
    config_limit("RATELIMIT_PASSWORD_RESET"), scope=PASSWORD_RESET, methods=["POST"]
)
login_limit = limiter.shared_limit(config_limit("RATELIMIT_LOGIN"), scope=LOGIN, methods=["POST"])


def login_email_limit(key_func: Callable[[], str]) -> Callable:
    """The login budget per email address typed (key_func reads it from the form)."""
    return limiter.shared_limit(config_limit("RATELIMIT_LOGIN"), scope=LOGIN_EMAIL, key_func=key_func, methods=["POST"])


def address_key() -> str:
    """Rate-limit key: the client address, signed in or not (for public reads of the whole board)."""
    return f"addr:{client_address()}"


# Reads whose work grows with the whole board, per client address: the exports (every format
# share one budget), the figures (page and CSV share another), and Open311's request list
# (its `page` walks an OFFSET). See docs/open-data.md, "Rate limits and response sizes".
export_limit = limiter.shared_limit(config_limit("RATELIMIT_EXPORTS"), scope=EXPORTS, key_func=address_key)
insights_limit = limiter.shared_limit(config_limit("RATELIMIT_INSIGHTS"), scope=INSIGHTS, key_func=address_key)
open311_limit = limiter.shared_limit(config_limit("RATELIMIT_OPEN311"), scope=OPEN311, key_func=address_key)
