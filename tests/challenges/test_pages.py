"""Public pages: the list, a challenge's page, its briefs; drafts and hidden problems stay private."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from civicboard.challenges import services
from civicboard.extensions import db
from civicboard.problems.models import Follow
from civicboard.staff.models import Evidence
from civicboard.timeutil import utcnow


def _iso(days: float) -> str:
    return (utcnow() + timedelta(days=days)).replace(microsecond=0).isoformat() + "Z"


def _evidence(problem, dataset, author, **fields) -> Evidence:
    row = Evidence(
        problem_id=problem.id,
        dataset_id=dataset.id,
        url=fields.pop("url", f"https://data.example.org/query?problem={problem.id}"),
        caption=fields.pop("caption", "Crash counts near the crossing"),
        stance=fields.pop("stance", "supports"),
        created_by_id=author.id,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


# -- the list ------------------------------------------------------------------------------------


def test_list_shows_published_and_closed_but_not_drafts(client, challenge_factory):
    challenge_factory(title="Secret draft")
    challenge_factory(title="Open jam", status="published")
    challenge_factory(title="Old jam", status="closed")
    html = client.get("/challenges").get_data(as_text=True)
    assert "Open jam" in html and "Old jam" in html
    assert "Secret draft" not in html


def test_list_puts_upcoming_challenges_first(client, challenge_factory):
    challenge_factory(title="Past jam", status="closed", starts_at=_iso(-30), ends_at=_iso(-29))
    challenge_factory(title="Later jam", status="published", starts_at=_iso(20), ends_at=_iso(21))
    challenge_factory(title="Soon jam", status="published", starts_at=_iso(3), ends_at=_iso(4))
    html = client.get("/challenges").get_data(as_text=True)
    assert html.index("Soon jam") < html.index("Later jam") < html.index("Past jam")


def test_list_counts_only_visible_problems(client, challenge_factory, problem_factory):
    hidden = problem_factory()
    challenge_factory(title="Jam", status="published", problems=[problem_factory(), hidden])
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert "1 problem ·" in " ".join(client.get("/challenges").get_data(as_text=True).split())


# -- drafts are private ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/brief.md", "/brief.json"])
def test_a_draft_is_not_found_for_anonymous_visitors(client, challenge_factory, suffix):
    challenge = challenge_factory()
    assert client.get(f"/challenges/{challenge.slug}{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["", "/brief.md", "/brief.json", "/projects/new"])
def test_a_draft_is_not_found_for_residents(logged_in, challenge_factory, suffix):
    client, _ = logged_in
    challenge = challenge_factory()
    assert client.get(f"/challenges/{challenge.slug}{suffix}").status_code == 404


def test_a_draft_cannot_be_followed_by_residents(logged_in, challenge_factory):
    client, _ = logged_in
    challenge = challenge_factory()
    assert client.form(f"/challenges/{challenge.slug}/follow").status_code == 404
    assert db.session.execute(select(Follow)).first() is None


@pytest.mark.parametrize("suffix", ["", "/brief.md", "/brief.json"])
def test_organizers_see_drafts(organizer_client, challenge_factory, suffix):
    client, _ = organizer_client
    challenge = challenge_factory()
    assert client.get(f"/challenges/{challenge.slug}{suffix}").status_code == 200


def test_admins_see_drafts(client, user_factory, login, challenge_factory):
    login(client, user_factory(roles=["admin"]))
    challenge = challenge_factory()
    assert client.get(f"/challenges/{challenge.slug}").status_code == 200


def test_an_unknown_slug_is_not_found(client):
    assert client.get("/challenges/no-such-thing").status_code == 404


# -- the challenge page ----------------------------------------------------------------------------


def test_page_shows_the_curated_problem_with_note_votes_and_status(
    client, organizer, challenge_factory, problem_factory
):
    problem = problem_factory(title="Unsafe crossing at Union Sq", vote_count=17, status="acknowledged")
    challenge = challenge_factory(status="published", problems=[problem])
    services.set_problem_note(organizer, challenge, problem.id, "Crash data is open.")
    db.session.commit()
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "Unsafe crossing at Union Sq" in html
    assert "17 votes" in html and "Acknowledged" in html and "Crash data is open." in html


def test_page_shows_staff_evidence_but_not_removed_evidence(
    client, challenge_factory, problem_factory, dataset_factory, user_factory
):
    staff = user_factory(roles=["staff"])
    dataset = dataset_factory(title="Crash Reports")
    problem = problem_factory(datasets=[dataset])
    _evidence(problem, dataset, staff, caption="Twelve crashes in 2025", stance="supports")
    _evidence(problem, dataset, staff, caption="Withdrawn claim", removed_at=utcnow())
    challenge = challenge_factory(status="published", problems=[problem])
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "Twelve crashes in 2025" in html and "The data backs this up" in html
    assert f"https://data.example.org/query?problem={problem.id}" in html
    assert "Withdrawn claim" not in html


def test_page_shows_datasets_with_distribution_links_and_licence(
    client, challenge_factory, problem_factory, dataset_factory
):
    dataset = dataset_factory(
        title="Street Trees",
        license="https://creativecommons.org/licenses/by/4.0/",
        distributions=[("Trees GeoJSON", "https://data.example.org/trees.geojson", "GeoJSON")],
    )
    challenge = challenge_factory(status="published", problems=[problem_factory(datasets=[dataset])])
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "Street Trees" in html
    assert 'href="https://data.example.org/trees.geojson"' in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html


def test_page_shows_place_contact_and_online(client, challenge_factory):
    challenge = challenge_factory(
        status="published", place="Somerville Public Library", is_online=True, contact="jam@example.org"
    )
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "Somerville Public Library" in html and "online" in html
    assert 'href="mailto:jam@example.org"' in html


def test_hidden_problems_leave_the_page_for_residents(logged_in, challenge_factory, problem_factory):
    client, _ = logged_in
    hidden = problem_factory(title="Hidden by a moderator")
    challenge = challenge_factory(status="published", problems=[problem_factory(), hidden])
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert "Hidden by a moderator" not in client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)


def test_hidden_problems_leave_the_page_for_their_organizers(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    hidden = problem_factory(title="Hidden by a moderator")
    challenge = challenge_factory(status="published", problems=[problem_factory(), hidden])
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert "Hidden by a moderator" not in client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)


def test_moderators_still_see_hidden_problems_marked(client, moderator, login, challenge_factory, problem_factory):
    login(client, moderator)
    hidden = problem_factory(title="Hidden by a moderator")
    challenge = challenge_factory(status="published", problems=[problem_factory(), hidden])
    hidden.hidden_at = utcnow()
    db.session.commit()
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "Hidden by a moderator" in html and "Hidden by moderators" in html


def test_a_resident_follows_a_challenge(logged_in, challenge_factory):
    client, user = logged_in
    challenge = challenge_factory(status="published")
    response = client.form(f"/challenges/{challenge.slug}/follow")
    assert response.status_code == 302
    row = db.session.execute(select(Follow)).scalar_one()
    assert (row.user_id, row.challenge_id) == (user.id, challenge.id)
    assert "Unfollow" in client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)


def test_a_resident_unfollows_a_challenge(logged_in, challenge_factory):
    client, _ = logged_in
    challenge = challenge_factory(status="published")
    client.form(f"/challenges/{challenge.slug}/follow")
    client.form(f"/challenges/{challenge.slug}/unfollow")
    assert db.session.execute(select(Follow)).first() is None


def test_following_needs_a_csrf_token(logged_in, challenge_factory):
    client, _ = logged_in
    challenge = challenge_factory(status="published")
    assert client.post(f"/challenges/{challenge.slug}/follow").status_code == 400


def _big_challenge(n, challenge_factory, problem_factory, dataset_factory, user_factory, organizer):
    staff = user_factory(roles=["staff"])
    problems = []
    for i in range(n):
        dataset = dataset_factory(title=f"Dataset {i}")
        problem = problem_factory(title=f"Problem {i}", datasets=[dataset], vote_count=i)
        _evidence(problem, dataset, staff)
        problems.append(problem)
    challenge = challenge_factory(status="published", problems=problems, datasets=[dataset_factory()])
    for i in range(n // 4):
        member = user_factory()
        services.submit_project(
            member,
            challenge,
            name=f"Project {i}",
            description="Built it.",
            problem_ids=[problems[i].id, problems[i + 1].id],
            member_emails=[organizer.email],
            team_names="A friend",
        )
    db.session.commit()
    return challenge


@pytest.mark.parametrize("suffix", ["", "/brief.md", "/brief.json"])
def test_pages_ask_a_fixed_number_of_queries(
    make_client,
    login,
    organizer,
    user_factory,
    challenge_factory,
    problem_factory,
    dataset_factory,
    count_queries,
    suffix,
):
    counts = []
    for n in (20, 40):
        challenge = _big_challenge(n, challenge_factory, problem_factory, dataset_factory, user_factory, organizer)
        client = make_client()
        login(client, user_factory())
        url = f"/challenges/{challenge.slug}{suffix}"
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        if suffix == "":
            assert f"Problem {n - 1}" in response.get_data(as_text=True)
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 14


# -- briefs ----------------------------------------------------------------------------------------


def test_markdown_brief_downloads_with_a_sensible_filename(client, challenge_factory):
    challenge = challenge_factory(status="published", title="Streets Data Jam")
    response = client.get(f"/challenges/{challenge.slug}/brief.md")
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == 'attachment; filename="streets-data-jam-brief.md"'


def test_json_brief_downloads_with_a_sensible_filename(client, challenge_factory):
    challenge = challenge_factory(status="published", title="Streets Data Jam")
    response = client.get(f"/challenges/{challenge.slug}/brief.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="streets-data-jam-brief.json"'


def _brief_challenge(challenge_factory, problem_factory, dataset_factory, user_factory, organizer):
    dataset = dataset_factory(
        title="Crash Reports",
        license="CC-BY-4.0",
        distributions=[("Crashes CSV", "https://data.example.org/crashes.csv", "CSV")],
    )
    problem = problem_factory(
        title="Unsafe crossing",
        description="# Where\n\nAt Union Square.\n\n```\n# not a heading\n```",
        datasets=[dataset],
        vote_count=9,
    )
    _evidence(problem, dataset, user_factory(roles=["staff"]), caption="Nine crashes", as_of=date(2026, 1, 31))
    challenge = challenge_factory(
        status="published",
        title="Streets Jam",
        summary="Make streets **safer**.",
        problems=[problem],
        place="City Hall",
        contact="jam@example.org",
        starts_at="2026-05-02T10:00",
        ends_at="2026-05-03T18:00",
    )
    services.set_problem_note(organizer, challenge, problem.id, "Start here")
    db.session.commit()
    return challenge, problem, dataset


def test_markdown_brief_is_a_structured_document(
    client, organizer, challenge_factory, problem_factory, dataset_factory, user_factory
):
    challenge, problem, _ = _brief_challenge(
        challenge_factory, problem_factory, dataset_factory, user_factory, organizer
    )
    text = client.get(f"/challenges/{challenge.slug}/brief.md").get_data(as_text=True)
    assert text.startswith("# Streets Jam\n")
    assert "Make streets **safer**." in text
    assert "Sat 2 May 2026, 10:00 EDT" in text and "2026-05-02T14:00:00Z" in text
    assert "City Hall" in text and "jam@example.org" in text
    assert "### 1. Unsafe crossing" in text
    assert "**Votes:** 9" in text and "**Status:** Open" in text and "Start here" in text
    assert "- **Supports:** [Crash Reports](" in text and "Nine crashes" in text and "2026-01-31" in text
    assert "[Crashes CSV](https://data.example.org/crashes.csv)" in text and "**Licence:** CC-BY-4.0" in text
    assert f"http://localhost/problems/{problem.id}" in text


def test_headings_in_a_description_do_not_break_the_brief_outline(
    client, organizer, challenge_factory, problem_factory, dataset_factory, user_factory
):
    challenge, _, _ = _brief_challenge(challenge_factory, problem_factory, dataset_factory, user_factory, organizer)
    text = client.get(f"/challenges/{challenge.slug}/brief.md").get_data(as_text=True)
    assert "\n#### Where\n" in text and "\n# Where" not in text
    assert "\n# not a heading\n" in text  # code blocks are left alone


def test_json_brief_has_the_same_content(
    client, organizer, challenge_factory, problem_factory, dataset_factory, user_factory
):
    challenge, problem, dataset = _brief_challenge(
        challenge_factory, problem_factory, dataset_factory, user_factory, organizer
    )
    data = json.loads(client.get(f"/challenges/{challenge.slug}/brief.json").get_data(as_text=True))
    assert (data["title"], data["place"], data["contact"]) == ("Streets Jam", "City Hall", "jam@example.org")
    (item,) = data["problems"]
    assert (item["id"], item["vote_count"], item["status"], item["note"]) == (problem.id, 9, "open", "Start here")
    assert item["datasets"][0]["id"] == dataset.id
    assert item["evidence"][0]["caption"] == "Nine crashes" and item["evidence"][0]["as_of"] == "2026-01-31"
    assert item["evidence"][0]["created_at"].endswith("Z")
    (ds,) = data["datasets"]
    assert ds["license"] == "CC-BY-4.0"
    assert ds["distributions"] == [
        {"title": "Crashes CSV", "url": "https://data.example.org/crashes.csv", "format": "CSV"}
    ]
    assert data["generated_at"].endswith("Z")


def test_briefs_leave_hidden_problems_out_even_for_moderators(
    client, moderator, login, challenge_factory, problem_factory
):
    login(client, moderator)
    hidden = problem_factory(title="Hidden by a moderator")
    challenge = challenge_factory(status="published", problems=[problem_factory(), hidden])
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert "Hidden by a moderator" not in client.get(f"/challenges/{challenge.slug}/brief.md").get_data(as_text=True)
    assert "Hidden by a moderator" not in client.get(f"/challenges/{challenge.slug}/brief.json").get_data(as_text=True)


def test_the_page_links_to_its_briefs(client, challenge_factory):
    challenge = challenge_factory(status="published")
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert f'href="/challenges/{challenge.slug}/brief.md"' in html
    assert f'href="/challenges/{challenge.slug}/brief.json"' in html


def test_print_styles_hide_forms_and_show_link_addresses(app):
    css = Path(app.static_folder, "css", "app.css").read_text()
    print_rules = css[css.index("/* -- Challenges") :]
    assert "@media print" in print_rules
    assert 'content: " (" attr(href) ")"' in print_rules
    assert ".challenge-actions" in print_rules


@pytest.mark.parametrize("path", ["/challenges", "/challenges/manage"])
def test_lists_ask_a_fixed_number_of_queries(organizer_client, challenge_factory, problem_factory, count_queries, path):
    client, _ = organizer_client
    counts = []
    for _ in range(2):  # 5 challenges, then 10
        for _ in range(5):
            challenge_factory(status="published", problems=[problem_factory(), problem_factory()])
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 4
