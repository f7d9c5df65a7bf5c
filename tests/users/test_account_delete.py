"""/account/delete: after the password the account is gone, and every counter stays exact."""

from __future__ import annotations

from sqlalchemy import func, select

from civicboard.audit.models import AuditEntry
from civicboard.auth.models import ApiToken, User, UserSession
from civicboard.extensions import db
from civicboard.problems.models import Comment, Follow, Problem, Vote
from civicboard.users.ownership import FORMER_RESIDENT, WITHDRAWN_TITLE

PASSWORD = "correct horse battery"


def delete_me(client, password: str = PASSWORD, **extra):
    return client.form("/account/delete", {"password": password, **extra})


def count(model, *conditions) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()


def test_delete_page_asks_for_the_password(client, login, board):
    login(client, board.me)
    page = client.get("/account/delete").get_data(as_text=True)
    assert 'type="password"' in page and "remove_unanswered" in page


def test_a_wrong_password_deletes_nothing(client, login, board):
    login(client, board.me)
    response = delete_me(client, "not my password at all")
    assert response.status_code == 422
    assert "Your password is not correct." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, board.me.id).email == "rosa@example.org"
    assert count(Vote, Vote.user_id == board.me.id) == 2


def test_delete_needs_the_csrf_token(client, login, board):
    login(client, board.me)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, board.me.id).name == "Rosa Resident"


def test_delete_erases_email_and_name_and_keeps_the_row(client, login, board):
    login(client, board.me)
    assert delete_me(client).status_code == 302
    db.session.expire_all()
    me = db.session.get(User, board.me.id)
    assert me.name == FORMER_RESIDENT and me.bio == ""
    assert "@" not in me.email and "rosa" not in me.email
    assert me.role_rows == []


def test_delete_removes_votes_and_follows_with_exact_counters(client, login, board, runner):
    login(client, board.me)
    delete_me(client)
    db.session.expire_all()
    assert count(Vote, Vote.user_id == board.me.id) == 0
    assert count(Follow, Follow.user_id == board.me.id) == 0
    other_problem = db.session.get(Problem, board.other_problem.id)
    assert other_problem.vote_count == 1
    assert other_problem.follower_count == count(Follow, Follow.problem_id == other_problem.id)
    result = runner.invoke(args=["counters", "check"])
    assert result.exit_code == 0, result.output
    assert "Every counter matches" in result.output


def test_kept_problem_shows_former_resident(client, login, board, make_client):
    login(client, board.me)
    delete_me(client)
    page = make_client().get(f"/problems/{board.my_problem.id}").get_data(as_text=True)
    assert "Broken streetlight on Elm" in page
    assert FORMER_RESIDENT in page
    assert "Rosa Resident" not in page


def test_the_session_ends(client, login, board):
    login(client, board.me)
    delete_me(client)
    assert count(UserSession, UserSession.user_id == board.me.id) == 0
    assert client.get("/account").status_code == 302  # back to the login page


def test_other_devices_are_logged_out(client, login, board, make_client):
    other_device = make_client()
    login(other_device, board.me)
    login(client, board.me)
    delete_me(client)
    assert other_device.get("/account").status_code == 302


def test_api_tokens_stop_working(client, login, board, app):
    from civicboard.auth import services as auth_services

    _, token = auth_services.create_api_token(board.me, "script")
    db.session.commit()
    login(client, board.me)
    delete_me(client)
    assert count(ApiToken, ApiToken.user_id == board.me.id) == 0
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_the_old_password_no_longer_logs_in(client, login, board):
    login(client, board.me)
    delete_me(client)
    response = client.form("/login", {"email": "rosa@example.org", "password": PASSWORD})
    assert response.status_code != 302


