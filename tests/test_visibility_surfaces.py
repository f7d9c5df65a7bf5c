"""Hidden means hidden on every surface: a walk over every public page, feed, export and API.

The board holds a hidden problem (tied to a dataset, curated into a challenge, with evidence
and an official response), a hidden comment on a visible problem, a hidden problem that is
the original of a visible duplicate, and a hidden project inside a challenge. Their text must
appear nowhere for an anonymous visitor or an ordinary resident; moderators and the authors
still see what problems.visibility grants them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from civicboard.challenges.models import Project
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.problems.models import Comment, Photo, ProblemStatus
from civicboard.staff.models import Response
from civicboard.timeutil import utcnow
from tests.interop import factories

HIDDEN_PROBLEM = "Zanzibarhidden problem title"
HIDDEN_PROBLEM_BODY = "Quetzalhidden description"
HIDDEN_COMMENT = "Xylophonehidden comment body"
HIDDEN_ORIGINAL = "Walrushidden original title"
HIDDEN_PROJECT = "Kumquathidden project name"
HIDDEN_PHOTO = "Okapihidden photo of a face"  # a hidden photo on a visible problem
HIDDEN_PROBLEM_PHOTO = "Narwhalhidden photo"  # a shown photo on the hidden problem
HIDDEN_PHOTO_KEY = "a" * 32
HIDDEN_PROBLEM_PHOTO_KEY = "b" * 32
SECRETS = (
    HIDDEN_PROBLEM,
    HIDDEN_PROBLEM_BODY,
    HIDDEN_COMMENT,
    HIDDEN_ORIGINAL,
    HIDDEN_PROJECT,
    HIDDEN_PHOTO,
    HIDDEN_PROBLEM_PHOTO,
    HIDDEN_PHOTO_KEY,
    HIDDEN_PROBLEM_PHOTO_KEY,
)


@dataclass
class Board:
    """The rows the walk looks for, and who wrote them."""

    dataset: Any
    hidden: Any
    visible: Any
    original: Any
    duplicate: Any
    challenge: Any
    problem_author: Any
    comment_author: Any
    staff: Any


@pytest.fixture
def board(app, user_factory, dataset_factory, problem_factory) -> Board:
    """One of each hidden thing, on a dataset, in a challenge, answered by staff."""
    problem_author = user_factory(name="Pat Author")
    comment_author = user_factory(name="Cam Commenter")
    staff = user_factory(name="Sam Staff", roles=["staff"], department="Transportation")
    organizer = user_factory(name="Oli Organizer", roles=["organizer"])
    dataset = dataset_factory("Street trees")
    now = utcnow()

    hidden = problem_factory(
        HIDDEN_PROBLEM,
        author=problem_author,
        datasets=[dataset],
        description=HIDDEN_PROBLEM_BODY,
        data_request="Tree inventory " + HIDDEN_PROBLEM_BODY,
        hidden_at=now,
        hidden_reason="Off topic",
        latitude=42.38,
        longitude=-71.09,
        address="12 " + HIDDEN_PROBLEM_BODY,
        cover_photo_key=HIDDEN_PROBLEM_PHOTO_KEY,
    )
    visible = problem_factory("Visible pothole on Main Street", datasets=[dataset], latitude=42.381, longitude=-71.091)
    original = problem_factory(HIDDEN_ORIGINAL, author=problem_author, datasets=[dataset], hidden_at=now)
    duplicate = problem_factory(
        "Duplicate report of the same thing",
        datasets=[dataset],
        status=ProblemStatus.DUPLICATE.value,
        duplicate_of_id=original.id,
    )
    db.session.add_all(
        [
            Comment(
                problem_id=visible.id,
                author_id=comment_author.id,
                body=HIDDEN_COMMENT,
                body_html=render(HIDDEN_COMMENT),
                hidden_at=now,
            ),
            Comment(problem_id=visible.id, author_id=comment_author.id, body="A kind word", body_html=render("Kind")),
            _photo(visible, comment_author, HIDDEN_PHOTO_KEY, HIDDEN_PHOTO, hidden_at=now),
            _photo(hidden, problem_author, HIDDEN_PROBLEM_PHOTO_KEY, HIDDEN_PROBLEM_PHOTO),
            Response(
                problem_id=duplicate.id,
                author_id=staff.id,
                department_id=staff.department_id,
                body="Merged into the earlier report.",
                body_html=render("Merged into the earlier report."),
                status_from=ProblemStatus.OPEN.value,
                status_to=ProblemStatus.DUPLICATE.value,
                duplicate_of_id=original.id,
            ),
        ]
    )
    db.session.commit()
    factories.make_response(hidden, staff, body="We will look at " + HIDDEN_PROBLEM_BODY)
    factories.make_evidence(hidden, dataset, staff, caption="Counts for " + HIDDEN_PROBLEM_BODY)
    challenge = factories.make_challenge(organizer, "walk")
    factories.curate(challenge, visible)
    factories.curate(challenge, hidden)
    db.session.add(Project(challenge_id=challenge.id, name=HIDDEN_PROJECT, created_by_id=organizer.id, hidden_at=now))
    db.session.commit()
    return Board(dataset, hidden, visible, original, duplicate, challenge, problem_author, comment_author, staff)


def _photo(problem, author, key: str, alt: str, **fields) -> Photo:
    """A photo row (no file: the walk reads text, and a hidden photo's address must 404 first)."""
    return Photo(
        problem_id=problem.id,
        author_id=author.id,
        key=key,
        content_type="image/png",
        width=10,
        height=10,
        thumb_width=10,
        thumb_height=10,
        byte_size=100,
        alt=alt,
        **fields,
    )


def public_surfaces(board: Board) -> list[str]:
    """Every page, feed, export and API path a visitor can read without special rights."""
    d, v, dup, h, o = board.dataset.id, board.visible.id, board.duplicate.id, board.hidden.id, board.original.id
    surfaces = [
        "/",
        "/?sort=new",
        "/?sort=top",
        f"/?dataset={d}",
        f"/problems/{v}",
        f"/problems/{dup}",
        "/datasets",
        f"/datasets/{d}",
        "/data-requests",
        "/challenges",
        "/challenges/walk",
        "/challenges/walk/brief.md",
        "/challenges/walk/brief.json",
        "/search?q=Zanzibarhidden",
        "/search?q=Walrushidden",
        "/search?q=Quetzalhidden",
        f"/users/{board.problem_author.id}",
        f"/users/{board.comment_author.id}",
        f"/departments/{board.staff.department.slug}",
        "/insights",
        "/insights.csv",
        "/feeds/problems.atom",
        f"/feeds/datasets/{d}.atom",
        "/feeds/challenges/walk.atom",
        "/exports/problems.csv",
        "/exports/problems.json",
        "/exports/problems.geojson",
        "/map",
        f"/map?dataset={d}",
        "/api/v1/problems?bbox=-71.2,42.3,-71.0,42.5",
        f"/photos/{HIDDEN_PHOTO_KEY}",
        f"/photos/{HIDDEN_PROBLEM_PHOTO_KEY}/thumbnail",
        "/data.json",
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{dup}.json",
        "/api/v1/problems",
        f"/api/v1/problems?dataset={d}",
        f"/api/v1/problems/{v}",
        f"/api/v1/problems/{dup}",
        f"/api/v1/problems/{v}/comments",
        f"/api/v1/problems/{dup}/responses",
        f"/api/v1/problems/{v}/evidence",
        "/api/v1/datasets",
        f"/api/v1/datasets/{d}",
        "/api/v1/challenges",
        "/api/v1/challenges/walk",
    ]
    # The hidden items' own addresses answer 404 (checked below), never their text.
    surfaces += [f"/problems/{h}", f"/problems/{o}", f"/api/v1/problems/{h}", f"/open311/v2/requests/{h}.json"]
    surfaces += [f"/api/v1/problems/{h}/comments", f"/api/v1/problems/{h}/responses", f"/api/v1/problems/{h}/evidence"]
    return surfaces


def leaks(client, board: Board) -> list[str]:
    """(path: secret) for every surface that shows a hidden item's text or the original's link."""
    found = []
    original_links = (f'/problems/{board.original.id}"', f'"duplicate_of": {board.original.id}')
    for path in public_surfaces(board):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        body = response.get_data(as_text=True)
        # (a 404 page may repeat the address asked for: a key in the path is not a leak)
        found += [f"{path}: {secret}" for secret in SECRETS if secret in body and secret not in path]
        found += [f"{path}: link to the hidden original" for link in original_links if link in body]
        if path.startswith("/api/") and response.is_json and isinstance(response.json, dict):
            items = response.json.get("items", [response.json])
            for item in items:
                if isinstance(item, dict) and item.get("duplicate_of") == board.original.id:
                    found.append(f"{path}: duplicate_of names the hidden original")
    return found


def test_anonymous_visitors_see_no_hidden_item_on_any_surface(client, board):
    assert leaks(client, board) == []


def test_an_ordinary_resident_sees_no_hidden_item_on_any_surface(client, login, user_factory, board):
    login(client, user_factory(name="Ordinary Resident"))

    assert leaks(client, board) == []


def test_hidden_items_own_addresses_are_not_found_for_the_public(client, board):
    for path in (
        f"/problems/{board.hidden.id}",
        f"/problems/{board.original.id}",
        f"/api/v1/problems/{board.hidden.id}",
        f"/open311/v2/requests/{board.hidden.id}.json",
        f"/photos/{HIDDEN_PHOTO_KEY}",
        f"/photos/{HIDDEN_PROBLEM_PHOTO_KEY}",
        f"/photos/{HIDDEN_PROBLEM_PHOTO_KEY}/thumbnail",
    ):
        assert client.get(path).status_code == 404, path


def test_a_duplicate_does_not_name_its_hidden_original(client, board):
    page = client.get(f"/problems/{board.duplicate.id}").get_data(as_text=True)
    api = client.get(f"/api/v1/problems/{board.duplicate.id}").json
    responses = client.get(f"/api/v1/problems/{board.duplicate.id}/responses").json

    assert HIDDEN_ORIGINAL not in page and f"/problems/{board.original.id}" not in page
    assert api["duplicate_of"] is None
    assert [r["duplicate_of"] for r in responses["items"]] == [None]


def test_moderators_still_see_hidden_items_and_the_original(client, login, user_factory, board):
    login(client, user_factory(roles=["moderator"]))

    assert HIDDEN_PROBLEM in client.get(f"/problems/{board.hidden.id}").get_data(as_text=True)
    assert HIDDEN_COMMENT in client.get(f"/problems/{board.visible.id}").get_data(as_text=True)
    duplicate_page = client.get(f"/problems/{board.duplicate.id}").get_data(as_text=True)
    assert HIDDEN_ORIGINAL in duplicate_page
    assert client.get(f"/api/v1/problems/{board.duplicate.id}").json["duplicate_of"] == board.original.id
    challenge_page = client.get("/challenges/walk").get_data(as_text=True)
    assert HIDDEN_PROBLEM in challenge_page and HIDDEN_PROJECT in challenge_page


def test_moderators_see_no_hidden_item_in_open_data(client, login, user_factory, board):
    login(client, user_factory(roles=["moderator"]))

    open_data = ("/feeds/problems.atom", "/exports/problems.csv", "/exports/problems.json", "/open311/v2/requests.json")
    for path in open_data:
        body = client.get(path).get_data(as_text=True)
        assert not [secret for secret in SECRETS if secret in body], path


def test_authors_still_see_their_own_hidden_problem_and_comment(client, make_client, login, board):
    login(client, board.problem_author)
    commenter = make_client()
    login(commenter, board.comment_author)

    assert HIDDEN_PROBLEM in client.get(f"/problems/{board.hidden.id}").get_data(as_text=True)
    assert HIDDEN_COMMENT in commenter.get(f"/problems/{board.visible.id}").get_data(as_text=True)
    assert HIDDEN_PROBLEM not in client.get("/challenges/walk").get_data(as_text=True)
