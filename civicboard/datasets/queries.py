"""Read paths for the catalog pages and the JSON API: each list is one query (plus its count).

Keywords and themes are JSON arrays on the dataset row. Filtering and facet counts look
inside them with the database's own JSON table function (``json_each`` on SQLite,
``json_array_elements_text`` on PostgreSQL), one aggregate query per facet. At the
catalog sizes a city has (thousands of datasets), that and a case-insensitive LIKE
search are fast enough without a search index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, literal, or_, select, true
from sqlalchemy.orm import selectinload

from civicboard.briefcache import remember
from civicboard.datasets.models import CatalogSource, Dataset, DatasetStatus, ImportRun
from civicboard.extensions import db
from civicboard.timeutil import isoformat_z

SORTS = {
    "demand": _l("Most demanded"),
    "problems": _l("Most problems"),
    "modified": _l("Recently modified"),
    "title": _l("A–Z"),  # noqa: RUF001 - the en dash is meant
}
DEFAULT_SORT = "demand"
PER_PAGE = 20
MAX_PER_PAGE = 100
FACET_SIZE = 15
MAX_PAGE = 10_000


@dataclass(frozen=True)
class DatasetFilters:
    """What a dataset list is narrowed to and how it is ordered."""

    q: str = ""
    keyword: str = ""
    publisher: str = ""
    theme: str = ""
    status: str = DatasetStatus.ACTIVE.value
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> DatasetFilters:
        """Read filters from query arguments, ignoring unknown values."""

        def text(name: str, limit: int = 200) -> str:
            return (args.get(name) or "").strip()[:limit]

        status = text("status")
        sort = text("sort")
        return cls(
            q=text("q"),
            keyword=text("keyword"),
            publisher=text("publisher", 255),
            theme=text("theme"),
            status=status if status in {s.value for s in DatasetStatus} else DatasetStatus.ACTIVE.value,
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    @property
    def narrowed(self) -> bool:
        """True when anything but the sort is chosen."""
        return bool(self.q or self.keyword or self.publisher or self.theme)


@dataclass
class Facet:
    """One value of a facet and how many datasets of the current list carry it."""

    value: str
    count: int


@dataclass
class DatasetPage:
    """One page of a dataset list with its total and facets."""

    items: list[Dataset]
    total: int
    page: int
    per_page: int
    filters: DatasetFilters
    facets: dict[str, list[Facet]] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _elements(column: Any, name: str) -> Any:
    """The elements of a JSON array column as a table with a ``value`` column."""
    function = func.json_array_elements_text if _is_postgres() else func.json_each
    return function(column).table_valued("value").alias(name)


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains_term(column: Any, term: str, name: str) -> Any:
    """The JSON array column holds ``term`` (case-insensitively)."""
    elements = _elements(column, name)
    return exists(select(literal(1)).select_from(elements).where(func.lower(elements.c.value) == term.lower()))


def _conditions(filters: DatasetFilters) -> list[Any]:
    """WHERE clauses for the filters."""
    conditions: list[Any] = [Dataset.status == filters.status]
    if filters.q:
        pattern = _like_pattern(filters.q)
        keywords = _elements(Dataset.keywords, "q_kw")
        conditions.append(
            or_(
                func.lower(Dataset.title).like(pattern, escape="\\"),
                func.lower(Dataset.description).like(pattern, escape="\\"),
                exists(
                    select(literal(1))
                    .select_from(keywords)
                    .where(func.lower(keywords.c.value).like(pattern, escape="\\"))
                ),
            )
        )
    if filters.keyword:
        conditions.append(_contains_term(Dataset.keywords, filters.keyword, "f_kw"))
    if filters.theme:
        conditions.append(_contains_term(Dataset.theme, filters.theme, "f_theme"))
    if filters.publisher:
        conditions.append(Dataset.publisher == filters.publisher)
    return conditions


def _order(query: Select, sort: str) -> Select:
    if sort == "problems":
        return query.order_by(Dataset.problem_count.desc(), Dataset.demand.desc(), Dataset.id.desc())
    if sort == "modified":
        # NULLs last on both databases: "IS NULL" sorts false (0) before true (1).
        return query.order_by(Dataset.modified.is_(None), Dataset.modified.desc(), Dataset.id.desc())
    if sort == "title":
        return query.order_by(func.lower(Dataset.title), Dataset.id)
    return query.order_by(Dataset.demand.desc(), Dataset.problem_count.desc(), Dataset.id.desc())


def _term_facet(column: Any, filters: DatasetFilters, name: str) -> list[Facet]:
    """The most common terms of a JSON array column among the listed datasets."""
    elements = _elements(column, name)
    key = func.lower(elements.c.value)
    rows = db.session.execute(
        select(func.min(elements.c.value), func.count())
        .select_from(Dataset)
        .join(elements, true())
        .where(*_conditions(filters))
        .group_by(key)
        .order_by(func.count().desc(), key)
        .limit(FACET_SIZE)
    ).all()
    return [Facet(value, count) for value, count in rows]


def _publisher_facet(filters: DatasetFilters) -> list[Facet]:
    rows = db.session.execute(
        select(Dataset.publisher, func.count())
        .where(Dataset.publisher.is_not(None), *_conditions(filters))
        .group_by(Dataset.publisher)
        .order_by(func.count().desc(), Dataset.publisher)
        .limit(FACET_SIZE)
    ).all()
    return [Facet(value, count) for value, count in rows]


def list_datasets(
    filters: DatasetFilters,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    with_facets: bool = True,
) -> DatasetPage:
    """A page of datasets matching the filters, with the total and (optionally) facets.

    Queries: one for the page, one for its distributions, one count, and one per facet
    (keyword, publisher, theme), whatever the number of datasets. Facet counts describe
    the current list, so each facet is narrowed by the other filters and its own.

    Pages use OFFSET: a city catalog is a few thousand rows, so even its last page is cheap.
    """
    page = min(max(page, 1), MAX_PAGE)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    conditions = _conditions(filters)
    query = _order(select(Dataset).where(*conditions), filters.sort).options(selectinload(Dataset.distributions))
    items = list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all())
    # The total and the facets scan every matching dataset and are the same for every reader:
    # kept briefly (civicboard.briefcache), keyed by the filters.
    total = remember(
        f"datasets.total:{filters!r}",
        lambda: db.session.execute(select(func.count()).select_from(Dataset).where(*conditions)).scalar_one(),
    )
    result = DatasetPage(items=items, total=total, page=page, per_page=per_page, filters=filters)
    if with_facets:
        result.facets = remember(
            f"datasets.facets:{filters!r}",
            lambda: {
                "keyword": _term_facet(Dataset.keywords, filters, "facet_kw"),
                "publisher": _publisher_facet(filters),
                "theme": _term_facet(Dataset.theme, filters, "facet_theme"),
            },
        )
    return result


def get_dataset(dataset_id: int) -> Dataset | None:
    """One dataset with its distributions (two queries), withdrawn ones included."""
    return db.session.execute(
        select(Dataset).where(Dataset.id == dataset_id).options(selectinload(Dataset.distributions))
    ).scalar_one_or_none()


def dataset_as_dict(dataset: Dataset) -> dict[str, Any]:
    """The contract's dataset fields (times ISO 8601 with Z); the caller adds ``url``."""
    return {
        "id": dataset.id,
        "source": dataset.source,
        "source_id": dataset.source_id,
        "title": dataset.title,
        "description": dataset.description,
        "publisher": dataset.publisher,
        "keywords": list(dataset.keywords or []),
        "theme": list(dataset.theme or []),
        "landing_page": dataset.landing_page,
        "license": dataset.license,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "accrual_periodicity": dataset.accrual_periodicity,
        "modified": isoformat_z(dataset.modified),
        "issued": isoformat_z(dataset.issued),
        "status": dataset.status,
        "withdrawn_at": isoformat_z(dataset.withdrawn_at),
        "first_seen_at": isoformat_z(dataset.first_seen_at),
        "last_seen_at": isoformat_z(dataset.last_seen_at),
        "distributions": [
            {"title": d.title, "url": d.url, "format": d.format, "media_type": d.media_type}
            for d in dataset.distributions
        ],
        "problem_count": dataset.problem_count,
        "demand": dataset.demand,
    }


