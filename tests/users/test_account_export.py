"""/account/export and GET /api/v1/me/export: everything the board holds about me, and nothing else."""

from __future__ import annotations

import json

from civicboard.auth import services as auth_services
from civicboard.extensions import db
from civicboard.problems import services


def download(client) -> dict:
    response = client.form("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return json.loads(response.get_data(as_text=True))


def test_export_page_offers_the_download(client, login, board):
    login(client, board.me)
    page = client.get("/account/export").get_data(as_text=True)
    assert "Download my data (JSON)" in page
    assert 'name="csrf_token"' in page


def test_export_needs_a_login(client, board):
    assert client.get("/account/export").status_code == 302
    assert client.form("/account/export").status_code == 302


def test_export_without_the_csrf_token_downloads_nothing(client, login, board):
    login(client, board.me)
    response = client.post("/account/export")
    assert response.status_code == 400
    assert response.mimetype != "application/json"


def test_export_holds_my_profile_problems_comments_votes_follows_flags_and_tokens(client, login, board):
    login(client, board.me)
    data = download(client)
    assert data["profile"]["email"] == "rosa@example.org"
    assert data["profile"]["name"] == "Rosa Resident"
    assert [p["title"] for p in data["problems"]] == ["Broken streetlight on Elm"]
    [comment] = data["comments"]
    assert comment["body"] == "Same on my street, since May."
    assert [v["body"] for v in comment["earlier_versions"]] == ["Same on my street."]
    assert {v["problem_id"] for v in data["votes"]} == {board.my_problem.id, board.other_problem.id}
    assert board.other_problem.id in {f["problem_id"] for f in data["follows"]}
    assert [(f["target_type"], f["target_id"]) for f in data["flags"]] == [("comment", board.other_comment.id)]
    assert [t["label"] for t in data["api_tokens"]] == ["my notebook"]
    assert data["sessions"], "the login that downloads it is one of my sessions"
    assert any(n["problem_id"] == board.my_problem.id for n in data["notifications"])


def test_export_holds_nothing_of_another_residents(client, login, board):
    login(client, board.me)
    text = client.form("/account/export").get_data(as_text=True)
    for theirs in ("otto@example.org", "Otto Other", "Pothole on Oak", "Seen it too.", "otto's script"):
        assert theirs not in text
    assert "Pothole on Oak" not in text


def test_export_never_holds_a_secret(client, login, board):
    login(client, board.me)
    text = client.form("/account/export").get_data(as_text=True)
    assert board.me.password_hash not in text
    for word in ("token_hash", "password_hash", "scrypt:", "pbkdf2:"):
        assert word not in text


def test_export_lists_my_projects(client, login, board, make_challenge_with_project):
    project = make_challenge_with_project(board.me)
    login(client, board.me)
    [row] = download(client)["projects"]
    assert row["name"] == project.name
    assert row["team_member"] is True


def test_export_asks_a_fixed_number_of_queries(app, board, count_queries):
    from civicboard.users.ownership import export_account

    def queries() -> int:
        me = db.session.get(type(board.me), board.me.id)
        with count_queries() as counter:
            export_account(me)
        db.session.rollback()
        return counter.count

    few = queries()
    for n in range(4):
        problem = services.create_problem(
            board.me,
            title=f"Another problem {n}",
            description="More.",
            dataset_ids=[],
            data_request="The data behind it.",
        )
        comment = services.add_comment(board.me, problem, f"Comment {n}.")
        services.edit_comment(board.me, comment, f"Comment {n}, edited.")
        services.vote(board.other, problem.id)
        auth_services.create_api_token(board.me, f"token {n}")
    db.session.commit()
    assert queries() == few


def test_export_lists_invitations_to_my_address_only(client, login, board, make_challenge_with_project):
    from civicboard.challenges.services import invitations

    project = make_challenge_with_project(board.other)
    invitations.invite(board.other, project, "rosa@example.org")
    invitations.invite(board.other, project, "someone@example.org")
    db.session.commit()
    login(client, board.me)
    data = download(client)
    assert [i["project_id"] for i in data["project_invitations"]] == [project.id]
    assert "someone@example.org" not in json.dumps(data)


def test_export_holds_my_notification_settings_and_area_follows(client, login, board, dataset_factory):
    from civicboard.problems import notifications, preferences

    dataset = dataset_factory()
    notifications.follow_area(board.me, dataset_id=dataset.id)
    preferences.set_delivery(board.me.id, "comments", "weekly")
    db.session.commit()
    login(client, board.me)
    data = download(client)
    assert [a["dataset_id"] for a in data["area_follows"]] == [dataset.id]
    assert [(s["topic"], s["delivery"]) for s in data["notification_settings"]] == [("comments", "weekly")]


def test_export_holds_a_followed_neighbourhood(client, login, board):
    import json as json_

    from civicboard.places.models import Neighbourhood
    from civicboard.places.services import import_boundaries
    from civicboard.problems import notifications

    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    feature = {
        "type": "Feature",
        "properties": {"name": "Davis"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    import_boundaries(json_.dumps({"type": "FeatureCollection", "features": [feature]}))
    davis = db.session.execute(db.select(Neighbourhood.id)).scalar_one()
    notifications.follow_area(board.me, neighbourhood_id=davis)
    db.session.commit()
    login(client, board.me)
    [follow] = download(client)["area_follows"]
    assert (follow["neighbourhood_id"], follow["dataset_id"], follow["category_id"]) == (davis, None, None)
