"""Roles, capabilities, the checks services and views use to enforce them, and the errors they raise."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user


class Role(enum.StrEnum):
    """The roles a user can hold; every account is a resident."""

    RESIDENT = "resident"
    STAFF = "staff"
    MODERATOR = "moderator"
    ORGANIZER = "organizer"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.STAFF: _l("City staff"),
    Role.MODERATOR: _l("Moderator"),
    Role.ORGANIZER: _l("Organizer"),
    Role.ADMIN: _l("Administrator"),
}


class Capability(enum.StrEnum):
    """What a role lets its holder do; services check these, templates only hide buttons."""

    RESPOND = "respond"
    MANAGE_EVIDENCE = "manage_evidence"
    MANAGE_DATASETS = "manage_datasets"
    MANAGE_CATEGORIES = "manage_categories"
    VIEW_STAFF_QUEUE = "view_staff_queue"
    MODERATE = "moderate"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_CHALLENGES = "manage_challenges"
    MANAGE_ROLES = "manage_roles"
    MANAGE_DEPARTMENTS = "manage_departments"
    MANAGE_SITE_PAGES = "manage_site_pages"


# Which roles grant which capability; admins hold every capability (the empty sets: admins only).
CAPABILITIES: dict[Capability, frozenset[Role]] = {
    Capability.RESPOND: frozenset({Role.STAFF}),
    Capability.MANAGE_EVIDENCE: frozenset({Role.STAFF}),
    Capability.MANAGE_DATASETS: frozenset({Role.STAFF}),
    Capability.MANAGE_CATEGORIES: frozenset({Role.STAFF}),
    Capability.VIEW_STAFF_QUEUE: frozenset({Role.STAFF}),
    Capability.MODERATE: frozenset({Role.MODERATOR}),
    Capability.VIEW_AUDIT_LOG: frozenset({Role.MODERATOR}),
    Capability.MANAGE_CHALLENGES: frozenset({Role.ORGANIZER}),
    Capability.MANAGE_ROLES: frozenset(),
    Capability.MANAGE_DEPARTMENTS: frozenset(),
    Capability.MANAGE_SITE_PAGES: frozenset(),
}


def as_capability(capability: Capability | str) -> Capability:
    """The Capability named (a plain string is accepted); KeyError for a name that is none."""
    try:
        return Capability(capability)
    except ValueError:
        raise KeyError(f"unknown capability {capability!r}") from None


class PermissionDenied(Exception):
    """Raised by services when the acting user may not do what they asked."""

    def __init__(self, message: str | None = None) -> None:
        message = message or gettext("You are not allowed to do that.")
        super().__init__(message)
        self.message = message


class NotFound(Exception):
    """Raised by services when what they were asked about does not exist for the acting user.

    A hidden item is "not found" to those who may not see it, so a 404 never confirms it exists.
    The web layer answers 404 (an HTML page, or the API's JSON error).
    """

    status = 404

    def __init__(self, message: str | None = None) -> None:
        message = message or gettext("We could not find that. It may have moved or been removed.")
        super().__init__(message)
        self.message = message


def has_capability(user: Any, capability: Capability | str) -> bool:
    """True when the user holds a role granting the capability (admins hold all).

    A suspended or banned account holds no capability, whatever its roles: the one place
    every service, view and API path asks (User.active_roles).
    """
    granted_by = CAPABILITIES[as_capability(capability)]
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_banned:
        return False
    roles = user.active_roles
    return Role.ADMIN in roles or bool(roles & granted_by)


def require(user: Any, capability: Capability | str) -> None:
    """Raise PermissionDenied unless the user holds the capability."""
    if not has_capability(user, capability):
        raise PermissionDenied()


class ConfirmationRequired(PermissionDenied):
    """The account's email address is not confirmed yet: it may read, follow and draft, not act."""

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Confirm your email address first: open the link we emailed you. "
                "Until then you can read, follow and draft, but not propose, vote, comment or report."
            )
        )


def can_act(user: Any) -> bool:
    """True when the user may propose, vote, comment, flag or submit: logged in, confirmed, not suspended."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_confirmed) and not user.is_banned


def require_active(user: Any) -> None:
    """Raise PermissionDenied unless the user is logged in, confirmed, and not suspended or banned."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(gettext("Please log in to continue."))
    if user.is_banned:
        raise PermissionDenied(gettext("Your account is suspended; you cannot post, vote or flag."))
    if not user.is_confirmed:
        raise ConfirmationRequired()


F = TypeVar("F", bound=Callable[..., Any])


def capability_required(capability: Capability | str) -> Callable[[F], F]:
    """View decorator: 401 for anonymous users, 403 without the capability."""
    capability = as_capability(capability)  # a misspelt name fails at import, not per request

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            if not has_capability(current_user, capability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
