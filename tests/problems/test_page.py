"""A problem's page: description, datasets, votes, follow, official responses, evidence, includes."""

from __future__ import annotations

from datetime import date

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.staff.models import Evidence, Response
from civicboard.timeutil import utcnow


def test_the_page_shows_the_problem(client, make_problem, dataset_factory):
    dataset = dataset_factory(title="Street Trees", publisher="Urban Forestry")
    problem = make_problem("Dead street trees on Elm St", datasets=[dataset], description="Five **dead** trees.")
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Dead street trees on Elm St" in html
    assert "<p>Five <strong>dead</strong> trees.</p>" in html
    assert f'href="/datasets/{dataset.id}"' in html and "Street Trees" in html


def test_missing_problems_are_404(client):
    assert client.get("/problems/12345").status_code == 404


def test_withdrawn_datasets_are_marked(client, make_problem, dataset_factory):
    dataset = dataset_factory(title="Old Parking Meters")
    problem = make_problem(datasets=[dataset])
    dataset.status = "withdrawn"
    db.session.commit()
    assert "withdrawn from the catalog" in client.get(f"/problems/{problem.id}").get_data(as_text=True)


def test_hidden_problems_are_404_for_others(client, make_problem):
    problem = make_problem()
    problem.hidden_at = utcnow()
    db.session.commit()
    assert client.get(f"/problems/{problem.id}").status_code == 404


def test_hidden_problems_are_visible_to_their_author_and_moderators(
    make_client, login, make_problem, user_factory, moderator
):
    author = user_factory()
    problem = make_problem(author=author)
    problem.hidden_at = utcnow()
    db.session.commit()
    for user in (author, moderator):
        browser = make_client()
        login(browser, user)
        response = browser.get(f"/problems/{problem.id}")
        assert response.status_code == 200
        assert "This problem is hidden" in response.get_data(as_text=True)


def test_data_requests_show_what_is_wanted(client, make_problem):
    problem = make_problem(datasets=[], data_request="Hourly counts at each bike-share dock.")
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Data requested" in html and "Hourly counts at each bike-share dock." in html


def test_official_responses_are_shown_with_department_and_status_change(client, make_problem, staff):
    problem = make_problem()
    db.session.add(
        Response(
            problem_id=problem.id,
            author_id=staff.id,
            department_id=staff.department_id,
            body="We will *fix* it.",
            body_html="<p>We will <em>fix</em> it.</p>",
            status_from="open",
            status_to="acknowledged",
        )
    )
    db.session.commit()
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Official response" in html
    assert "Transportation" in html
    assert "<p>We will <em>fix</em> it.</p>" in html
    assert "Open → <strong>Acknowledged</strong>" in html


def test_evidence_is_listed_without_removed_items(client, make_problem, dataset_factory, staff):
    dataset = dataset_factory(title="Crash Reports")
    problem = make_problem(datasets=[dataset])
    db.session.add_all(
        [
            Evidence(
                problem_id=problem.id,
                dataset_id=dataset.id,
                url="https://data.example.org/crashes?street=elm",
                caption="Twelve crashes in 2025",
                stance="supports",
                as_of=date(2025, 12, 31),
                created_by_id=staff.id,
            ),
            Evidence(
                problem_id=problem.id,
                dataset_id=dataset.id,
                caption="Removed caption",
                stance="context",
                created_by_id=staff.id,
                removed_at=utcnow(),
            ),
        ]
    )
    db.session.commit()
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Twelve crashes in 2025" in html
    assert "https://data.example.org/crashes?street=elm" in html
    assert "The data backs this up" in html and "31 Dec 2025" in html
    assert "Removed caption" not in html


def test_the_vote_and_follow_buttons_reflect_my_state(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    services.vote(user, problem.id)
    services.follow_problem(user, problem)
    db.session.commit()
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert f'action="/problems/{problem.id}/unvote"' in html
    assert f'action="/problems/{problem.id}/unfollow"' in html


def test_follow_and_unfollow(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    assert client.form(f"/problems/{problem.id}/follow").status_code == 303
    db.session.expire_all()
    assert problem.follower_count == 2  # the author and me
    assert client.form(f"/problems/{problem.id}/unfollow").status_code == 303
    db.session.expire_all()
    assert problem.follower_count == 1


def test_the_page_has_the_partials_other_features_fill(app, make_problem, client, tmp_path):
    problem = make_problem()
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_loader  # noqa: B018 - build the default loader first
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "staff/_problem_actions.html": "STAFF-PARTIAL {{ problem.id }} {{ datasets|length }}",
                    "moderation/_problem_actions.html": "MODERATION-PARTIAL",
                    "challenges/_problem_badges.html": "BADGES {{ challenge_badges.challenges|length }}",
                }
            ),
            app.jinja_env.loader,
        ]
    )
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert f"STAFF-PARTIAL {problem.id} 1" in html
    assert "MODERATION-PARTIAL" in html
    assert "BADGES 0" in html
