"""The city-scale seed, run at a tiny scale: every stored counter is exact and consistent.

Runs on the suite's database kind (SQLite, or PostgreSQL with TEST_DATABASE_URL, where the
load goes through COPY), in databases of its own, migrated like production.
"""

from __future__ import annotations

import contextlib
import hashlib
import statistics
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import select, text
from werkzeug.security import check_password_hash

from bench.city import CITY_SOURCE, PASSWORD, CityScale
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.problems.models import Problem
from civicboard.problems.ranking import hot_score
from tests.conftest import make_app
from tests.databases import temporary_database

FACTOR = 0.002
SEED = 7
SCALE = CityScale().scaled(FACTOR)


def fresh_database(database_url: str, is_postgres: bool, directory) -> contextlib.AbstractContextManager[str]:
    """A new, empty database of the suite's kind, dropped afterwards."""
    return temporary_database(database_url, directory, "city")


@contextlib.contextmanager
def seeded_app(database_url: str, *args: str) -> Iterator[Flask]:
    """An app on a migrated database loaded with `flask demo seed --scale city ARGS`."""
    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--scale", "city", *args])
        assert result.exit_code == 0, result.output
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def city(database_url, is_postgres, tmp_path_factory) -> Iterator[Flask]:
    """One tiny city for the module's read-only checks."""
    with (
        fresh_database(database_url, is_postgres, tmp_path_factory.mktemp("city")) as url,
        seeded_app(url, "--scale-factor", str(FACTOR), "--seed", str(SEED)) as app,
    ):
        yield app


def scalar(sql: str) -> int:
    return db.session.execute(text(sql)).scalar_one()


def test_it_generates_the_scaled_amounts(city):
    assert scalar("SELECT count(*) FROM votes") == SCALE.votes
    assert scalar("SELECT count(*) FROM comments") == SCALE.comments
    assert scalar("SELECT count(*) FROM problems") == SCALE.problems
    assert scalar(f"SELECT count(*) FROM datasets WHERE source = '{CITY_SOURCE}'") == SCALE.datasets
    assert scalar("SELECT count(*) FROM users WHERE email LIKE '%@city.example.org'") == SCALE.users
    assert scalar("SELECT count(*) FROM distributions") >= SCALE.datasets


def test_every_vote_count_is_the_number_of_votes(city):
    wrong = scalar(
        "SELECT count(*) FROM problems p WHERE p.vote_count <> (SELECT count(*) FROM votes v WHERE v.problem_id = p.id)"
    )
    assert wrong == 0


def test_every_comment_count_counts_live_comments_only(city):
    wrong = scalar(
        "SELECT count(*) FROM problems p WHERE p.comment_count <> (SELECT count(*) FROM comments c "
        "WHERE c.problem_id = p.id AND c.deleted_at IS NULL AND c.hidden_at IS NULL)"
    )
    assert wrong == 0
    assert scalar("SELECT count(*) FROM comments WHERE deleted_at IS NOT NULL OR hidden_at IS NOT NULL") > 0


def test_every_hot_score_is_the_ranking_formula(city):
    rows = db.session.execute(select(Problem.vote_count, Problem.comment_count, Problem.created_at, Problem.hot)).all()
    wrong = [row for row in rows if abs(row.hot - hot_score(row.vote_count, row.comment_count, row.created_at)) > 1e-9]
    assert wrong == []


def test_dataset_problem_counts_count_visible_problems(city):
    wrong = scalar(
        "SELECT count(*) FROM datasets d WHERE d.problem_count <> (SELECT count(*) FROM problem_datasets pd "
        "JOIN problems p ON p.id = pd.problem_id WHERE pd.dataset_id = d.id AND p.hidden_at IS NULL)"
    )
    assert wrong == 0
    assert scalar("SELECT max(problem_count) FROM datasets") > 0


def test_dataset_demand_counts_votes_on_visible_open_problems(city):
    wrong = scalar(
        "SELECT count(*) FROM datasets d WHERE d.demand <> (SELECT coalesce(sum(p.vote_count), 0) "
        "FROM problem_datasets pd JOIN problems p ON p.id = pd.problem_id WHERE pd.dataset_id = d.id "
        "AND p.hidden_at IS NULL AND p.status NOT IN ('resolved', 'declined', 'duplicate'))"
    )
    assert wrong == 0


def test_a_recount_of_every_stored_counter_finds_no_drift(city):
    result = city.test_cli_runner().invoke(args=["counters", "check"])
    assert result.exit_code == 0, result.output


def test_problems_have_a_mix_of_statuses(city):
    assert scalar("SELECT count(DISTINCT status) FROM problems") >= 4
    assert scalar("SELECT count(*) FROM problems WHERE status IN ('resolved', 'declined', 'duplicate')") > 0


