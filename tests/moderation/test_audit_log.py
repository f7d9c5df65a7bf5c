"""The audit log page: moderators and admins browse and filter it, newest first, in keyset pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from civicboard.audit.models import AuditEntry
from civicboard.audit.services import record
from civicboard.extensions import db
from civicboard.timeutil import utcnow


@pytest.fixture
def entries(moderator, user_factory):
    """A few audit entries by different actors, on different targets and days."""
    other = user_factory(roles=["moderator"], name="Other Mod")
    oldest = AuditEntry(
        actor_id=moderator.id,
        action="problem.hide",
        target_type="problem",
        target_id="1",
        reason="Spam.",
        details={},
        created_at=utcnow() - timedelta(days=10),
    )
    db.session.add(oldest)
    made = [
        oldest,
        record(other, "problem.lock", "problem", 2, "Heated."),
        record(None, "comment.hide", "comment", 7, "Hidden automatically"),
        record(moderator, "user.ban", "user", other.id, "Test."),
    ]
    db.session.commit()
    return made


def _text(client, query: str = "") -> str:
    response = client.get("/moderation/audit" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _shown(html: str) -> list[str]:
    """The actions listed, without the accounts the fixtures made (user.create)."""
    actions = re.findall(r'data-action="((?:problem|comment|user)\.[a-z]+)"', html)
    return [a for a in actions if a != "user.create"]


def test_moderators_see_the_log_newest_first(moderator_client, entries):
    assert _shown(_text(moderator_client)) == ["user.ban", "comment.hide", "problem.lock", "problem.hide"]


def test_filter_by_exact_action_and_by_prefix(moderator_client, entries):
    assert _shown(_text(moderator_client, "?action=problem.lock")) == ["problem.lock"]
    assert _shown(_text(moderator_client, "?action=problem.")) == ["problem.lock", "problem.hide"]


def test_filter_by_actor_id_email_or_system(moderator_client, moderator, entries):
    assert _shown(_text(moderator_client, f"?actor={moderator.id}")) == ["user.ban", "problem.hide"]
    assert _shown(_text(moderator_client, f"?actor={moderator.email}")) == ["user.ban", "problem.hide"]
    assert _shown(_text(moderator_client, "?actor=system")) == ["comment.hide"]
    assert _shown(_text(moderator_client, "?actor=nobody@example.org")) == []


def test_filter_by_target(moderator_client, entries):
    assert _shown(_text(moderator_client, "?target_type=problem&target_id=2")) == ["problem.lock"]
    assert _shown(_text(moderator_client, "?target_type=comment")) == ["comment.hide"]


def test_filter_by_date_range(moderator_client, entries):
    today = utcnow().date()
    start = (today - timedelta(days=1)).isoformat()
    old = (today - timedelta(days=10)).isoformat()
    assert "problem.hide" not in _shown(_text(moderator_client, f"?start={start}"))
    assert _shown(_text(moderator_client, f"?start={old}&end={old}")) == ["problem.hide"]


def test_pages_are_keyset_on_id(moderator_client, moderator):
    for i in range(55):
        record(moderator, "problem.lock", "problem", i)
    db.session.commit()
    html = _text(moderator_client, "?action=problem.lock")
    assert len(_shown(html)) == 50
    cursor = re.search(r'before=(\d+)" rel="next"', html).group(1)
    rest = _text(moderator_client, f"?action=problem.lock&before={cursor}")
    assert len(_shown(rest)) == 5 and 'rel="next"' not in rest


def test_admins_may_read_the_log(make_client, user_factory, login, entries):
    client = make_client()
    login(client, user_factory(roles=["admin"]))
    assert client.get("/moderation/audit").status_code == 200


@pytest.mark.parametrize("roles", [[], ["staff"], ["organizer"]])
def test_others_may_not(make_client, user_factory, login, roles):
    client = make_client()
    login(client, user_factory(roles=roles))
    assert client.get("/moderation/audit").status_code == 403


def test_log_page_asks_a_fixed_number_of_queries(moderator_client, moderator, user_factory, count_queries):
    counts = []
    for _ in range(2):
        for _ in range(20):
            record(user_factory(), "problem.lock", "problem", 1)
        db.session.commit()
        with count_queries() as counter:
            _text(moderator_client)
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 3
    assert db.session.query(AuditEntry).count() >= 40
