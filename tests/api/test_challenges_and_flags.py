"""GET/POST /challenges, GET/PATCH /challenges/<slug>, and POST /flags."""

from __future__ import annotations

from sqlalchemy import select

from civicboard.challenges.models import Challenge
from civicboard.extensions import db
from civicboard.moderation.models import Flag
from civicboard.timeutil import utcnow
from tests.api.conftest import error_of

# -- challenges ------------------------------------------------------------------------------------


def test_list_leaves_drafts_to_organizers(anonymous, as_organizer, make_challenge):
    make_challenge(status="published", title="Streets Data Jam")
    make_challenge(status="draft", title="Secret Draft Jam")
    public = anonymous.get("/challenges").get_json()
    assert [c["title"] for c in public["items"]] == ["Streets Data Jam"]
    assert public["items"][0]["problem_count"] == 1 and public["total"] == 1
    assert sorted(c["title"] for c in as_organizer.get("/challenges").get_json()["items"]) == [
        "Secret Draft Jam",
        "Streets Data Jam",
    ]


def test_show_a_challenge_with_problems_and_datasets(anonymous, make_challenge, problem_factory, dataset_factory):
    problem = problem_factory(title="Dangerous crossing", datasets=[dataset_factory(title="Crashes")])
    challenge = make_challenge(problems=[problem])
    body = anonymous.get(f"/challenges/{challenge.slug}").get_json()
    assert [p["title"] for p in body["problems"]] == ["Dangerous crossing"]
    assert [d["title"] for d in body["datasets"]] == ["Crashes"]
    assert body["projects"] == [] and body["status"] == "published"


def test_a_draft_is_404_except_for_organizers(anonymous, as_resident, as_organizer, make_challenge):
    draft = make_challenge(status="draft")
    assert anonymous.get(f"/challenges/{draft.slug}").status_code == 404
    assert as_resident.get(f"/challenges/{draft.slug}").status_code == 404
    assert as_organizer.get(f"/challenges/{draft.slug}").get_json()["status"] == "draft"


def test_organizers_create_a_draft(as_organizer):
    response = as_organizer.post(
        "/challenges",
        json={
            "title": "Parks Hack Night",
            "starts_at": "2030-05-02T10:00",
            "ends_at": "2030-05-02T18:00",
            "timezone": "America/New_York",
            "online": True,
            "contact": "hack@example.org",
            "status": "published",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["slug"] == "parks-hack-night" and body["status"] == "draft"
    assert body["starts_at"] == "2030-05-02T14:00:00Z"
    assert response.headers["Location"].endswith("/api/v1/challenges/parks-hack-night")


def test_missing_challenge_fields_are_422(as_organizer):
    response = as_organizer.post("/challenges", json={"title": "No dates"})
    assert response.status_code == 422
    assert {"starts_at", "ends_at", "contact"} <= set(error_of(response)["fields"])


def test_publishing_a_draft_without_problems_is_409_and_changes_nothing(as_organizer, make_challenge):
    challenge = make_challenge(status="draft", problems=None)
    response = as_organizer.patch(f"/challenges/{challenge.slug}", json={"title": "Renamed Jam", "status": "published"})
    assert response.status_code == 409  # a draft without problems cannot be published
    assert error_of(response)["fields"] == {"status": "Add at least one problem before publishing."}
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).title != "Renamed Jam"


def test_organizers_publish_a_draft_with_problems(as_organizer, make_challenge, problem_factory):
    challenge = make_challenge(status="draft", problems=[problem_factory()])
    body = as_organizer.patch(
        f"/challenges/{challenge.slug}", json={"status": "published", "place": None, "online": True}
    )
    assert body.status_code == 200, body.get_json()
    assert body.get_json()["status"] == "published" and body.get_json()["online"] is True


def test_a_published_slug_cannot_change(as_organizer, make_challenge):
    challenge = make_challenge(status="published")
    assert as_organizer.patch(f"/challenges/{challenge.slug}", json={"slug": "new-slug"}).status_code == 409


def test_residents_get_403_writing_challenges(as_resident, make_challenge):
    challenge = make_challenge()
    assert as_resident.post("/challenges", json={"title": "Mine"}).status_code == 403
    assert as_resident.patch(f"/challenges/{challenge.slug}", json={"title": "Mine"}).status_code == 403


# -- flags -----------------------------------------------------------------------------------------


def test_flag_a_problem_then_409_on_the_second(as_resident, resident, make_problem, matches_schema):
    problem = make_problem()
    body = {"target_type": "problem", "target_id": problem.id, "reason": "spam", "note": "Adverts."}
    first = as_resident.post("/flags", json=body)
    assert first.status_code == 201
    matches_schema(first.get_json(), "Flag")
    second = as_resident.post("/flags", json=body)
    assert second.status_code == 409
    assert error_of(second)["code"] == "conflict"
    assert db.session.execute(select(Flag.user_id)).scalars().all() == [resident.id]


def test_flag_a_comment(as_resident, make_problem, make_comment):
    comment = make_comment(make_problem())
    response = as_resident.post("/flags", json={"target_type": "comment", "target_id": comment.id, "reason": "abuse"})
    assert response.status_code == 201


def test_flagging_what_you_cannot_see_is_404(as_resident, problem_factory):
    problem = problem_factory(hidden_at=utcnow())
    response = as_resident.post("/flags", json={"target_type": "problem", "target_id": problem.id, "reason": "spam"})
    assert response.status_code == 404


def test_bad_flags_are_422(as_resident, make_problem):
    problem = make_problem()
    for body, field in (
        ({"target_type": "user", "target_id": problem.id, "reason": "spam"}, "target_type"),
        ({"target_type": "problem", "reason": "spam"}, "target_id"),
        ({"target_type": "problem", "target_id": "x", "reason": "spam"}, "target_id"),
        ({"target_type": "problem", "target_id": problem.id, "reason": "boring"}, "reason"),
        ({"target_type": "problem", "target_id": problem.id, "reason": "other"}, "note"),
    ):
        response = as_resident.post("/flags", json=body)
        assert response.status_code == 422, body
        assert field in error_of(response)["fields"], body


def test_flagging_needs_a_token(anonymous, make_problem):
    problem = make_problem()
    body = {"target_type": "problem", "target_id": problem.id, "reason": "spam"}
    assert anonymous.post("/flags", json=body).status_code == 401
    assert db.session.execute(select(Flag)).first() is None