def test_comment_threads_are_long_tailed(city):
    counts = sorted(
        (row[0] for row in db.session.execute(text("SELECT count(*) FROM comments GROUP BY problem_id"))),
        reverse=True,
    )
    assert counts[0] == SCALE.biggest_thread
    busy = [n for n in counts[1:] if n >= SCALE.busy_thread_size * 0.9]
    assert len(busy) == SCALE.busy_threads
    assert statistics.median(counts) < SCALE.busy_thread_size * 0.6


def test_votes_are_long_tailed(city):
    counts = [row[0] for row in db.session.execute(text("SELECT vote_count FROM problems ORDER BY vote_count DESC"))]
    assert counts[0] > 5 * statistics.median(counts)


def test_replies_answer_top_level_comments_of_the_same_problem(city):
    wrong = scalar(
        "SELECT count(*) FROM comments c JOIN comments parent ON parent.id = c.parent_id "
        "WHERE parent.problem_id <> c.problem_id OR parent.parent_id IS NOT NULL"
    )
    assert wrong == 0
    assert scalar("SELECT count(*) FROM comments WHERE parent_id IS NOT NULL") > 0


def test_deleted_comments_keep_their_text_only_as_a_revision(city):
    assert scalar("SELECT count(*) FROM comments WHERE deleted_at IS NOT NULL AND body <> ''") == 0
    missing = scalar(
        "SELECT count(*) FROM comments c WHERE c.deleted_at IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM comment_revisions r WHERE r.comment_id = c.id)"
    )
    assert missing == 0


def test_stored_html_is_the_rendered_markdown(city):
    problems = db.session.execute(select(Problem.description, Problem.description_html).limit(20)).all()
    comments = db.session.execute(text("SELECT body, body_html FROM comments WHERE body <> '' LIMIT 20")).all()
    assert problems and comments
    for source, html in [*problems, *comments]:
        assert html == render(source)


def test_status_changes_are_recorded_as_responses(city):
    mismatched = scalar(
        "SELECT count(*) FROM problems p WHERE p.status <> coalesce((SELECT r.status_to FROM responses r "
        "WHERE r.problem_id = p.id AND r.status_to IS NOT NULL ORDER BY r.created_at DESC, r.id DESC LIMIT 1), 'open')"
    )
    assert mismatched == 0
    assert scalar("SELECT count(*) FROM problems WHERE status = 'duplicate' AND duplicate_of_id IS NULL") == 0


def test_generated_accounts_share_one_hash_of_the_demo_password(city):
    hashes = db.session.execute(select(User.password_hash).where(User.email.like("%@city.example.org")).distinct())
    (only,) = hashes.scalars().all()
    assert check_password_hash(only, PASSWORD)


def test_new_rows_get_fresh_ids_after_the_seed(city):
    author = db.session.execute(select(User).limit(1)).scalar_one()
    highest = scalar("SELECT max(id) FROM problems")
    problem = Problem(title="After the seed", description="x", author_id=author.id)
    db.session.add(problem)
    db.session.flush()
    assert problem.id > highest
    db.session.rollback()


def test_seeding_the_city_twice_is_refused(city):
    result = city.test_cli_runner().invoke(args=["demo", "seed", "--scale", "city", "--scale-factor", str(FACTOR)])
    db.session.rollback()
    assert result.exit_code != 0
    assert "already holds the city-scale data" in result.output
    assert scalar(f"SELECT count(*) FROM datasets WHERE source = '{CITY_SOURCE}'") == SCALE.datasets


def fingerprint() -> str:
    """A digest of the generated content."""
    digest = hashlib.sha256()
    for sql in (
        "SELECT id, title, author_id, status, vote_count, comment_count, created_at FROM problems ORDER BY id",
        "SELECT user_id, problem_id FROM votes ORDER BY problem_id, user_id",
        "SELECT id, problem_id, author_id, parent_id, body FROM comments ORDER BY id",
        "SELECT id, title, problem_count, demand FROM datasets ORDER BY id",
    ):
        for row in db.session.execute(text(sql)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_the_same_seed_builds_the_same_city_and_another_seed_a_different_one(
    database_url, is_postgres, tmp_path_factory
):
    directory = tmp_path_factory.mktemp("city-determinism")
    prints = []
    for seed in (SEED, SEED, SEED + 1):
        with (
            fresh_database(database_url, is_postgres, directory) as url,
            seeded_app(url, "--scale-factor", "0.0012", "--seed", str(seed)),
        ):
            prints.append(fingerprint())
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]
