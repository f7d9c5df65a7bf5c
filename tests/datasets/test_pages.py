"""/datasets and /datasets/<id>: search, facets, sorting, the dataset page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from civicboard.extensions import db
from civicboard.problems.models import ProblemDataset
from civicboard.staff.models import Evidence
from civicboard.timeutil import utcnow


def titles(html: str) -> list[str]:
    """Dataset titles in list order."""
    return re.findall(r'<h2><a href="/datasets/\d+">([^<]+)</a>', html)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- #
# The list
# --------------------------------------------------------------------------- #


def test_the_list_shows_active_datasets_and_hides_withdrawn_ones(client, dataset_factory):
    dataset_factory("Street Trees")
    dataset_factory("Old Parking Meters", status="withdrawn", withdrawn_at=utcnow())

    html = page(client, "/datasets")

    assert titles(html) == ["Street Trees"]


def test_withdrawn_datasets_are_listed_on_request(client, dataset_factory):
    dataset_factory("Street Trees")
    dataset_factory("Old Parking Meters", status="withdrawn", withdrawn_at=utcnow())

    html = page(client, "/datasets?status=withdrawn")

    assert titles(html) == ["Old Parking Meters"]


@pytest.mark.parametrize("q", ["TREES", "canopy", "arbor"])
def test_search_matches_title_description_and_keywords_case_insensitively(client, dataset_factory, q):
    dataset_factory("Street Trees", description="Every tree and its canopy.", keywords=["Arboriculture"])
    dataset_factory("Parking Tickets", description="Tickets issued.", keywords=["parking"])

    assert titles(page(client, f"/datasets?q={q}")) == ["Street Trees"]


def test_search_treats_like_wildcards_as_plain_text(client, dataset_factory):
    dataset_factory("Budget 100% funded")
    dataset_factory("Budget overview")

    assert titles(page(client, "/datasets?q=100%25")) == ["Budget 100% funded"]
    assert titles(page(client, "/datasets?q=_")) == []


def test_datasets_are_filtered_by_keyword_whatever_its_case(client, dataset_factory):
    dataset_factory("Street Trees", keywords=["Environment", "trees"])
    dataset_factory("Parking Tickets", keywords=["parking"])

    assert titles(page(client, "/datasets?keyword=environment")) == ["Street Trees"]


def test_datasets_are_filtered_by_publisher_and_theme(client, dataset_factory):
    dataset_factory("Street Trees", publisher="Parks", theme=["Environment"])
    dataset_factory("Tree Permits", publisher="Inspections", theme=["Environment"])
    dataset_factory("Parking Tickets", publisher="Parks", theme=["Transportation"])

    assert titles(page(client, "/datasets?publisher=Parks&theme=Environment")) == ["Street Trees"]


def test_facets_count_the_datasets_of_the_current_list(client, dataset_factory):
    dataset_factory("Street Trees", keywords=["trees", "environment"], publisher="Parks", theme=["Environment"])
    dataset_factory("Tree Permits", keywords=["Trees", "permits"], publisher="Inspections", theme=["Environment"])
    dataset_factory("Parking Tickets", keywords=["parking"], publisher="Parks", theme=["Transportation"])

    html = page(client, "/datasets?q=tree")

    assert re.search(r">trees</a> \(2\)", html, re.IGNORECASE)
    assert re.search(r">Parks</a> \(1\)", html)
    assert re.search(r">Environment</a> \(2\)", html)
    assert "parking</a>" not in html


def test_a_chosen_facet_can_be_removed(client, dataset_factory):
    dataset_factory("Street Trees", keywords=["trees"])

    html = page(client, "/datasets?keyword=trees")

    assert "<strong>trees</strong> (1)" in html
    assert 'href="/datasets">remove' in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Most wanted", "Most problems", "Fresh", "Aardvarks"]),
        ("demand", ["Most wanted", "Most problems", "Fresh", "Aardvarks"]),
        ("problems", ["Most problems", "Most wanted", "Fresh", "Aardvarks"]),
        ("modified", ["Fresh", "Most problems", "Most wanted", "Aardvarks"]),
        ("title", ["Aardvarks", "Fresh", "Most problems", "Most wanted"]),
    ],
)
def test_sorting(client, dataset_factory, sort, expected):
    now = utcnow()
    dataset_factory("Aardvarks", demand=0, problem_count=0, modified=None)
    dataset_factory("Most wanted", demand=50, problem_count=2, modified=now - timedelta(days=30))
    dataset_factory("Most problems", demand=10, problem_count=9, modified=now - timedelta(days=3))
    dataset_factory("Fresh", demand=1, problem_count=1, modified=now)

    assert titles(page(client, f"/datasets?sort={sort}")) == expected


def test_the_list_is_paginated(client, dataset_factory):
    for n in range(25):
        dataset_factory(f"Dataset {n:02d}")

    first = page(client, "/datasets?sort=title")
    second = page(client, "/datasets?sort=title&page=2")

    assert len(titles(first)) == 20 and titles(second) == [f"Dataset {n}" for n in range(20, 25)]
    assert 'rel="next"' in first and 'rel="next"' not in second
    assert "25 datasets" in first


def test_the_list_asks_a_fixed_number_of_queries(client, dataset_factory, count_queries):
    def queries_for(total: int) -> int:
        while len(titles(page(client, "/datasets?per_page=100"))) < total:
            dataset_factory(
                keywords=["a", "b"],
                theme=["t"],
                publisher="P",
                distributions=[
                    ("CSV", "https://data.example.org/x.csv", "CSV"),
                    ("API", "https://data.example.org/x", "JSON"),
                ],
            )
        with count_queries() as counter:
            html = page(client, "/datasets?q=dataset&sort=modified&per_page=100")
        assert len(titles(html)) == total
        return counter.count

    at_20 = queries_for(20)
    at_40 = queries_for(40)

    assert at_20 == at_40
    assert at_20 <= 6  # page, distributions, count, three facets


# --------------------------------------------------------------------------- #
# The dataset page
# --------------------------------------------------------------------------- #


def test_the_dataset_page_shows_its_metadata_and_links(client, dataset_factory):
    dataset = dataset_factory(
        "Street Trees",
        description="Every street tree.\n\nUpdated by the forestry team.",
        publisher="Urban Forestry",
        landing_page="https://data.example.org/trees",
        license="https://creativecommons.org/publicdomain/zero/1.0/",
        contact_name="Forestry desk",
        contact_email="trees@example.org",
        keywords=["trees"],
        distributions=[("Trees as CSV", "https://data.example.org/trees.csv", "CSV")],
    )

    html = page(client, f"/datasets/{dataset.id}")

    assert "<h1>Street Trees</h1>" in html
    assert "<p>Updated by the forestry team.</p>" in html
    assert '<a href="https://data.example.org/trees.csv" rel="nofollow noopener">Trees as CSV</a>' in html
    assert '<span class="badge">CSV</span>' in html
    assert 'href="https://data.example.org/trees"' in html
    assert 'href="https://creativecommons.org/publicdomain/zero/1.0/"' in html
    assert 'href="mailto:trees@example.org"' in html
    assert f'href="/problems/new?dataset={dataset.id}"' in html
    assert f'href="/feeds/datasets/{dataset.id}.atom"' in html
    assert 'type="application/atom+xml"' in html


def test_an_unknown_dataset_is_not_found(client):
    assert client.get("/datasets/999").status_code == 404


def test_a_withdrawn_dataset_carries_a_banner(client, dataset_factory):
    dataset = dataset_factory("Old Meters", status="withdrawn", withdrawn_at=utcnow())

    assert "Withdrawn from the catalog" in page(client, f"/datasets/{dataset.id}")


def test_an_active_dataset_has_no_withdrawn_banner(client, dataset_factory):
    dataset = dataset_factory("Street Trees")

    assert "Withdrawn from the catalog" not in page(client, f"/datasets/{dataset.id}")


def test_a_dataset_older_than_its_frequency_may_be_stale(client, dataset_factory):
    dataset = dataset_factory(modified=utcnow() - timedelta(days=10), accrual_periodicity="R/P1W")

    html = page(client, f"/datasets/{dataset.id}")

    assert "may be stale" in html and "updated weekly" in html


@pytest.mark.parametrize(("age", "periodicity"), [(3, "R/P1W"), (3000, "irregular"), (3000, None)])
def test_no_stale_mark_when_fresh_or_when_the_frequency_is_unknown(client, dataset_factory, age, periodicity):
    dataset = dataset_factory(modified=utcnow() - timedelta(days=age), accrual_periodicity=periodicity)

    assert "may be stale" not in page(client, f"/datasets/{dataset.id}")


def test_the_dataset_page_ranks_its_visible_problems_by_votes(client, dataset_factory, problem_factory):
    dataset = dataset_factory()
    problem_factory("Few votes here", datasets=[dataset], vote_count=2)
    problem_factory("Many votes here", datasets=[dataset], vote_count=9)
    problem_factory("Hidden problem", datasets=[dataset], vote_count=50, hidden_at=utcnow())
    problem_factory("Elsewhere", vote_count=99)

    html = page(client, f"/datasets/{dataset.id}")

    shown = re.findall(r'<a href="/problems/\d+">([^<]+)</a>', html)
    assert shown == ["Many votes here", "Few votes here"]


def _evidence(problem, dataset, author, **fields):
    evidence = Evidence(
        problem_id=problem.id,
        dataset_id=dataset.id,
        stance=fields.pop("stance", "supports"),
        caption=fields.pop("caption", "Counts rose."),
        created_by_id=author.id,
        **fields,
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


def test_the_dataset_page_shows_the_evidence_citing_it(client, dataset_factory, problem_factory, staff):
    dataset = dataset_factory()
    problem = problem_factory("Crashes at Union Square", datasets=[dataset])
    _evidence(
        problem,
        dataset,
        staff,
        stance="contradicts",
        caption="Crashes fell by a third.",
        url="https://data.example.org/crashes?year=2024",
        as_of=date(2024, 12, 31),
    )

    html = page(client, f"/datasets/{dataset.id}")

    evidence = html.split('id="evidence-heading"')[1]
    assert "The data shows otherwise" in evidence and "Crashes fell by a third." in evidence
    assert f'<a href="/problems/{problem.id}">Crashes at Union Square</a>' in evidence
    assert 'href="https://data.example.org/crashes?year=2024"' in evidence
    assert "31 Dec 2024" in evidence


def test_removed_evidence_and_evidence_on_hidden_problems_are_not_shown(
    client, dataset_factory, problem_factory, staff
):
    dataset = dataset_factory()
    visible = problem_factory(datasets=[dataset])
    hidden = problem_factory(datasets=[dataset], hidden_at=utcnow())
    _evidence(visible, dataset, staff, caption="Removed caption", removed_at=utcnow(), removed_by_id=staff.id)
    _evidence(hidden, dataset, staff, caption="Hidden caption")

    html = page(client, f"/datasets/{dataset.id}")

    assert "Removed caption" not in html and "Hidden caption" not in html
    assert "No staff evidence cites this dataset yet." in html


def test_an_evidence_link_that_is_not_http_is_not_made_a_link(client, dataset_factory, problem_factory, staff):
    dataset = dataset_factory()
    _evidence(problem_factory(datasets=[dataset]), dataset, staff, url="javascript:alert(1)")

    assert "javascript:" not in page(client, f"/datasets/{dataset.id}")


def test_the_dataset_page_asks_a_fixed_number_of_queries(
    client, dataset_factory, problem_factory, user_factory, count_queries, logged_in
):
    client, _user = logged_in
    dataset = dataset_factory()
    author = user_factory(roles=["staff"])

    def queries_for(problems: int) -> int:
        while dataset_problem_count() < problems:
            problem = problem_factory(datasets=[dataset], author=author, vote_count=3)
            _evidence(problem, dataset, author)
        with count_queries() as counter:
            html = page(client, f"/datasets/{dataset.id}")
        shown = html.split('id="problems-heading"')[1].split('id="evidence-heading"')
        assert len(re.findall(r'<a href="/problems/', shown[0])) == problems
        assert len(re.findall(r'<a href="/problems/', shown[1])) == problems
        return counter.count

    def dataset_problem_count() -> int:
        return db.session.execute(
            db.select(db.func.count()).select_from(ProblemDataset).where(ProblemDataset.dataset_id == dataset.id)
        ).scalar_one()

    at_20 = queries_for(20)
    at_40 = queries_for(40)

    assert at_20 == at_40
    assert at_20 <= 6  # login session, dataset, distributions, problems, evidence


def test_html_in_a_catalog_description_is_shown_as_plain_text(client, dataset_factory):
    dataset = dataset_factory("Trees", description='<p>Trees &amp; <b>shrubs</b></p><script>alert("x")</script>')

    for html in (page(client, "/datasets"), page(client, f"/datasets/{dataset.id}")):
        assert "Trees &amp; shrubs" in html
        assert "<b>shrubs" not in html and "<script>alert" not in html
