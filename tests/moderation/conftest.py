"""Fixtures for the moderation tests: moderators and their logged-in browsers."""

from __future__ import annotations

import pytest


@pytest.fixture
def moderator(user_factory):
    """A moderator."""
    return user_factory(roles=["moderator"])


@pytest.fixture
def moderator_client(make_client, moderator, login):
    """A browser logged in as the moderator."""
    client = make_client()
    login(client, moderator)
    return client
