"""`flask markdown rerender` and the demo seed."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select, update

from civicboard import demo as city_demo
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems import demo, services
from civicboard.problems.models import Comment, Problem, Vote
from civicboard.staff.models import Response

CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "catalogs" / "somerville_ma.data.v1_0.json"


def test_rerender_rewrites_stale_html_in_every_table(runner, make_problem, user_factory, staff):
    problem = make_problem(description="Some *emphasis*")
    comment = services.add_comment(user_factory(), problem, "A [link](https://example.org)")
    db.session.add(Response(problem_id=problem.id, author_id=staff.id, body="**Fixed**", body_html="stale"))
    db.session.commit()
    db.session.execute(update(Problem).values(description_html="<script>old</script>"))
    db.session.execute(update(Comment).values(body_html="old"))
    db.session.commit()
    result = runner.invoke(args=["markdown", "rerender", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "problems: 1 re-rendered" in result.output and "responses: 1 re-rendered" in result.output
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).description_html == "<p>Some <em>emphasis</em></p>"
    assert 'href="https://example.org"' in db.session.get(Comment, comment.id).body_html
    assert db.session.execute(select(Response.body_html)).scalar_one() == "<p><strong>Fixed</strong></p>"


def test_rerender_leaves_current_html_alone(runner, make_problem):
    make_problem(description="Fine")
    result = runner.invoke(args=["markdown", "rerender"])
    assert "problems: 0 re-rendered" in result.output


def import_somerville() -> None:
    for record in json.loads(CATALOG.read_text()):  # a v1.0 data.json: a bare list
        db.session.add(Dataset(source="somerville", source_id=record["identifier"], title=record["title"]))
    db.session.commit()


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_demo_seeds_a_realistic_board_with_counts_exact(app):
    city_demo.seed_people()
    import_somerville()
    summary = demo.seed_demo()
    db.session.commit()
    assert summary["problems"] == 12 == count(Problem)
    problems = db.session.execute(select(Problem)).scalars().all()
    assert sum(p.is_data_request for p in problems) == 2
    assert all(p.dataset_links or p.is_data_request for p in problems)
    assert all(p.category_id for p in problems)
    assert sum(p.vote_count for p in problems) == count(Vote)
    assert sum(p.comment_count for p in problems) == count(Comment)
    assert (
        db.session.execute(select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))).scalar_one()
        >= 2
    )
    assert demo.seed_demo() == {"problems": 0}  # a second run adds nothing


def test_the_demo_falls_back_to_data_requests_without_a_catalog(app):
    city_demo.seed_people()
    demo.seed_demo()
    db.session.commit()
    assert all(p.is_data_request for p in db.session.execute(select(Problem)).scalars())