def test_the_address_can_register_again(client, login, board, make_client):
    login(client, board.me)
    delete_me(client)
    newcomer = make_client()
    response = newcomer.form(
        "/register",
        {"name": "Rosa Again", "email": "Rosa@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert count(User, User.email == "rosa@example.org") == 1


def test_delete_is_audited(client, login, board):
    login(client, board.me)
    delete_me(client)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.delete")).scalar_one()
    assert entry.actor_id == board.me.id and entry.target_id == str(board.me.id)


def test_kept_comments_stay_by_default(client, login, board):
    login(client, board.me)
    delete_me(client)
    db.session.expire_all()
    comment = db.session.get(Comment, board.my_comment.id)
    assert comment.deleted_at is None and comment.body == "Same on my street, since May."


def test_asking_removes_only_what_nobody_answered(client, login, board, runner):
    from civicboard.problems import services

    lonely = services.create_problem(
        board.me, title="Bench missing in the park", description="Gone.", dataset_ids=[board.dataset_id]
    )
    services.vote(board.other, lonely.id)
    answered = services.add_comment(board.me, board.other_problem, "Any news?")
    services.add_comment(board.other, board.other_problem, "Not yet.", parent_id=answered.id)
    db.session.commit()
    login(client, board.me)
    delete_me(client, remove_unanswered="y")
    db.session.expire_all()
    # Otto commented on my streetlight problem: it stays, under "Former resident".
    assert db.session.get(Problem, board.my_problem.id).hidden_at is None
    withdrawn = db.session.get(Problem, lonely.id)
    assert withdrawn.hidden_at is not None and withdrawn.title == WITHDRAWN_TITLE and withdrawn.description == ""
    # My comment nobody replied to is gone, text and earlier versions; the answered one stays.
    assert db.session.get(Comment, board.my_comment.id).body == ""
    assert db.session.get(Comment, answered.id).body == "Any news?"
    result = runner.invoke(args=["counters", "check"])
    assert result.exit_code == 0, result.output


def test_the_only_admin_cannot_leave(client, login, user_factory):
    admin = user_factory(roles=["admin"])
    login(client, admin)
    response = delete_me(client)
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin


def test_invitations_to_the_address_are_removed(client, login, board, make_challenge_with_project):
    from civicboard.challenges.models import ProjectInvitation
    from civicboard.challenges.services import invitations

    project = make_challenge_with_project(board.other)
    invitations.invite(board.other, project, "rosa@example.org")
    db.session.commit()
    login(client, board.me)
    delete_me(client)
    assert count(ProjectInvitation, ProjectInvitation.email == "rosa@example.org") == 0


def test_mail_not_yet_sent_to_them_is_dropped(client, login, board):
    from civicboard.outbox.models import OutboxMessage
    from civicboard.outbox.services import queue_email

    queue_email("digest:me", "rosa@example.org", "Your digest", "News.", user_id=board.me.id)
    queue_email("digest:other", "otto@example.org", "Your digest", "News.", user_id=board.other.id)
    db.session.commit()
    login(client, board.me)
    delete_me(client)
    assert count(OutboxMessage, OutboxMessage.recipient == "rosa@example.org") == 0
    assert count(OutboxMessage, OutboxMessage.recipient == "otto@example.org") == 1


def test_delete_removes_area_follows_and_notification_settings(client, login, board, dataset_factory):
    from civicboard.places.models import Neighbourhood
    from civicboard.problems import notifications, preferences
    from civicboard.problems.models import AreaFollow, NotificationSetting

    notifications.follow_area(board.me, dataset_id=dataset_factory().id)
    place = Neighbourhood(name="Davis", geometry="{}", min_lon=0, min_lat=0, max_lon=1, max_lat=1)
    db.session.add(place)
    db.session.flush()
    notifications.follow_area(board.me, neighbourhood_id=place.id)
    preferences.set_delivery(board.me.id, "comments", "off")
    db.session.commit()
    login(client, board.me)
    assert delete_me(client).status_code == 302
    assert count(AreaFollow) == 0 and count(NotificationSetting) == 0
