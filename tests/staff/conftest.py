"""Fixtures for the staff tests: staff members and their logged-in browsers."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff(user_factory):
    """A staff member of the Transportation department."""
    return user_factory(roles=["staff"], department="Transportation")


@pytest.fixture
def staff_client(make_client, staff, login):
    """A browser logged in as the staff member."""
    client = make_client()
    login(client, staff)
    return client
