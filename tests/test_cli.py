"""flask users create / token, flask demo seed."""

from __future__ import annotations

from sqlalchemy import func, select

from civicboard.auth.models import User
from civicboard.extensions import db


def test_users_create_makes_the_first_admin(runner):
    result = runner.invoke(
        args=["users", "create", "Boss@Example.org", "--name", "Boss", "--role", "admin"],
        input="a strong password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User)).scalar_one()
    assert user.email == "boss@example.org" and user.is_admin


def test_users_create_with_department(runner):
    result = runner.invoke(
        args=["users", "create", "s@example.org", "--name", "S", "--role", "staff", "--department", "Parks"],
        input="a strong password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User)).scalar_one()
    assert user.is_staff and user.department.name == "Parks"


def test_users_create_rejects_a_short_password(runner):
    result = runner.invoke(args=["users", "create", "x@example.org", "--name", "X"], input="short\n")
    assert result.exit_code != 0
    assert "at least 10" in result.output
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_users_create_rejects_unknown_roles(runner):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--name", "X", "--role", "king"],
        input="a strong password\n",
    )
    assert result.exit_code != 0


def test_demo_seed_if_empty_runs_once(runner):
    first = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert first.exit_code == 0, first.output
    count = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    assert count >= 5
    second = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert "skipped" in second.output
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == count
