"""Organizers find, add, order, annotate and remove problems, and add extra datasets."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from civicboard.auth.models import User
from civicboard.challenges import queries, services
from civicboard.challenges.models import ChallengeDataset, ChallengeProblem
from civicboard.extensions import db
from civicboard.problems.models import Notification
from civicboard.problems.notifications import follow
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError


def _order(challenge) -> list[int]:
    db.session.expire_all()
    rows = db.session.execute(
        select(ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == challenge.id)
        .order_by(ChallengeProblem.position)
    ).scalars()
    return list(rows)


def _search(client, challenge, **args) -> str:
    return client.get(f"/challenges/{challenge.slug}/curate", query_string=args).get_data(as_text=True)


def test_search_finds_problems_by_title_text(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    problem_factory(title="Broken crosswalk lights on Broadway")
    problem_factory(title="Park benches missing")
    html = _search(client, challenge, q="CROSSWALK")
    assert "Broken crosswalk lights" in html and "Park benches missing" not in html


def test_search_text_wildcards_are_taken_literally(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    problem_factory(title="Speeding on Elm Street")
    assert "Speeding on Elm" not in _search(client, challenge, q="%")


def test_search_filters_by_dataset(organizer_client, challenge_factory, problem_factory, dataset_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    trees = dataset_factory(title="Street Tree Inventory")
    crashes = dataset_factory(title="Crash Reports")
    problem_factory(title="Dead trees on Summer Street", datasets=[trees])
    problem_factory(title="Crashes at Union Square", datasets=[crashes])
    html = _search(client, challenge, dataset="tree inventory")
    assert "Dead trees" in html and "Crashes at Union" not in html


def test_search_filters_by_category(organizer_client, challenge_factory, problem_factory, category_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    parks = category_factory("Parks")
    streets = category_factory("Streets")
    problem_factory(title="Playground needs shade", category_id=parks.id)
    problem_factory(title="Potholes on Highland", category_id=streets.id)
    html = _search(client, challenge, category=parks.id)
    assert "Playground needs shade" in html and "Potholes on Highland" not in html


def test_search_filters_by_minimum_votes(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    problem_factory(title="Popular problem", vote_count=12)
    problem_factory(title="Quiet problem", vote_count=2)
    html = _search(client, challenge, min_votes=10)
    assert "Popular problem" in html and "Quiet problem" not in html


def test_search_leaves_out_hidden_problems(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    problem_factory(title="Visible pothole")
    problem_factory(title="Hidden pothole", hidden_at=utcnow())
    html = _search(client, challenge, q="pothole")
    assert "Visible pothole" in html and "Hidden pothole" not in html


def test_organizer_adds_a_problem_with_a_note(organizer_client, challenge_factory, problem_factory):
    client, organizer = organizer_client
    challenge = challenge_factory()
    problem = problem_factory()
    response = client.form(
        f"/challenges/{challenge.slug}/problems", {"problem_id": problem.id, "note": "Start with this one."}
    )
    assert response.status_code == 302
    row = db.session.get(ChallengeProblem, (challenge.id, problem.id))
    assert row.note == "Start with this one." and row.added_by_id == organizer.id


def test_new_problems_go_to_the_end(organizer, challenge_factory, problem_factory):
    first, second, third = problem_factory(), problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[first, second])
    services.add_problem(organizer, challenge, third.id)
    db.session.commit()
    assert _order(challenge) == [first.id, second.id, third.id]


def test_a_problem_is_added_only_once(organizer, challenge_factory, problem_factory):
    problem = problem_factory()
    challenge = challenge_factory(problems=[problem])
    with pytest.raises(ConflictError):
        services.add_problem(organizer, challenge, problem.id)


def test_hidden_problems_cannot_be_added(organizer, challenge_factory, problem_factory):
    problem = problem_factory(hidden_at=utcnow())
    challenge = challenge_factory()
    with pytest.raises(ValidationError):
        services.add_problem(organizer, challenge, problem.id)


def test_move_up_swaps_with_the_problem_above(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    a, b, c = problem_factory(), problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[a, b, c])
    response = client.form(f"/challenges/{challenge.slug}/problems/{c.id}/move", {"direction": "up"})
    assert response.status_code == 302
    assert _order(challenge) == [a.id, c.id, b.id]


def test_move_down_swaps_with_the_problem_below(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    a, b, c = problem_factory(), problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[a, b, c])
    client.form(f"/challenges/{challenge.slug}/problems/{a.id}/move", {"direction": "down"})
    assert _order(challenge) == [b.id, a.id, c.id]


def test_moving_the_first_problem_up_changes_nothing(organizer, challenge_factory, problem_factory):
    a, b = problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[a, b])
    assert services.move_problem(organizer, challenge, a.id, "up") is False
    db.session.commit()
    assert _order(challenge) == [a.id, b.id]


def test_the_page_lists_problems_in_curated_order(client, organizer, challenge_factory, problem_factory):
    a = problem_factory(title="Alpha problem")
    b = problem_factory(title="Bravo problem")
    challenge = challenge_factory(status="published", problems=[a, b])
    services.move_problem(organizer, challenge, b.id, "up")
    db.session.commit()
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert html.index("Bravo problem") < html.index("Alpha problem")


def test_the_curation_page_has_move_buttons_that_need_no_script(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    a, b = problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[a, b])
    html = client.get(f"/challenges/{challenge.slug}/curate").get_data(as_text=True)
    assert f'action="/challenges/{challenge.slug}/problems/{a.id}/move"' in html
    assert 'name="direction" value="down"' in html and 'name="direction" value="up"' in html


def test_organizer_writes_a_note(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    problem = problem_factory()
    challenge = challenge_factory(problems=[problem])
    client.form(f"/challenges/{challenge.slug}/problems/{problem.id}/note", {"note": "Needs geocoding."})
    db.session.expire_all()
    assert db.session.get(ChallengeProblem, (challenge.id, problem.id)).note == "Needs geocoding."


def test_the_note_shows_on_the_challenge_page_as_text(client, organizer, challenge_factory, problem_factory):
    problem = problem_factory()
    challenge = challenge_factory(status="published", problems=[problem])
    services.set_problem_note(organizer, challenge, problem.id, "Look at <b>2019</b> first")
    db.session.commit()
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert "Look at &lt;b&gt;2019&lt;/b&gt; first" in html


def test_organizer_removes_a_problem(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    a, b = problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[a, b])
    client.form(f"/challenges/{challenge.slug}/problems/{a.id}/remove")
    assert _order(challenge) == [b.id]


def test_organizer_adds_an_extra_dataset(organizer_client, challenge_factory, dataset_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    dataset = dataset_factory(title="Street Centerlines")
    client.form(f"/challenges/{challenge.slug}/datasets", {"dataset_id": dataset.id, "note": "For joins"})
    row = db.session.get(ChallengeDataset, (challenge.id, dataset.id))
    assert row is not None and row.note == "For joins"


def test_organizer_removes_an_extra_dataset(organizer_client, challenge_factory, dataset_factory):
    client, _ = organizer_client
    dataset = dataset_factory()
    challenge = challenge_factory(datasets=[dataset])
    client.form(f"/challenges/{challenge.slug}/datasets/{dataset.id}/remove")
    db.session.expire_all()
    assert db.session.get(ChallengeDataset, (challenge.id, dataset.id)) is None


def test_dataset_search_on_the_curation_page(organizer_client, challenge_factory, dataset_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    dataset_factory(title="Bike Lane Network")
    dataset_factory(title="Library Hours")
    html = _search(client, challenge, dq="bike")
    assert "Bike Lane Network" in html and "Library Hours" not in html


def test_challenge_datasets_are_the_union_of_problem_datasets_and_extras(
    organizer, challenge_factory, problem_factory, dataset_factory, count_queries
):
    shared, only_problem, extra, unrelated = (
        dataset_factory(title=t) for t in ("B shared", "A problem", "C extra", "D")
    )
    challenge = challenge_factory(
        problems=[problem_factory(datasets=[shared, only_problem]), problem_factory(datasets=[shared])],
        datasets=[extra, shared],
    )
    assert challenge.id and organizer.is_organizer  # loaded before counting
    with count_queries() as counter:
        items = queries.challenge_datasets(challenge, organizer)
    assert [i.dataset.title for i in items] == ["A problem", "B shared", "C extra"]
    assert [i.extra for i in items] == [False, True, True]
    assert counter.count == 2  # the union, and the distributions
    assert unrelated.id not in {i.dataset.id for i in items}


def test_a_hidden_problems_datasets_leave_the_challenge(organizer, challenge_factory, problem_factory, dataset_factory):
    dataset = dataset_factory()
    problem = problem_factory(datasets=[dataset])
    challenge = challenge_factory(problems=[problem, problem_factory()])
    problem.hidden_at = utcnow()
    db.session.commit()
    assert queries.challenge_datasets(challenge, organizer) == []


# -- notifications to the followers of curated problems ---------------------------------------


def _follower_of(problem, user_factory) -> User:
    user = user_factory()
    follow(user, problem_id=problem.id)
    db.session.commit()
    return user


def _notifications(user) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.user_id == user.id)).scalars())


def test_adding_to_a_published_challenge_notifies_the_problems_followers(
    organizer, challenge_factory, problem_factory, user_factory
):
    challenge = challenge_factory(status="published")
    problem = problem_factory()
    follower = _follower_of(problem, user_factory)
    services.add_problem(organizer, challenge, problem.id)
    db.session.commit()
    (note,) = _notifications(follower)
    assert (note.kind, note.problem_id, note.challenge_id, note.actor_id) == (
        "challenge_added",
        problem.id,
        challenge.id,
        organizer.id,
    )
    db.session.refresh(follower)
    assert follower.unread_notifications == 1


def test_adding_to_a_draft_notifies_nobody_yet(organizer, challenge_factory, problem_factory, user_factory):
    problem = problem_factory()
    follower = _follower_of(problem, user_factory)
    challenge = challenge_factory()
    services.add_problem(organizer, challenge, problem.id)
    db.session.commit()
    assert _notifications(follower) == []


def test_publishing_notifies_followers_of_problems_added_while_draft(
    organizer, challenge_factory, problem_factory, user_factory
):
    first, second = problem_factory(), problem_factory()
    follower = _follower_of(first, user_factory)
    follow(follower, problem_id=second.id)
    db.session.commit()
    challenge = challenge_factory(problems=[first, second])
    services.publish_challenge(organizer, challenge)
    db.session.commit()
    assert sorted(n.problem_id for n in _notifications(follower)) == sorted([first.id, second.id])
    db.session.refresh(follower)
    assert follower.unread_notifications == 2


def test_reopening_does_not_notify_again(organizer, challenge_factory, problem_factory, user_factory):
    problem = problem_factory()
    follower = _follower_of(problem, user_factory)
    challenge = challenge_factory(status="closed", problems=[problem])
    services.publish_challenge(organizer, challenge)
    db.session.commit()
    assert len(_notifications(follower)) == 1


def test_the_acting_organizer_is_not_notified(organizer, challenge_factory, problem_factory):
    problem = problem_factory()
    follow(organizer, problem_id=problem.id)
    challenge = challenge_factory(status="published")
    services.add_problem(organizer, challenge, problem.id)
    db.session.commit()
    assert _notifications(organizer) == []


def test_followers_of_other_problems_are_not_notified(organizer, challenge_factory, problem_factory, user_factory):
    other = problem_factory()
    follower = _follower_of(other, user_factory)
    challenge = challenge_factory(status="published")
    services.add_problem(organizer, challenge, problem_factory().id)
    db.session.commit()
    assert _notifications(follower) == []


def test_moving_skips_problems_hidden_from_the_organizer(organizer, challenge_factory, problem_factory):
    a, hidden, c = problem_factory(), problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[a, hidden, c])
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert services.move_problem(organizer, challenge, c.id, "up") is True
    db.session.commit()
    assert _order(challenge) == [c.id, hidden.id, a.id]


def test_moving_repairs_tied_positions(organizer, challenge_factory, problem_factory):
    a, b = problem_factory(), problem_factory()
    challenge = challenge_factory(problems=[a, b])
    for row in db.session.execute(select(ChallengeProblem)).scalars():
        row.position = 0  # as two concurrent additions could leave them
    db.session.commit()
    services.move_problem(organizer, challenge, b.id, "up")
    db.session.commit()
    assert _order(challenge) == [b.id, a.id]


def test_organizer_adds_several_checked_problems_at_once(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    first, second, skipped = problem_factory(), problem_factory(), problem_factory()
    response = client.form(f"/challenges/{challenge.slug}/problems", {"problem_id": [first.id, second.id]})
    assert response.status_code == 302
    assert _order(challenge) == [first.id, second.id]
    assert db.session.get(ChallengeProblem, (challenge.id, skipped.id)) is None


def test_adding_keeps_the_search_that_found_the_problems(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    problem = problem_factory(title="Pothole on Elm")
    response = client.form(
        f"/challenges/{challenge.slug}/problems", {"problem_id": [problem.id], "q": "pothole", "min_votes": "0"}
    )
    location = response.headers["Location"]
    assert "q=pothole" in location and "min_votes=0" in location and location.endswith("#find")
    html = client.get(location.split("#")[0]).get_data(as_text=True)
    assert "Pothole on Elm" in html and "In the challenge" in html


def test_adding_no_checked_problem_says_so(organizer_client, challenge_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    response = client.form(f"/challenges/{challenge.slug}/problems", {"q": "pothole"}, follow_redirects=True)
    assert "Choose at least one problem to add." in response.get_data(as_text=True)


def test_search_results_offer_checkboxes_and_one_add_button(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    a, b = problem_factory(title="Pothole one"), problem_factory(title="Pothole two")
    html = _search(client, challenge, q="pothole")
    assert sorted(re.findall(r'type="checkbox" name="problem_id" value="(\d+)"', html)) == sorted(
        [str(a.id), str(b.id)]
    )
    assert html.count("Add the checked problems") == 1


def test_added_to_a_challenge_notification_names_and_links_the_challenge(logged_in, problem_factory, challenge_factory):
    client, user = logged_in
    problem = problem_factory(title="Dark path", author=user)
    follow(user, problem_id=problem.id)
    db.session.commit()
    challenge_factory(title="Lighting Data Jam", slug="lighting-jam", problems=[problem], status="published")
    html = client.get("/notifications").get_data(as_text=True)
    assert "was added to the challenge" in html
    assert '<a href="/challenges/lighting-jam">Lighting Data Jam</a>' in html
    assert f'href="/problems/{problem.id}"' in html
