"""Fixtures for the place tests: API clients with tokens, a moderator."""

from __future__ import annotations

import pytest

from tests.api.conftest import api_as, token_for  # noqa: F401  (fixtures shared with the API tests)
from tests.problems.conftest import make_problem  # noqa: F401


@pytest.fixture
def moderator_user(user_factory):
    return user_factory(roles=["moderator"], name="Mo Derator")
