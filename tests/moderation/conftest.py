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


@pytest.fixture
def residents(user_factory):
    """residents(3) -> three established residents (accounts two days old), whose reports count."""
    from datetime import timedelta

    from civicboard.extensions import db
    from civicboard.timeutil import utcnow

    def make(n: int) -> list:
        people = [user_factory() for _ in range(n)]
        for person in people:
            person.created_at = utcnow() - timedelta(days=2)
        db.session.commit()
        return people

    return make
