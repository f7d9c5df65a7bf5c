"""The outcome figures, each computed by aggregate SQL (no problem rows are loaded into Python).

Definitions (also on the page and in docs/open-data.md):
- Only public problems count (problems.visibility).
- Time to first response: first_response_at - created_at, over problems that have one.
- Time to resolution: resolved_at - created_at, over problems whose status is resolved now.
- Percentiles are nearest-rank: the value at position ceil(p/100 * n) of the sorted values, so
  the median of an even count is the lower middle value. Computed with ROW_NUMBER() and
  COUNT() windows partitioned by group, which SQLite and PostgreSQL both run.
- Answered within target: the share of *eligible* problems whose first response came within
  INSIGHTS_TARGET_DAYS. Eligible: answered, or older than the target (a problem posted
  yesterday is not yet late, so it does not count against the city).
- Department of a problem: the department that signed its first official response; if none
  has answered, the department owning its category; else "No department".
- Dataset: every dataset the problem is tied to (a problem tied to two counts in both).
- Months: the last 12 calendar months (UTC) including the current one; new by created_at,
  resolved by resolved_at of problems resolved now. Months without any are shown as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, literal_column, or_, select, union_all

from civicboard.auth.models import Department
from civicboard.datasets.models import Dataset, DatasetStatus
from civicboard.extensions import db
from civicboard.insights.dialect import month_of, nearest_rank, seconds_between
from civicboard.problems import visibility
from civicboard.problems.models import STATUS_LABELS, Category, Problem, ProblemDataset, ProblemStatus
from civicboard.staff.models import Response

MONTHS = 12
DATASET_ROWS = 15
DEMAND_ROWS = 10
NO_DEPARTMENT = "No department"
VISIBLE = visibility.public(Problem)  # figures count what open data shows
RESOLVED = ProblemStatus.RESOLVED.value


@dataclass
class Timing:
    """Response and resolution times for a group of problems (durations in whole seconds)."""

    key: int | None
    label: str
    problems: int
    answered: int
    first_response_p50: int | None
    first_response_p90: int | None
    resolved: int
    resolution_p50: int | None
    resolution_p90: int | None
    within_target: int
    eligible: int

    @property
    def share_within_target(self) -> float | None:
        """Answered within the target, as a share of eligible problems (None when none are)."""
        return self.within_target / self.eligible if self.eligible else None


@dataclass
class StatusCount:
    """How many visible problems are in one status."""

    status: str
    label: str
    count: int


@dataclass
class MonthCount:
    """New and resolved problems in one calendar month."""

    month: str  # 'YYYY-MM'
    label: str  # 'Mar 2026'
    new: int = 0
    resolved: int = 0


@dataclass
class DemandRow:
    """A dataset and the votes on the open problems tied to it."""

    id: int
    title: str
    demand: int
    problem_count: int
    withdrawn: bool


@dataclass
class Figures:
    """Everything /insights shows and /insights.csv lists."""

    generated_at: datetime
    target_days: int
    statuses: list[StatusCount]
    overall: Timing
    departments: list[Timing]
    datasets: list[Timing]
    months: list[MonthCount]
    demand: list[DemandRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.count for row in self.statuses)


# -- building blocks -----------------------------------------------------------------------


def _measures(now: datetime, target_days: int) -> list[ColumnElement]:
    """Per-problem columns the timing aggregates work on."""
    first_secs = seconds_between(Problem.first_response_at, Problem.created_at)
    answered = Problem.first_response_at.is_not(None)
    resolved = and_(Problem.status == RESOLVED, Problem.resolved_at.is_not(None))
    cutoff = now - timedelta(days=target_days)
    return [
        case((answered, first_secs)).label("first_secs"),
        case((resolved, seconds_between(Problem.resolved_at, Problem.created_at))).label("resolve_secs"),
        case((or_(answered, Problem.created_at <= cutoff), 1), else_=0).label("eligible"),
        case((and_(answered, first_secs <= target_days * 86400), 1), else_=0).label("within"),
    ]


def _timings(base: Select, *, limit: int | None = None) -> list[Timing]:
    """Aggregate a per-problem select (grp, label and the measures) into one Timing per group.

    Nearest-rank percentiles: rows are numbered within their group, separately for rows with
    and without a value (so NULLs never take a rank), and the value at the percentile's rank
    is picked with MIN(CASE ...). One statement whatever the number of groups.
    """
    b = base.subquery("per_problem")
    no_first = case((b.c.first_secs.is_(None), 1), else_=0)
    no_resolve = case((b.c.resolve_secs.is_(None), 1), else_=0)
    ranked = select(
        b,
        func.row_number().over(partition_by=(b.c.grp, no_first), order_by=b.c.first_secs).label("first_rn"),
        func.count(b.c.first_secs).over(partition_by=b.c.grp).label("first_n"),
        func.row_number().over(partition_by=(b.c.grp, no_resolve), order_by=b.c.resolve_secs).label("resolve_rn"),
        func.count(b.c.resolve_secs).over(partition_by=b.c.grp).label("resolve_n"),
    ).subquery("ranked")
    r = ranked.c

    def at_rank(value, rank, count, percent: int):
        return func.min(case((and_(value.is_not(None), rank == nearest_rank(count, percent)), value)))

    problems = func.count()
    stmt = (
        select(
            r.grp,
            r.label,
            problems.label("problems"),
            func.count(r.first_secs).label("answered"),
            at_rank(r.first_secs, r.first_rn, r.first_n, 50).label("first_p50"),
            at_rank(r.first_secs, r.first_rn, r.first_n, 90).label("first_p90"),
            func.count(r.resolve_secs).label("resolved"),
            at_rank(r.resolve_secs, r.resolve_rn, r.resolve_n, 50).label("resolve_p50"),
            at_rank(r.resolve_secs, r.resolve_rn, r.resolve_n, 90).label("resolve_p90"),
            func.coalesce(func.sum(r.within), 0).label("within"),
            func.coalesce(func.sum(r.eligible), 0).label("eligible"),
        )
        .group_by(r.grp, r.label)
        .order_by(problems.desc(), r.label)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        Timing(
            key=row.grp,
            label=row.label or NO_DEPARTMENT,
            problems=row.problems,
            answered=row.answered,
            first_response_p50=_int(row.first_p50),
            first_response_p90=_int(row.first_p90),
            resolved=row.resolved,
            resolution_p50=_int(row.resolve_p50),
            resolution_p90=_int(row.resolve_p90),
            within_target=int(row.within),
            eligible=int(row.eligible),
        )
        for row in db.session.execute(stmt)
    ]


def _int(value) -> int | None:
    return None if value is None else int(value)


# -- the figures ---------------------------------------------------------------------------


def status_counts() -> list[StatusCount]:
    """Visible problems per status, in the order of the status workflow (zeros included)."""
    stmt = select(Problem.status, func.count()).where(VISIBLE).group_by(Problem.status)
    counts = dict(db.session.execute(stmt).all())
    # str(): the stored figures are JSON, whatever form the labels take (pages word them anew).
    return [
        StatusCount(status.value, str(STATUS_LABELS[status]), counts.get(status.value, 0)) for status in ProblemStatus
    ]


def overall_timing(now: datetime, target_days: int) -> Timing:
    """Timing over every visible problem."""
    base = select(
        literal_column("0").label("grp"), literal_column("'All problems'").label("label"), *_measures(now, target_days)
    ).where(VISIBLE)
    rows = _timings(base)
    overall = rows[0] if rows else Timing(None, "All problems", 0, 0, None, None, 0, None, None, 0, 0)
    overall.key = None
    return overall


def department_timings(now: datetime, target_days: int) -> list[Timing]:
    """Timing per department: the first response's department, else the category's."""
    first_response = select(
        Response.problem_id,
        Response.department_id,
        func.row_number()
        .over(partition_by=Response.problem_id, order_by=(Response.created_at, Response.id))
        .label("rn"),
    ).subquery("first_response")
    department_id = func.coalesce(first_response.c.department_id, Category.department_id)
    base = (
        select(department_id.label("grp"), Department.name.label("label"), *_measures(now, target_days))
        .select_from(Problem)
        .outerjoin(first_response, and_(first_response.c.problem_id == Problem.id, first_response.c.rn == 1))
        .outerjoin(Category, Category.id == Problem.category_id)
        .outerjoin(Department, Department.id == department_id)
        .where(VISIBLE)
    )
    return _timings(base)


def dataset_timings(now: datetime, target_days: int, limit: int = DATASET_ROWS) -> list[Timing]:
    """Timing per dataset, for the datasets with the most visible problems."""
    base = (
        select(Dataset.id.label("grp"), Dataset.title.label("label"), *_measures(now, target_days))
        .select_from(Problem)
        .join(ProblemDataset, ProblemDataset.problem_id == Problem.id)
        .join(Dataset, Dataset.id == ProblemDataset.dataset_id)
        .where(VISIBLE)
    )
    return _timings(base, limit=limit)


def month_starts(now: datetime, months: int = MONTHS) -> list[datetime]:
    """The first instant of each of the last `months` calendar months, oldest first."""
    index = now.year * 12 + now.month - 1
    return [datetime((i // 12), (i % 12) + 1, 1) for i in range(index - months + 1, index + 1)]


def monthly_counts(now: datetime, months: int = MONTHS) -> list[MonthCount]:
    """New and resolved problems per month (one statement; empty months filled with zeros)."""
    starts = month_starts(now, months)
    since = starts[0]
    new = (
        select(literal_column("'new'").label("series"), month_of(Problem.created_at).label("month"), func.count())
        .where(VISIBLE, Problem.created_at >= since)
        .group_by(month_of(Problem.created_at))
    )
    resolved = (
        select(literal_column("'resolved'").label("series"), month_of(Problem.resolved_at).label("month"), func.count())
        .where(VISIBLE, Problem.status == RESOLVED, Problem.resolved_at >= since)
        .group_by(month_of(Problem.resolved_at))
    )
    rows = {start.strftime("%Y-%m"): MonthCount(start.strftime("%Y-%m"), start.strftime("%b %Y")) for start in starts}
    for series, month, count in db.session.execute(union_all(new, resolved)):
        if month in rows:  # a timestamp in the future would name a month not shown
            setattr(rows[month], series, count)
    return list(rows.values())


def top_demand(limit: int = DEMAND_ROWS) -> list[DemandRow]:
    """The datasets with the most demand (votes on open, visible problems tied to them)."""
    stmt = (
        select(Dataset.id, Dataset.title, Dataset.demand, Dataset.problem_count, Dataset.status)
        .where(Dataset.demand > 0)
        .order_by(Dataset.demand.desc(), Dataset.id)
        .limit(limit)
    )
    return [
        DemandRow(row.id, row.title, row.demand, row.problem_count, row.status == DatasetStatus.WITHDRAWN.value)
        for row in db.session.execute(stmt)
    ]


def compute(now: datetime, target_days: int) -> Figures:
    """Every figure, in six statements."""
    return Figures(
        generated_at=now,
        target_days=target_days,
        statuses=status_counts(),
        overall=overall_timing(now, target_days),
        departments=department_timings(now, target_days),
        datasets=dataset_timings(now, target_days),
        months=monthly_counts(now),
        demand=top_demand(),
    )


def figures_marker() -> list[str]:
    """A cheap fingerprint of what the figures are computed from (aggregates only, no rows).

    The visible set (count and sum of ids: hiding or restoring a problem moves it), edits,
    status changes, first responses and resolutions on it, official responses, dataset links,
    and the datasets' demand and edits. Unchanged, the figures would only move with the clock
    (INSIGHTS_MAX_AGE covers that).
    """
    problems = select(
        func.count(Problem.id),
        func.coalesce(func.sum(Problem.id), 0),
        func.max(Problem.updated_at),
        func.max(Problem.status_changed_at),
        func.max(Problem.first_response_at),
        func.max(Problem.resolved_at),
    ).where(VISIBLE)
    responses = select(func.count(Response.id), func.max(Response.id))
    links = select(func.count(ProblemDataset.problem_id), func.coalesce(func.sum(ProblemDataset.dataset_id), 0))
    datasets = select(
        func.coalesce(func.sum(Dataset.demand), 0),
        func.coalesce(func.sum(Dataset.problem_count), 0),
        func.max(Dataset.updated_at),
    )
    values: list[object] = []
    for statement in (problems, responses, links, datasets):
        values.extend(db.session.execute(statement).one())
    return [str(value) for value in values]


def visible_problem_count() -> int:
    """How many problems the figures count (decides whether the first ones may be computed inline)."""
    return db.session.execute(select(func.count(Problem.id)).where(VISIBLE)).scalar_one()
