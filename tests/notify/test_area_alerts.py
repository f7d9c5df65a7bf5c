"""Area alerts: follow a dataset or a category from its page; new problems there notify (weekly by default)."""

from __future__ import annotations

from sqlalchemy import select

from civicboard.extensions import db
from civicboard.notify import dispatch
from civicboard.outbox.services import deliver_due
from civicboard.problems import notifications
from civicboard.problems.models import AreaFollow, EmailState, Notification, NotificationFanout
from civicboard.problems.services import create_problem
from tests.smtp import body_of


def _propose(author, **fields):
    problem = create_problem(
        author, title=fields.pop("title", "Flooded underpass"), description="Water everywhere.", **fields
    )
    db.session.commit()
    return problem


def _alerts():
    return list(db.session.execute(select(Notification.user_id).where(Notification.kind == "area_alert")).scalars())


def test_following_a_dataset_from_its_page(app, logged_in, dataset_factory):
    client, user = logged_in
    dataset = dataset_factory()
    page = client.get(f"/datasets/{dataset.id}").get_data(as_text=True)
    assert f'action="/datasets/{dataset.id}/alerts"' in page
    assert client.form(f"/datasets/{dataset.id}/alerts").status_code == 302
    assert client.form(f"/datasets/{dataset.id}/alerts").status_code == 302  # twice is still once
    assert db.session.execute(select(AreaFollow.dataset_id).where(AreaFollow.user_id == user.id)).scalars().all() == [
        dataset.id
    ]


def test_following_a_category_from_the_filtered_list(app, logged_in, category_factory):
    client, user = logged_in
    category = category_factory()
    page = client.get(f"/?category={category.slug}").get_data(as_text=True)
    assert f'action="/categories/{category.slug}/alerts"' in page
    assert client.form(f"/categories/{category.slug}/alerts").status_code == 302
    assert notifications.followed_areas(user) == [(1, "category", category.name, category.slug)]
    assert client.form("/categories/no-such-thing/alerts").status_code == 404


def test_a_new_problem_alerts_each_follower_once(app, user_factory, dataset_factory, category_factory):
    dataset, category = dataset_factory(), category_factory()
    both, by_dataset, elsewhere = user_factory(), user_factory(), user_factory()
    notifications.follow_area(both, dataset_id=dataset.id)
    notifications.follow_area(both, category_id=category.id)
    notifications.follow_area(by_dataset, dataset_id=dataset.id)
    notifications.follow_area(elsewhere, dataset_id=dataset_factory().id)
    db.session.commit()
    author = user_factory()
    notifications.follow_area(author, dataset_id=dataset.id)
    db.session.commit()
    _propose(author, dataset_ids=[dataset.id], category_id=category.id)
    assert sorted(_alerts()) == sorted([both.id, by_dataset.id])  # not the author, not elsewhere


def test_area_alerts_wait_for_the_weekly_digest(app, user_factory, dataset_factory, smtp_server):
    dataset = dataset_factory(title="Street lights")
    follower = user_factory(email="ana@example.org")
    notifications.follow_area(follower, dataset_id=dataset.id)
    db.session.commit()
    _propose(user_factory(name="Bo"), title="Dark corner on Elm", dataset_ids=[dataset.id])
    dispatch.run()
    assert db.session.execute(select(Notification.email_state)).scalar_one() == EmailState.WEEKLY
    assert dispatch.send_digests("weekly") == 1
    deliver_due()
    [message] = smtp_server.messages
    assert "Bo proposed a new problem: “Dark corner on Elm”." in body_of(message)


def test_many_area_followers_are_told_by_the_worker(app, user_factory, dataset_factory, residents):
    app.config["NOTIFY_INLINE_MAX"] = 2
    dataset = dataset_factory()
    people = residents(3)
    for person in people:
        notifications.follow_area(person, dataset_id=dataset.id)
    db.session.commit()
    _propose(user_factory(), dataset_ids=[dataset.id])
    assert _alerts() == [] and db.session.execute(select(NotificationFanout.kind)).scalar_one() == "area_alert"
    dispatch.run()
    assert sorted(_alerts()) == sorted(p.id for p in people)


def test_stop_following_from_the_settings_page(app, logged_in, dataset_factory):
    client, user = logged_in
    dataset = dataset_factory(title="Tree canopy")
    notifications.follow_area(user, dataset_id=dataset.id)
    db.session.commit()
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Tree canopy" in page
    [(follow_id, *_rest)] = notifications.followed_areas(user)
    assert client.form(f"/account/alerts/{follow_id}/delete").status_code == 302
    assert notifications.followed_areas(user) == []


def test_one_cannot_stop_someone_elses_follow(app, logged_in, user_factory, dataset_factory):
    client, _user = logged_in
    other = user_factory()
    notifications.follow_area(other, dataset_id=dataset_factory().id)
    db.session.commit()
    [(follow_id, *_rest)] = notifications.followed_areas(other)
    client.form(f"/account/alerts/{follow_id}/delete")
    assert len(notifications.followed_areas(other)) == 1
