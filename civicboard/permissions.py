"""Roles, capabilities, and the checks services and views use to enforce them."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user


class Role(enum.StrEnum):
    """The roles a user can hold; every account is a resident."""

    RESIDENT = "resident"
    STAFF = "staff"
    MODERATOR = "moderator"
    ORGANIZER = "organizer"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.RESIDENT: "Resident",
    Role.STAFF: "City staff",
    Role.MODERATOR: "Moderator",
    Role.ORGANIZER: "Organizer",
    Role.ADMIN: "Administrator",
}

# Which roles grant which capability; admins hold every capability.
CAPABILITIES: dict[str, set[Role]] = {
    "respond": {Role.STAFF},
    "manage_evidence": {Role.STAFF},
    "manage_datasets": {Role.STAFF},
    "manage_categories": {Role.STAFF},
    "view_staff_queue": {Role.STAFF},
    "moderate": {Role.MODERATOR},
    "view_audit_log": {Role.MODERATOR},
    "manage_challenges": {Role.ORGANIZER},
    "manage_roles": set(),
    "manage_departments": set(),
}


class PermissionDenied(Exception):
    """Raised by services when the acting user may not do what they asked."""

    def __init__(self, message: str = "You are not allowed to do that.") -> None:
        super().__init__(message)
        self.message = message


def has_capability(user: Any, capability: str) -> bool:
    """True when the user holds a role granting the capability (admins hold all).

    A suspended or banned account holds no capability, whatever its roles: the one place
    every service, view and API path asks (User.active_roles).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if user.is_banned:
        return False
    roles = user.active_roles
    return Role.ADMIN in roles or bool(roles & CAPABILITIES[capability])


def require(user: Any, capability: str) -> None:
    """Raise PermissionDenied unless the user holds the capability."""
    if not has_capability(user, capability):
        raise PermissionDenied()


def require_active(user: Any) -> None:
    """Raise PermissionDenied unless the user is logged in and not suspended or banned."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Please log in to continue.")
    if user.is_banned:
        raise PermissionDenied("Your account is suspended; you cannot post, vote or flag.")


F = TypeVar("F", bound=Callable[..., Any])


def capability_required(capability: str) -> Callable[[F], F]:
    """View decorator: 401 for anonymous users, 403 without the capability."""

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
