"""Anonymous readers of public pages get no cookie: nothing writes a session on their GETs.

A session cookie would make every later page bypass the page cache for that visitor, and a
CSRF token is only needed for forms an anonymous reader cannot use anyway.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from civicboard.challenges import services as challenge_services
from civicboard.extensions import db
from civicboard.problems import services as problem_services
from civicboard.timeutil import utcnow


@pytest.fixture
def public_site(user_factory, dataset_factory, problem_factory):
    """A small board: a problem with comments and a reply, a dataset, a published challenge."""
    author, other = user_factory(), user_factory()
    dataset = dataset_factory(title="Street trees")
    problem = problem_factory(title="Potholes on Broadway", datasets=[dataset])
    request = problem_factory(title="Publish the tree census", data_request="The census, please.")
    top = problem_services.add_comment(author, problem, "The first comment.")
    problem_services.add_comment(other, problem, "A reply.", parent_id=top.id)
    organizer = user_factory(roles=["organizer"])
    start = utcnow() + timedelta(days=7)
    challenge = challenge_services.create_challenge(
        organizer,
        title="Civic hack night",
        summary="Fix the streets.",
        starts_at=start.isoformat() + "Z",
        ends_at=(start + timedelta(days=2)).isoformat() + "Z",
        timezone="America/New_York",
        place="City Hall",
        is_online=False,
        contact="organizers@example.org",
    )
    challenge_services.add_problem(organizer, challenge, problem.id)
    challenge_services.add_dataset(organizer, challenge, dataset.id)
    challenge_services.publish_challenge(organizer, challenge)
    db.session.commit()
    return {
        "home": "/",
        "board, newest": "/?sort=new",
        "problem": f"/problems/{problem.id}",
        "data request": f"/problems/{request.id}",
        "challenges": "/challenges",
        "challenge": f"/challenges/{challenge.slug}",
        "datasets": "/datasets",
        "dataset": f"/datasets/{dataset.id}",
        "data requests": "/data-requests",
        "search": "/search?q=potholes",
        "insights": "/insights",
        "profile": f"/users/{author.id}",
    }


def test_anonymous_gets_of_public_pages_set_no_cookie(client, public_site):
    for name, url in public_site.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert response.headers.getlist("Set-Cookie") == [], (name, url)
