"""Participants submit projects; only the team edits; organizers feature and award; badges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.challenges import queries, services
from civicboard.challenges.models import Project, ProjectMember, ProjectProblem
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError


def _form(problem_ids, **changes):
    data = {
        "name": "Safe Crossings Map",
        "description": "A map of **risky** crossings.",
        "repository_url": "https://code.example.org/safe-crossings",
        "demo_url": "https://safe-crossings.example.org",
        "member_emails": "",
        "team_names": "Jo Volunteer",
        "problem_ids": problem_ids,
    }
    data.update(changes)
    return data


def _submit(user, challenge, problem, **changes) -> Project:
    fields = _form([problem.id], **changes)
    project = services.submit_project(user, challenge, **fields)
    db.session.commit()
    return project


@pytest.fixture
def running(challenge_factory, problem_factory):
    """A published challenge with two problems; returns (challenge, [problems])."""
    problems = [problem_factory(title="Crossing problem"), problem_factory(title="Bike lane problem")]
    return challenge_factory(status="published", problems=problems), problems


def test_a_resident_submits_a_project(logged_in, running, user_factory):
    client, user = logged_in
    challenge, problems = running
    user_factory(email="teammate@example.org")
    response = client.form(
        f"/challenges/{challenge.slug}/projects/new",
        _form([problems[0].id, problems[1].id], member_emails="Teammate@Example.org"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    project = db.session.execute(select(Project)).scalar_one()
    members = set(db.session.execute(select(ProjectMember.user_id)).scalars())
    addressed = set(db.session.execute(select(ProjectProblem.problem_id)).scalars())
    assert project.name == "Safe Crossings Map" and project.created_by_id == user.id
    assert "<strong>risky</strong>" in project.description_html
    assert members == {user.id}  # the teammate joins by accepting the invitation
    assert [i.email for i in project.invitations] == ["teammate@example.org"]
    assert addressed == {problems[0].id, problems[1].id}
    assert project.team_names == "Jo Volunteer"


def test_the_project_shows_on_the_challenge_page(client, running, user_factory):
    challenge, problems = running
    _submit(user_factory(name="Rosa Resident"), challenge, problems[0])
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "Safe Crossings Map" in html and "Rosa Resident" in html and "Jo Volunteer" in html
    assert 'href="https://code.example.org/safe-crossings"' in html


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/x", "example.org", "https://", "http://exa mple.org"]
)
def test_project_urls_must_be_http_or_https(user_factory, running, url):
    challenge, problems = running
    with pytest.raises(ValidationError) as info:
        services.submit_project(user_factory(), challenge, **_form([problems[0].id], repository_url=url))
    assert "repository_url" in info.value.fields


def test_a_project_addresses_at_least_one_problem(user_factory, running):
    challenge, _ = running
    with pytest.raises(ValidationError) as info:
        services.submit_project(user_factory(), challenge, **_form([]))
    assert "problem_ids" in info.value.fields


def test_a_project_addresses_only_the_challenges_problems(user_factory, running, problem_factory):
    challenge, _ = running
    elsewhere = problem_factory()
    with pytest.raises(ValidationError) as info:
        services.submit_project(user_factory(), challenge, **_form([elsewhere.id]))
    assert "problem_ids" in info.value.fields


def test_anonymous_visitors_are_sent_to_log_in(client, running):
    challenge, problems = running
    response = client.form(f"/challenges/{challenge.slug}/projects/new", _form([problems[0].id]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_banned_users_cannot_submit(user_factory, running):
    challenge, problems = running
    user = user_factory()
    user.banned_at = utcnow()
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.submit_project(user, challenge, **_form([problems[0].id]))


def test_no_submissions_to_a_draft(user_factory, challenge_factory, problem_factory, organizer):
    problem = problem_factory()
    challenge = challenge_factory(problems=[problem])
    with pytest.raises((PermissionDenied, ConflictError)):
        services.submit_project(user_factory(), challenge, **_form([problem.id]))
    with pytest.raises(ConflictError):  # not even an organizer's
        services.submit_project(organizer, challenge, **_form([problem.id]))


def test_no_submissions_after_close(logged_in, challenge_factory, problem_factory):
    client, _ = logged_in
    problem = problem_factory()
    challenge = challenge_factory(status="closed", problems=[problem])
    response = client.form(f"/challenges/{challenge.slug}/projects/new", _form([problem.id]))
    assert response.status_code == 409
    assert db.session.execute(select(Project)).first() is None


def test_the_submission_form_is_refused_after_close(logged_in, challenge_factory):
    client, _ = logged_in
    challenge = challenge_factory(status="closed")
    assert client.get(f"/challenges/{challenge.slug}/projects/new").status_code == 409


def test_no_submissions_after_the_end_time(user_factory, challenge_factory, problem_factory):
    problem = problem_factory()
    ended = utcnow() - timedelta(hours=1)
    challenge = challenge_factory(
        status="published",
        problems=[problem],
        starts_at=(ended - timedelta(days=1)).isoformat() + "Z",
        ends_at=ended.isoformat() + "Z",
    )
    with pytest.raises(ConflictError):
        services.submit_project(user_factory(), challenge, **_form([problem.id]))


def test_a_team_member_edits_the_project(client, login, user_factory, running):
    challenge, problems = running
    creator = user_factory()
    teammate = user_factory(email="mate@example.org")
    project = _submit(creator, challenge, problems[0], member_emails="mate@example.org")
    services.invitations.accept(teammate, project.invitations[0])
    db.session.commit()
    login(client, teammate)
    response = client.form(
        f"/challenges/{challenge.slug}/projects/{project.id}/edit",
        _form([problems[1].id], name="Renamed map", member_emails="mate@example.org"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert project.name == "Renamed map"
    assert [link.problem_id for link in project.problem_links] == [problems[1].id]
    assert {m.user_id for m in project.members} == {creator.id, teammate.id}


def test_only_the_team_edits_a_project(logged_in, user_factory, running):
    client, _ = logged_in
    challenge, problems = running
    project = _submit(user_factory(), challenge, problems[0])
    url = f"/challenges/{challenge.slug}/projects/{project.id}/edit"
    assert client.get(url).status_code == 403
    assert client.form(url, _form([problems[0].id], name="Hijacked")).status_code == 403
    db.session.expire_all()
    assert project.name == "Safe Crossings Map"


def test_organizers_cannot_edit_a_teams_project(organizer, user_factory, running):
    challenge, problems = running
    project = _submit(user_factory(), challenge, problems[0])
    with pytest.raises(PermissionDenied):
        services.update_project(organizer, project, name="Organizer's name")


def test_no_edits_after_close(organizer, user_factory, running):
    challenge, problems = running
    member = user_factory()
    project = _submit(member, challenge, problems[0])
    services.close_challenge(organizer, challenge)
    db.session.commit()
    with pytest.raises(ConflictError):
        services.update_project(member, project, name="Late change")


def test_the_edit_link_shows_only_to_the_team(make_client, login, user_factory, running):
    challenge, problems = running
    member, other = user_factory(), user_factory()
    project = _submit(member, challenge, problems[0])
    edit_url = f"/challenges/{challenge.slug}/projects/{project.id}/edit"
    member_client, other_client = make_client(), make_client()
    login(member_client, member)
    login(other_client, other)
    assert edit_url in member_client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert edit_url not in other_client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)


def test_organizers_feature_a_project_with_an_audit_entry(organizer_client, user_factory, running):
    client, organizer = organizer_client
    challenge, problems = running
    project = _submit(user_factory(), challenge, problems[0])
    response = client.form(f"/challenges/{challenge.slug}/projects/{project.id}/feature", {"featured": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert project.featured is True
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "project.feature")).scalar_one()
    assert (entry.actor_id, entry.target_id) == (organizer.id, str(project.id))


def test_featured_projects_come_first(client, organizer, user_factory, running):
    challenge, problems = running
    _submit(user_factory(), challenge, problems[0], name="Plain project")
    star = _submit(user_factory(), challenge, problems[0], name="Star project")
    services.set_project_featured(organizer, star, True)
    db.session.commit()
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert html.index("Star project") < html.index("Plain project")


def test_organizers_mark_a_winner_even_after_close(organizer_client, user_factory, running):
    client, organizer = organizer_client
    challenge, problems = running
    project = _submit(user_factory(), challenge, problems[0])
    services.close_challenge(organizer, challenge)
    db.session.commit()
    client.form(f"/challenges/{challenge.slug}/projects/{project.id}/award", {"award": "Grand prize"})
    db.session.expire_all()
    assert project.award == "Grand prize"
    assert "Winner: Grand prize" in client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "project.award")).scalar_one()


def test_residents_cannot_feature_or_award(user_factory, running):
    challenge, problems = running
    member = user_factory()
    project = _submit(member, challenge, problems[0])
    with pytest.raises(PermissionDenied):
        services.set_project_featured(member, project, True)
    with pytest.raises(PermissionDenied):
        services.set_project_award(member, project, "Best of show")


# -- badges on the problem page -------------------------------------------------------------------


def test_badges_list_the_challenges_and_projects_of_a_problem(user_factory, running, count_queries):
    challenge, problems = running
    _submit(user_factory(), challenge, problems[0], name="First")
    _submit(user_factory(), challenge, problems[0], name="Second")
    _submit(user_factory(), challenge, problems[1], name="Elsewhere")
    viewer = user_factory()
    assert viewer.is_moderator is False  # roles loaded before counting
    problem_id = problems[0].id
    with count_queries() as counter:
        badges = queries.badges_for_problem(problem_id, viewer)
    assert counter.count == 1
    assert [b.slug for b in badges.challenges] == [challenge.slug]
    assert badges.project_count == 2
    assert sorted(p.name for p in badges.projects) == ["First", "Second"]


def test_badges_leave_out_drafts_for_residents(user_factory, challenge_factory, problem_factory):
    problem = problem_factory()
    challenge_factory(problems=[problem])
    assert not queries.badges_for_problem(problem.id, user_factory())


def test_badges_show_drafts_to_organizers(organizer, challenge_factory, problem_factory):
    problem = problem_factory()
    draft = challenge_factory(problems=[problem])
    assert [b.slug for b in queries.badges_for_problem(problem.id, organizer).challenges] == [draft.slug]


def test_badges_of_a_hidden_problem_show_only_to_moderators(moderator, user_factory, running):
    challenge, problems = running
    problems[0].hidden_at = utcnow()
    db.session.commit()
    assert not queries.badges_for_problem(problems[0].id, user_factory())
    assert queries.badges_for_problem(problems[0].id, moderator)


def test_the_badge_template_says_how_many_projects_work_on_it(app, user_factory, running):
    challenge, problems = running
    _submit(user_factory(), challenge, problems[0], name="First")
    _submit(user_factory(), challenge, problems[0], name="Second")
    badges = queries.badges_for_problem(problems[0].id, None)
    with app.test_request_context("/problems/1"):
        html = render_template_string('{% include "challenges/_problem_badges.html" %}', challenge_badges=badges)
    assert "2 projects work on this" in html
    assert f'href="/challenges/{challenge.slug}"' in html


def test_the_badge_template_is_empty_without_challenges(app):
    with app.test_request_context("/problems/1"):
        html = render_template_string(
            '{% include "challenges/_problem_badges.html" %}', challenge_badges=queries.ChallengeBadges()
        )
    assert html.strip() == ""
