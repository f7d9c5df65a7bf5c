"""Capabilities as an enum, and the domain NotFound services raise, mapped to 404 by the web layer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from civicboard.moderation import services as moderation_services
from civicboard.permissions import CAPABILITIES, Capability, NotFound, Role, capability_required, has_capability


def test_every_capability_names_the_roles_that_grant_it():
    assert set(CAPABILITIES) == set(Capability)


def test_an_unknown_capability_is_an_error_not_a_silent_no(user_factory):
    admin = user_factory(roles=[Role.ADMIN])
    with pytest.raises(KeyError):
        has_capability(admin, "moderate_everything")
    with pytest.raises(KeyError):
        capability_required("moderate_everything")


def test_admins_hold_every_capability_and_residents_none(user_factory):
    admin, resident = user_factory(roles=[Role.ADMIN]), user_factory()
    assert all(has_capability(admin, capability) for capability in Capability)
    assert not any(has_capability(resident, capability) for capability in Capability)


def test_a_service_reports_a_missing_item_with_the_domain_not_found(user_factory):
    reporter = user_factory()
    with pytest.raises(NotFound):
        moderation_services.flag(reporter, "problem", 999_999, "spam")


def test_a_service_not_found_is_a_404_page(client, logged_in):
    client, _ = logged_in
    response = client.form("/flags", {"target_type": "problem", "target_id": "999999", "reason": "spam"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)


def test_a_service_not_found_is_the_api_json_error(client, logged_in):
    client, _ = logged_in
    response = client.post(
        "/api/v1/flags",
        json={"target_type": "problem", "target_id": 999_999, "reason": "spam"},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_handlers_leave_permission_checks_to_the_services():
    # The API must not be able to differ from the site: the services are the one check.
    api = Path(__file__).resolve().parent.parent / "civicboard" / "api"
    check = re.compile(r"\b(?:require|require_active|has_capability)\(|\.can_\w+\(")
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(api.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if check.search(line)
    ]
    assert offenders == []