def find_datasets_for_linking(q: str, *, limit: int = 20) -> list[Dataset]:
    """Active datasets whose title matches, for the data-request answer page (one query)."""
    q = (q or "").strip()[:200]
    if not q:
        return []
    query = select(Dataset).where(
        Dataset.status == DatasetStatus.ACTIVE,
        func.lower(Dataset.title).like(_like_pattern(q), escape="\\"),
    )
    return list(db.session.execute(_order(query, DEFAULT_SORT).limit(limit)).scalars().all())


# --------------------------------------------------------------------------- #
# Catalog sources
# --------------------------------------------------------------------------- #


@dataclass
class SourceRow:
    """A configured source, its last import run, and how many datasets it has."""

    source: CatalogSource
    last_run: ImportRun | None
    active: int
    withdrawn: int


def source_rows() -> list[SourceRow]:
    """Every configured source with its last run and dataset counts (three queries)."""
    sources = list(db.session.execute(select(CatalogSource).order_by(CatalogSource.name)).scalars().all())
    last_ids = select(func.max(ImportRun.id)).group_by(ImportRun.source)
    runs = {
        run.source: run for run in db.session.execute(select(ImportRun).where(ImportRun.id.in_(last_ids))).scalars()
    }
    counts: dict[tuple[str, str], int] = {
        (source, status): n
        for source, status, n in db.session.execute(
            select(Dataset.source, Dataset.status, func.count()).group_by(Dataset.source, Dataset.status)
        ).all()
    }
    return [
        SourceRow(
            source=s,
            last_run=runs.get(s.name),
            active=counts.get((s.name, DatasetStatus.ACTIVE.value), 0),
            withdrawn=counts.get((s.name, DatasetStatus.WITHDRAWN.value), 0),
        )
        for s in sources
    ]


def recent_runs(limit: int = 20) -> list[ImportRun]:
    """The latest import runs of every source, newest first."""
    return list(
        db.session.execute(select(ImportRun).order_by(ImportRun.queued_at.desc(), ImportRun.id.desc()).limit(limit))
        .scalars()
        .all()
    )
