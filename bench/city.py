"""The city-scale data set: `flask demo seed --scale city`, for benchmarks and load tests.

About 20k users, 5k datasets (with distributions), 100k problems, 1M votes and 500k comments,
long-tailed the way real boards are: one problem with 20,000 comments, a few with ~200, most
with a handful; a few popular datasets and many quiet ones. Some problems carry official
responses (with status changes), evidence, or are data requests; a few are hidden or locked.

It is built deterministically from one `random.Random(seed)`, on top of whatever the database
already holds (ids continue after the existing rows), in bulk: SQLAlchemy Core executemany in
batches on SQLite, COPY on PostgreSQL. Triggers stay on, so any full-text index on problems
stays in sync. Every stored counter is computed here exactly as the services keep it:
problems.vote_count (rows in votes), comment_count (live comments: neither deleted nor hidden),
hot (ranking.hot_score), datasets.problem_count and demand (problems/counters.py). One password
hash is computed and shared by every generated account: they all log in with the demo password.
"""

from __future__ import annotations

import itertools
import json
import random
import resource
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import click
from sqlalchemy import JSON, Connection, Table, func, insert, select, text

from civicboard.auth import services as auth_services
from civicboard.auth.models import Department, User, UserRole
from civicboard.challenges.models import Challenge, ChallengeDataset, ChallengeProblem
from civicboard.datasets.models import CatalogSource, Dataset, Distribution
from civicboard.extensions import db
from civicboard.markup import render
from civicboard.problems.models import (
    CLOSED_STATUSES,
    Category,
    Comment,
    CommentRevision,
    Problem,
    ProblemDataset,
    ProblemStatus,
    Vote,
)
from civicboard.problems.ranking import hot_score
from civicboard.staff.models import Evidence, Response

DEFAULT_SEED = 20_240_601
CITY_SOURCE = "city-scale"
# A fixed "now", so the same seed always gives the same rows; problems span the two years before.
ANCHOR = datetime(2026, 1, 1)
SPAN = timedelta(days=730)
BATCH_SIZE = 10_000
PASSWORD = "civicboard-demo"  # noqa: S105 - the published demo password


class CitySeedError(click.ClickException):
    """The city-scale data cannot be loaded into this database (shown as a command error)."""


@dataclass(frozen=True)
class CityScale:
    """How much to generate; `scaled(f)` shrinks it (tests use a tiny fraction)."""

    users: int = 20_000
    datasets: int = 5_000
    problems: int = 100_000
    votes: int = 1_000_000
    comments: int = 500_000
    biggest_thread: int = 20_000  # one problem with this many comments
    busy_threads: int = 8  # a few problems with about busy_thread_size comments
    busy_thread_size: int = 200
    challenges: int = 3

    def scaled(self, factor: float) -> CityScale:
        """The same shape at `factor` times the size (never below a workable minimum)."""
        if factor == 1:
            return self

        def size(value: int, minimum: int) -> int:
            return max(minimum, round(value * factor))

        return replace(
            self,
            users=size(self.users, 400),
            datasets=size(self.datasets, 12),
            problems=size(self.problems, 120),
            votes=size(self.votes, 600),
            comments=size(self.comments, 500),
            biggest_thread=size(self.biggest_thread, 60),
            busy_thread_size=size(self.busy_thread_size, 12),
            busy_threads=self.busy_threads,
            challenges=self.challenges,
        )


# -- vocabulary ------------------------------------------------------------------------------

CATEGORIES = {
    "Streets and sidewalks": [
        "Pothole",
        "Broken sidewalk",
        "Missing curb ramp",
        "Faded crosswalk",
        "Uneven brick sidewalk",
        "Blocked sidewalk",
    ],
    "Traffic safety": [
        "Speeding cars",
        "Unsafe crossing",
        "Short walk signal",
        "Dangerous intersection",
        "No stop sign",
        "Cars running red lights",
    ],
    "Transit": [
        "Overcrowded bus stop",
        "Missing bus shelter",
        "Bus bunching",
        "No real-time arrival sign",
        "Inaccessible bus stop",
        "Slow bus route",
    ],
    "Bike lanes": [
        "Cars parked in the bike lane",
        "Bike lane ends abruptly",
        "No bike parking",
        "Unprotected bike lane",
        "Debris in the bike lane",
        "Missing bike lane markings",
    ],
    "Parks and trees": [
        "Dead street tree",
        "Overgrown park path",
        "Broken playground equipment",
        "No shade in the park",
        "Empty tree pit",
        "Flooded field",
    ],
    "Trash and recycling": [
        "Overflowing public bins",
        "Missed recycling pickup",
        "Illegal dumping",
        "Rats near the dumpsters",
        "Litter after weekend markets",
        "No recycling bins downtown",
    ],
    "Lighting": [
        "Dark stretch of street",
        "Streetlight out",
        "Flickering streetlights",
        "Unlit underpass",
        "No lighting on the path",
        "Park lights off at night",
    ],
    "Housing": [
        "Vacant building",
        "Rents rising fast",
        "Unsafe rental conditions",
        "Slow permit approvals",
        "Heat outages in winter",
        "Evictions in the neighbourhood",
    ],
    "Noise": [
        "Late-night construction noise",
        "Leaf blowers at dawn",
        "Loud idling trucks",
        "Noisy rooftop units",
        "Train horn at night",
        "Amplified music after hours",
    ],
    "Water and flooding": [
        "Street floods after rain",
        "Clogged storm drain",
        "Basement flooding",
        "Low water pressure",
        "Broken hydrant",
        "Standing water on the path",
    ],
}

DEPARTMENT_FOR_CATEGORY = {
    "Streets and sidewalks": "Public Works",
    "Traffic safety": "Transportation and Infrastructure",
    "Transit": "Transportation and Infrastructure",
    "Bike lanes": "Transportation and Infrastructure",
    "Parks and trees": "Parks and Recreation",
    "Trash and recycling": "Public Works",
    "Lighting": "Public Works",
    "Housing": "Housing",
    "Noise": "Innovation and Analytics",
    "Water and flooding": "Public Works",
}

PLACES = [
    "Elm Street",
    "Highland Avenue",
    "Broadway",
    "Somerville Avenue",
    "Washington Street",
    "Beacon Street",
    "Medford Street",
    "Summer Street",
    "Central Street",
    "School Street",
    "Holland Street",
    "College Avenue",
    "Pearl Street",
    "Cross Street",
    "Union Square",
    "Davis Square",
    "Porter Square",
    "Ball Square",
    "Magoun Square",
    "Teele Square",
    "Powder House Boulevard",
    "Lowell Street",
    "Cedar Street",
    "Willow Avenue",
    "Morrison Avenue",
    "Prospect Hill",
    "Spring Hill",
    "Winter Hill",
    "Ten Hills",
    "Assembly Row",
    "McGrath Highway",
    "Mystic Avenue",
    "Park Street",
    "Bow Street",
    "Dane Street",
    "Walnut Street",
    "Vinal Avenue",
    "Kent Street",
    "Hancock Street",
    "Albion Street",
]
NEIGHBOURHOODS = [
    "Union Square",
    "Davis Square",
    "Porter Square",
    "Ball Square",
    "Magoun Square",
    "Teele Square",
    "East Somerville",
    "Winter Hill",
    "Spring Hill",
    "Ten Hills",
    "Assembly Square",
    "West Somerville",
]
FIRST_NAMES = [
    "Ada", "Ahmed", "Alex", "Amara", "Ana", "Ben", "Bea", "Carlos", "Chen", "Dana", "Deepa", "Eli",
    "Emma", "Fatima", "Felix", "Grace", "Hana", "Ivan", "Jae", "Jamal", "Jo", "Kai", "Kim", "Lena",
    "Leo", "Lucia", "Malik", "Maya", "Mei", "Nico", "Noor", "Omar", "Pat", "Priya", "Quinn", "Rosa",
    "Sam", "Sofia", "Tariq", "Uma", "Vera", "Wei", "Yara", "Yusuf", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Almeida", "Baker", "Chen", "Costa", "Diaz", "Edwards", "Fernandes", "Garcia", "Haddad", "Ito",
    "Jones", "Kim", "Lopez", "Murphy", "Nguyen", "Okafor", "Patel", "Quinn", "Rossi", "Silva",
    "Smith", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zhang", "O'Brien", "Sullivan",
]  # fmt: skip
DATASET_SUBJECTS = [
    "311 Service Requests",
    "Traffic Crash Reports",
    "Street Trees",
    "Parking Citations",
    "Building Permits",
    "Bike and Pedestrian Counts",
    "Bus Stop Ridership",
    "Streetlight Outages",
    "Sidewalk Condition Survey",
    "Pavement Condition Index",
    "Noise Complaints",
    "Rodent Activity",
    "Trash and Recycling Tonnage",
    "Storm Drain Inspections",
    "Flood Reports",
    "Housing Code Violations",
    "Rental Registry",
    "Park Amenities",
    "Playground Inspections",
    "Traffic Signal Timing",
    "Speed Survey Results",
    "Bike Lane Network",
    "Crosswalk Inventory",
    "Curb Ramp Inventory",
    "Tree Canopy Coverage",
    "Water Main Breaks",
    "Hydrant Inspections",
    "Construction Permits",
    "Public Wi-Fi Locations",
    "Snow Emergency Routes",
]
DATASET_QUALIFIERS = ["", "by Ward", "by Neighbourhood", "Monthly", "Daily", "Map", "Summary", "Archive"]
FORMATS = [
    ("CSV", "text/csv", "csv"),
    ("JSON", "application/json", "json"),
    ("GeoJSON", "application/geo+json", "geojson"),
    ("API", "application/json", "api"),
    ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
]
PUBLISHERS = [
    "City of Somerville",
    "Somerville Department of Public Works",
    "Somerville Mobility Division",
    "Somerville Office of Strategic Planning",
    "Somerville Parks and Recreation",
    "Somerville Housing Division",
]
LICENSES = [
    "http://opendefinition.org/licenses/odc-pddl/",
    "https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/publicdomain/zero/1.0/",
]
OBSERVATIONS = [
    "It has been like this for months.",
    "Neighbours have reported it to 311 several times.",
    "It gets much worse after heavy rain.",
    "Older residents and people with strollers avoid the area.",
    "Kids walk past here on the way to school every morning.",
    "Delivery trucks make it worse during the day.",
    "At night it feels unsafe.",
    "The problem started after the last construction project.",
    "Several businesses on the block have complained too.",
    "It is the only accessible route for wheelchair users nearby.",
]
ASKS = [
    "Could the city look at the data and prioritise a fix?",
    "Can staff share when this is scheduled?",
    "I would like to know how this compares with other neighbourhoods.",
    "Please publish the inspection results so we can follow progress.",
    "A temporary fix would already help a lot.",
    "Could this be part of the next capital plan?",
]
COMMENT_OPENERS = [
    "Same here.",
    "I see this every day.",
    "Thanks for raising this!",
    "Agreed, this needs attention.",
    "I am not sure the data shows that.",
    "Good point.",
    "This affects our whole street.",
    "Has anyone checked the 311 history?",
    "I walked by yesterday and it is still there.",
    "+1 from a neighbour.",
]
COMMENT_DETAILS = [
    "The crash data for the last two years shows a clear cluster here.",
    "My daughter almost fell there last week.",
    "I counted more than **40 cars** in ten minutes at rush hour.",
    "There is a [related map](https://data.example.org/maps/related) on the city's portal.",
    "It was fixed once in 2023 but came back within a month.",
    "The bus is always late at this stop because of it.",
    "We raised this at the ward meeting too.",
    "Maybe the city could try a pilot first?",
    "The new development down the street will make it worse.",
    "I would happily help with a volunteer survey.",
]
RESPONSE_TEXTS = {
    ProblemStatus.ACKNOWLEDGED: [
        "Thank you for the report. We have added this location to our review list.",
        "We have received this and our team will inspect the site.",
    ],
    ProblemStatus.IN_PROGRESS: [
        "Work is scheduled and crews are assigned. We will post an update when it is done.",
        "Design work has started; construction is planned for next season.",
    ],
    ProblemStatus.RESOLVED: [
        "The repair is complete. Thank you to everyone who reported it.",
        "This has been fixed; please let us know if the problem comes back.",
    ],
    ProblemStatus.DECLINED: [
        "After review, this is outside the city's jurisdiction; it belongs to the state.",
        "We looked at the data and this location does not meet the criteria for changes this year.",
    ],
    ProblemStatus.DUPLICATE: [
        "This is the same as an earlier report; please follow the discussion there.",
    ],
    ProblemStatus.OPEN: [
        "We are collecting more information before deciding on next steps.",
        "Thanks for the discussion. The department is reviewing the data mentioned here.",
    ],
}
EVIDENCE_CAPTIONS = [
    "Reports at this location over the last two years",
    "Monthly counts near the site",
    "Inspection results for the block",
    "Comparison with the city-wide average",
    "Map of related requests within 200 m",
]
DATA_REQUEST_TEXTS = [
    "Please publish pedestrian counts at intersections, by hour.",
    "We need the schedule of planned road resurfacing as open data.",
    "Could the city publish inspection results for rental units?",
    "Publish the snow clearance log with times per street.",
    "Release the list of vacant storefronts with their owners.",
]
HIDE_REASONS = ["Personal information", "Off topic", "Abusive language", "Spam"]


# -- bulk writing ----------------------------------------------------------------------------


class BulkWriter:
    """Insert many rows fast: COPY on PostgreSQL, Core executemany batches elsewhere."""

    def __init__(self, connection: Connection, batch_size: int = BATCH_SIZE) -> None:
        self.connection = connection
        self.batch_size = batch_size
        self.postgres = connection.dialect.name == "postgresql"

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        """Insert `rows` (tuples in `columns` order) into `table`; returns how many.

        Columns left out get their model's scalar default (COPY knows only the server's).
        """
        defaults = _scalar_defaults(table, columns)
        if defaults:
            columns = (*columns, *defaults)
            extra = tuple(defaults.values())
            rows = (tuple(row) + extra for row in rows)
        if self.postgres:
            return self._copy(table, columns, rows)
        count = 0
        statement = insert(table)
        for batch in _batches(rows, self.batch_size):
            self.connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in batch])
            count += len(batch)
        return count

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
        names = ", ".join(f'"{name}"' for name in columns)
        raw = self.connection.connection.driver_connection  # psycopg, inside the same transaction
        count = 0
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)
                count += 1
        return count


def _scalar_defaults(table: Table, columns: Sequence[str]) -> dict[str, object]:
    """The model-side defaults of the columns not given; a required column without one is a bug."""
    defaults: dict[str, object] = {}
    for column in table.columns:
        if column.name in columns:
            continue
        if column.default is not None and column.default.is_scalar:
            defaults[column.name] = column.default.arg
        elif not column.nullable and column.server_default is None and not column.primary_key:
            raise CitySeedError(f"{table.name}.{column.name} needs a value")
    return defaults


def _batches(rows: Iterable[Sequence], size: int) -> Iterator[list[Sequence]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# -- the plan --------------------------------------------------------------------------------


@dataclass(slots=True)
class PlannedProblem:
    """What one problem will be, decided before any row is written (so counters are exact)."""

    id: int
    created_at: datetime
    author_id: int
    category: str
    status: ProblemStatus
    datasets: tuple[int, ...]
    votes: int = 0
    comments: int = 0  # rows, including deleted and hidden ones
    live_comments: int = 0
    hidden: bool = False
    locked: bool = False
    data_request: bool = False
    last_comment_at: datetime | None = None
    # One letter per comment, in order: l(ive), d(eleted), h(idden); empty when all are live.
    fates: str = ""
    duplicate_of: int | None = None
    responses: list[tuple[datetime, ProblemStatus | None, ProblemStatus | None]] = field(default_factory=list)


class Timer:
    """Prints each phase's duration and row count as it finishes."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.started = time.perf_counter()
        self.phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[dict[str, int]]:
        counts: dict[str, int] = {}
        started = time.perf_counter()
        yield counts
        elapsed = time.perf_counter() - started
        self.phases[name] = elapsed
        what = ", ".join(f"{n:,} {k}" for k, n in counts.items())
        self.log(f"  {name:<28} {elapsed:7.1f} s  {what}")


def peak_memory_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _next_id(connection: Connection, table: Table) -> int:
    return connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1


def _pareto_counts(rng: random.Random, n: int, total: int, cap: int, alpha: float) -> list[int]:
    """`n` long-tailed non-negative counts summing exactly to `total`, none above `cap`."""
    if n == 0:
        return []
    if total > n * cap:
        raise CitySeedError(f"cannot spread {total} over {n} items of at most {cap}")
    # Lomax (Pareto shifted to start at 0): many items get nothing, a few get a great deal.
    weights = [rng.paretovariate(alpha) - 1 for _ in range(n)]
    scale = total / sum(weights)
    counts = [min(cap, int(w * scale)) for w in weights]
    remaining = total - sum(counts)
    # Hand out what rounding and the cap left over, one at a time, favouring the heavy items.
    order = sorted(range(n), key=lambda i: -weights[i])
    while remaining > 0:
        for i in order:
            if remaining == 0:
                break
            if counts[i] < cap:
                counts[i] += 1
                remaining -= 1
        order = [i for i in order if counts[i] < cap]
    return counts


def _zipf_cumulative(n: int, s: float = 1.1) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


def _render_pool(texts: Iterable[str]) -> list[tuple[str, str]]:
    """(Markdown, HTML) pairs: each distinct text rendered once, through markup.render."""
    return [(body, render(body)) for body in texts]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randint(0, seconds))


# -- the seed --------------------------------------------------------------------------------


def seed_city(
    seed: int | None = None,
    scale_factor: float = 1.0,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Load the city-scale data into the current database session (the caller commits)."""
    seed = DEFAULT_SEED if seed is None else seed
    scale = CityScale().scaled(scale_factor)
    rng = random.Random(seed)
    session = db.session
    if session.execute(select(Dataset.id).where(Dataset.source == CITY_SOURCE).limit(1)).first():
        raise CitySeedError("this database already holds the city-scale data")

    timer = Timer(log)
    log(f"Seeding the city at scale {scale_factor:g} with seed {seed} ({db.engine.dialect.name}):")
    with timer.phase("departments and categories") as counts:
        departments = {name: auth_services.get_or_create_department(name) for name in _department_names()}
        categories = _categories(departments)
        session.flush()
        counts["categories"] = len(categories)
    connection = session.connection()
    writer = BulkWriter(connection)
    if not writer.postgres:
        # A bigger page cache for the load (SQLite's default is 2 MB); released with the connection.
        connection.execute(text("PRAGMA cache_size = -200000"))

    with timer.phase("users") as counts:
        people = _write_users(writer, connection, rng, scale, departments)
        counts["users"] = len(people.user_ids)
    with timer.phase("plan problems") as counts:
        first_dataset = _next_id(connection, Dataset.__table__)
        dataset_ids = list(range(first_dataset, first_dataset + scale.datasets))
        plan = _plan_problems(rng, scale, connection, people, dataset_ids, categories)
        counts["problems"] = len(plan)
    with timer.phase("datasets and distributions") as counts:
        counts.update(_write_datasets(writer, rng, dataset_ids, plan))
    with timer.phase("problems") as counts:
        counts.update(_write_problems(writer, rng, plan, people, categories))
    with timer.phase("votes") as counts:
        counts["votes"] = _write_votes(writer, rng, plan, people)
    with timer.phase("comments") as counts:
        counts.update(_write_comments(writer, connection, rng, plan, people))
    with timer.phase("responses and evidence") as counts:
        counts.update(_write_responses(writer, connection, rng, plan, people, dataset_ids))
    with timer.phase("challenges") as counts:
        counts["challenges"] = _write_challenges(writer, connection, rng, scale, plan, people, dataset_ids)
    with timer.phase("sequences and statistics"):
        _finish(connection, writer.postgres)

    total = time.perf_counter() - timer.started
    log(f"  {'total':<28} {total:7.1f} s  peak memory {peak_memory_mb():.0f} MB")
    return {
        "city users": len(people.user_ids),
        "city datasets": len(dataset_ids),
        "city problems": len(plan),
        "city votes": sum(p.votes for p in plan),
        "city comments": sum(p.comments for p in plan),
        "seconds": round(total),
    }


def _department_names() -> list[str]:
    return sorted(set(DEPARTMENT_FOR_CATEGORY.values()))


def _categories(departments: dict[str, Department]) -> dict[str, Category]:
    """Get or create the city's categories (by slug), each owned by a department."""
    categories: dict[str, Category] = {}
    for position, name in enumerate(CATEGORIES):
        slug = name.lower().replace(" and ", "-").replace(" ", "-")
        category = db.session.execute(select(Category).where(Category.slug == slug)).scalar_one_or_none()
        if category is None:
            category = Category(
                name=name,
                slug=slug,
                description=f"Problems about {name.lower()}.",
                department_id=departments[DEPARTMENT_FOR_CATEGORY[name]].id,
                position=position,
            )
            db.session.add(category)
        categories[name] = category
    db.session.flush()
    return categories


@dataclass
class People:
    """The generated accounts, by what they do."""

    user_ids: list[int]
    staff: list[tuple[int, int]]  # (user id, department id)
    moderators: list[int]
    organizers: list[int]
    heavy_posters: list[int]  # the few who write much of the content


def _write_users(
    writer: BulkWriter, connection: Connection, rng: random.Random, scale: CityScale, departments
) -> People:
    first = _next_id(connection, User.__table__)
    ids = list(range(first, first + scale.users))
    password_hash = auth_services.hash_password(PASSWORD)  # once: every account shares it
    department_ids = [departments[name].id for name in sorted(departments)]
    staff_count = max(len(department_ids), scale.users // 500)
    moderator_count = max(1, scale.users // 2000)
    organizer_count = max(1, scale.users // 4000)
    staff = [(ids[i], department_ids[i % len(department_ids)]) for i in range(staff_count)]
    moderators = ids[staff_count : staff_count + moderator_count]
    organizers = ids[staff_count + moderator_count : staff_count + moderator_count + organizer_count]
    staff_department = dict(staff)

    def rows() -> Iterator[tuple]:
        for n, user_id in enumerate(ids):
            created = ANCHOR - timedelta(seconds=rng.randint(0, int(SPAN.total_seconds() * 1.5)))
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            yield (
                user_id,
                f"resident{n:05d}@city.example.org",
                name,
                password_hash,
                "",
                staff_department.get(user_id),
                created,
                created,
                created,
                0,
            )

    columns = (
        "id",
        "email",
        "name",
        "password_hash",
        "bio",
        "department_id",
        "created_at",
        "password_changed_at",
        "email_confirmed_at",
        "unread_notifications",
    )
    writer.write(User.__table__, columns, rows())
    roles = (
        [(uid, "staff") for uid, _ in staff]
        + [(uid, "moderator") for uid in moderators]
        + [(uid, "organizer") for uid in organizers]
    )
    writer.write(
        UserRole.__table__,
        ("user_id", "role", "granted_at"),
        ((uid, role, ANCHOR - SPAN) for uid, role in roles),
    )
    heavy = ids[: max(1, len(ids) // 20)]
    return People(ids, staff, moderators, organizers, heavy)


def _plan_problems(
    rng: random.Random,
    scale: CityScale,
    connection: Connection,
    people: People,
    dataset_ids: list[int],
    categories: dict[str, Category],
) -> list[PlannedProblem]:
    first = _next_id(connection, Problem.__table__)
    n = scale.problems
    # Creation times, in id order (older problems have lower ids, as on a real board).
    offsets = sorted(rng.randint(0, int(SPAN.total_seconds())) for _ in range(n))
    popular = list(dataset_ids)
    rng.shuffle(popular)
    cumulative = _zipf_cumulative(len(popular))
    category_names = list(CATEGORIES)
    statuses = list(ProblemStatus)
    status_weights = [70, 10, 8, 7, 3, 2]  # open, acknowledged, in progress, resolved, declined, duplicate
    plan: list[PlannedProblem] = []
    for i in range(n):
        data_request = rng.random() < 0.006
        # Data requests are mostly about data not published yet: no dataset, or one.
        ties = rng.choices([0, 1], [3, 1])[0] if data_request else rng.choices([1, 2, 3], [60, 30, 10])[0]
        chosen: list[int] = []
        while len(chosen) < ties:
            candidate = rng.choices(popular, cum_weights=cumulative)[0]
            if candidate not in chosen:
                chosen.append(candidate)
        author = rng.choice(people.heavy_posters) if rng.random() < 0.3 else rng.choice(people.user_ids)
        plan.append(
            PlannedProblem(
                id=first + i,
                created_at=ANCHOR - SPAN + timedelta(seconds=offsets[i]),
                author_id=author,
                category=rng.choice(category_names),
                status=rng.choices(statuses, status_weights)[0],
                datasets=tuple(chosen),
                hidden=rng.random() < 0.003,
                locked=rng.random() < 0.001,
                data_request=data_request,
            )
        )

    # Votes: long-tailed, never more than there are people.
    for problem, votes in zip(plan, _pareto_counts(rng, n, scale.votes, cap=scale.users // 2, alpha=1.5), strict=True):
        problem.votes = votes

    # Comments: one huge thread, a few busy ones, a long tail for the rest.
    visible = [p for p in plan if not p.hidden]
    biggest = visible[int(len(visible) * 0.6)]
    busy = rng.sample([p for p in visible if p is not biggest], scale.busy_threads)
    biggest.comments = scale.biggest_thread
    for problem in busy:
        problem.comments = scale.busy_thread_size + rng.randint(-scale.busy_thread_size // 20, 0)
    special = {biggest.id, *(p.id for p in busy)}
    rest = [p for p in plan if p.id not in special]
    remaining = scale.comments - sum(p.comments for p in plan)
    # The tail stays well below the busy threads, unless it has to grow to hold every comment.
    cap = max(1, int(scale.busy_thread_size * 0.6), -(-remaining // max(1, len(rest))) * 2)
    for problem, comments in zip(rest, _pareto_counts(rng, len(rest), remaining, cap=cap, alpha=1.5), strict=True):
        problem.comments = comments
    return plan


def _write_datasets(
    writer: BulkWriter, rng: random.Random, dataset_ids: list[int], plan: list[PlannedProblem]
) -> dict[str, int]:
    # The counters, exactly as problems/counters.py defines them.
    problem_count = dict.fromkeys(dataset_ids, 0)
    demand = dict.fromkeys(dataset_ids, 0)
    for problem in plan:
        if problem.hidden:
            continue
        counts_demand = problem.status not in CLOSED_STATUSES
        for dataset_id in problem.datasets:
            problem_count[dataset_id] += 1
            if counts_demand:
                demand[dataset_id] += problem.votes

    distributions: list[tuple] = []

    def rows() -> Iterator[tuple]:
        next_distribution = 1
        for n, dataset_id in enumerate(dataset_ids):
            subject = DATASET_SUBJECTS[n % len(DATASET_SUBJECTS)]
            qualifier = rng.choice(DATASET_QUALIFIERS)
            year = 2015 + (n // len(DATASET_SUBJECTS)) % 11
            title = " ".join(part for part in (subject, qualifier, str(year)) if part)
            if n >= len(DATASET_SUBJECTS) * 11:
                title += f" (part {n // (len(DATASET_SUBJECTS) * 11) + 1})"
            slug = f"city-{n:05d}"
            modified = ANCHOR - timedelta(days=rng.randint(0, 1500))
            withdrawn = rng.random() < 0.02
            for position in range(rng.choices([1, 2, 3, 4], [40, 35, 15, 10])[0]):
                label, media_type, ext = FORMATS[(n + position) % len(FORMATS)]
                distributions.append(
                    (
                        next_distribution,
                        dataset_id,
                        position,
                        f"{title} ({label})",
                        f"https://data.example.org/datasets/{slug}.{ext}",
                        media_type,
                        label,
                    )
                )
                next_distribution += 1
            yield (
                dataset_id,
                CITY_SOURCE,
                slug,
                title,
                f"{subject} published by the city, updated {rng.choice(['daily', 'weekly', 'monthly'])}. "
                f"Covers {rng.choice(NEIGHBOURHOODS)} and the rest of the city.",
                [subject.split()[0].lower(), "somerville", rng.choice(["transportation", "environment", "housing"])],
                [rng.choice(["Transportation", "Environment", "Housing", "Public Safety"])],
                rng.choice(PUBLISHERS),
                "Open data team",
                "opendata@city.example.org",
                f"https://data.example.org/datasets/{slug}",
                rng.choice(LICENSES),
                "Somerville, MA",
                None,
                rng.choice(["R/P1D", "R/P1W", "R/P1M", "R/P1Y"]),
                modified,
                modified - timedelta(days=rng.randint(0, 900)),
                "withdrawn" if withdrawn else "active",
                "",
                ANCHOR - SPAN,
                ANCHOR,
                ANCHOR if withdrawn else None,
                ANCHOR - SPAN,
                ANCHOR,
                problem_count[dataset_id],
                demand[dataset_id],
            )

    columns = (
        "id",
        "source",
        "source_id",
        "title",
        "description",
        "keywords",
        "theme",
        "publisher",
        "contact_name",
        "contact_email",
        "landing_page",
        "license",
        "spatial",
        "temporal",
        "accrual_periodicity",
        "modified",
        "issued",
        "status",
        "content_hash",
        "first_seen_at",
        "last_seen_at",
        "withdrawn_at",
        "created_at",
        "updated_at",
        "problem_count",
        "demand",
    )
    datasets = writer.write(Dataset.__table__, columns, rows())
    # Distribution ids continue after any existing ones.
    first = _next_id(writer.connection, Distribution.__table__)
    written = writer.write(
        Distribution.__table__,
        ("id", "dataset_id", "position", "title", "url", "media_type", "format"),
        ((first + row[0] - 1, *row[1:]) for row in distributions),
    )
    writer.write(
        CatalogSource.__table__,
        ("name", "title", "url", "format", "enabled", "created_at"),
        [(CITY_SOURCE, "City-scale benchmark catalog", "https://data.example.org/data.json", "dcat", False, ANCHOR)],
    )
    return {"datasets": datasets, "distributions": written}


def _plan_responses(rng: random.Random, problem: PlannedProblem) -> None:
    """Official responses that lead to the problem's status, in order (open ones: maybe one note)."""
    path = {
        ProblemStatus.OPEN: [],
        ProblemStatus.ACKNOWLEDGED: [ProblemStatus.ACKNOWLEDGED],
        ProblemStatus.IN_PROGRESS: [ProblemStatus.ACKNOWLEDGED, ProblemStatus.IN_PROGRESS],
        ProblemStatus.RESOLVED: [ProblemStatus.ACKNOWLEDGED, ProblemStatus.RESOLVED],
        ProblemStatus.DECLINED: [ProblemStatus.DECLINED],
        ProblemStatus.DUPLICATE: [ProblemStatus.DUPLICATE],
    }[problem.status]
    when = problem.created_at
    current = ProblemStatus.OPEN
    for target in path:
        when = _between(rng, when, min(ANCHOR, when + timedelta(days=60)))
        problem.responses.append((when, current, target))
        current = target
    if not path and rng.random() < 0.02:
        problem.responses.append((_between(rng, when, ANCHOR), None, None))


def _write_problems(
    writer: BulkWriter,
    rng: random.Random,
    plan: list[PlannedProblem],
    people: People,
    categories: dict[str, Category],
) -> dict[str, int]:
    descriptions = {
        name: _render_pool(_description(rng, issue) for issue in issues for _ in range(30))
        for name, issues in CATEGORIES.items()
    }
    request_pool = _render_pool(DATA_REQUEST_TEXTS)
    moderator = people.moderators[0]
    earlier_visible: list[int] = []
    links: list[tuple] = []

    def rows() -> Iterator[tuple]:
        for problem in plan:
            _plan_responses(rng, problem)
            deleted_and_hidden = _comment_fates(rng, problem)
            problem.live_comments = problem.comments - deleted_and_hidden
            if problem.comments:
                problem.last_comment_at = _between(rng, problem.created_at, ANCHOR)
            issue = rng.choice(CATEGORIES[problem.category])
            place = rng.choice(PLACES)
            title = f"{issue} on {place}" if rng.random() < 0.7 else f"{issue} near {place} and {rng.choice(PLACES)}"
            description, description_html = rng.choice(descriptions[problem.category])
            data_request = data_request_status = None
            note = ""
            if problem.data_request:
                data_request = rng.choice(request_pool)[0]
                data_request_status = rng.choices(["requested", "planned", "published"], [70, 20, 10])[0]
                note = "" if data_request_status == "requested" else "The data team has scheduled this."
            duplicate_of = None
            if problem.status is ProblemStatus.DUPLICATE and earlier_visible:
                duplicate_of = problem.duplicate_of = rng.choice(earlier_visible)
            elif problem.status is ProblemStatus.DUPLICATE:
                problem.status = ProblemStatus.DECLINED  # nothing earlier to point at
                problem.responses = [(problem.created_at, ProblemStatus.OPEN, ProblemStatus.DECLINED)]
            response_times = [when for when, _, _ in problem.responses]
            status_times = [when for when, _, to in problem.responses if to is not None]
            activity = max([problem.created_at, *response_times, *filter(None, [problem.last_comment_at])])
            for position, dataset_id in enumerate(problem.datasets):
                links.append((problem.id, dataset_id, position, problem.created_at))
            if not problem.hidden:
                earlier_visible.append(problem.id)
            yield (
                problem.id,
                title[:140],
                description,
                description_html,
                categories[problem.category].id,
                rng.choice(NEIGHBOURHOODS) if rng.random() < 0.6 else None,
                problem.author_id,
                problem.status.value,
                duplicate_of,
                data_request,
                data_request_status,
                note,
                problem.votes,
                problem.live_comments,
                0,
                0,
                hot_score(problem.votes, problem.live_comments, problem.created_at),
                problem.created_at,
                problem.created_at,
                activity,
                status_times[-1] if status_times else None,
                response_times[0] if response_times else None,
                status_times[-1] if problem.status is ProblemStatus.RESOLVED else None,
                problem.created_at + timedelta(days=3) if problem.locked else None,
                moderator if problem.locked else None,
                problem.created_at + timedelta(days=1) if problem.hidden else None,
                moderator if problem.hidden else None,
                rng.choice(HIDE_REASONS) if problem.hidden else "",
            )

    columns = (
        "id",
        "title",
        "description",
        "description_html",
        "category_id",
        "neighbourhood",
        "author_id",
        "status",
        "duplicate_of_id",
        "data_request",
        "data_request_status",
        "data_request_note",
        "vote_count",
        "comment_count",
        "follower_count",
        "flag_count",
        "hot",
        "created_at",
        "updated_at",
        "last_activity_at",
        "status_changed_at",
        "first_response_at",
        "resolved_at",
        "locked_at",
        "locked_by_id",
        "hidden_at",
        "hidden_by_id",
        "hidden_reason",
    )
    problems = writer.write(Problem.__table__, columns, rows())
    tied = writer.write(ProblemDataset.__table__, ("problem_id", "dataset_id", "position", "created_at"), links)
    return {"problems": problems, "dataset ties": tied}


def _description(rng: random.Random, issue: str) -> str:
    place = rng.choice(PLACES)
    return (
        f"{issue} on {place}. {rng.choice(OBSERVATIONS)} {rng.choice(OBSERVATIONS)}\n\n"
        f"{rng.choice(ASKS)} The related open data is linked below."
    )


def _comment_fates(rng: random.Random, problem: PlannedProblem) -> int:
    """Decide which of the problem's comments end deleted or hidden, before any comment row is
    written (so comment_count is exact); return how many are not live."""
    if not problem.comments:
        return 0
    fates = "".join(rng.choices("ldh", [985, 10, 5], k=problem.comments))
    gone = problem.comments - fates.count("l")
    problem.fates = fates if gone else ""
    return gone


def _write_votes(writer: BulkWriter, rng: random.Random, plan: list[PlannedProblem], people: People) -> int:
    user_count = len(people.user_ids)
    first_user = people.user_ids[0]

    def rows() -> Iterator[tuple]:
        for problem in plan:
            if not problem.votes:
                continue
            span = int((ANCHOR - problem.created_at).total_seconds())
            for offset in rng.sample(range(user_count), problem.votes):
                yield (first_user + offset, problem.id, problem.created_at + timedelta(seconds=rng.randint(0, span)))

    return writer.write(Vote.__table__, ("user_id", "problem_id", "created_at"), rows())


def _write_comments(
    writer: BulkWriter, connection: Connection, rng: random.Random, plan: list[PlannedProblem], people: People
) -> dict[str, int]:
    bodies = _render_pool(
        f"{opener} {detail}" if k % 3 else f"{opener}\n\n{detail}\n\n- {rng.choice(OBSERVATIONS)}"
        for k, (opener, detail) in enumerate(itertools.product(COMMENT_OPENERS, COMMENT_DETAILS))
        for _ in range(3)
    )
    next_id = _next_id(connection, Comment.__table__)
    moderator = people.moderators[0]
    revisions: list[tuple] = []
    counts = {"comments": 0, "deleted": 0, "hidden": 0, "edited": 0}

    def rows() -> Iterator[tuple]:
        nonlocal next_id
        for problem in plan:
            if not problem.comments:
                continue
            fates = problem.fates
            problem.fates = ""
            last = problem.last_comment_at or ANCHOR
            times = sorted(_between(rng, problem.created_at, last) for _ in range(problem.comments - 1))
            times.append(last)
            top_level: list[int] = []
            for k, created in enumerate(times):
                comment_id = next_id
                next_id += 1
                parent = rng.choice(top_level) if top_level and rng.random() < 0.25 else None
                if parent is None:
                    top_level.append(comment_id)
                body, body_html = rng.choice(bodies)
                fate = fates[k] if fates else "l"
                edited_at = deleted_at = hidden_at = None
                hidden_by = None
                reason = ""
                if fate == "d":
                    deleted_at = created + timedelta(hours=1)
                    revisions.append((comment_id, body, deleted_at))
                    body = body_html = ""
                    counts["deleted"] += 1
                elif fate == "h":
                    hidden_at, hidden_by, reason = created + timedelta(hours=2), moderator, rng.choice(HIDE_REASONS)
                    counts["hidden"] += 1
                elif rng.random() < 0.02:
                    edited_at = created + timedelta(minutes=10)
                    revisions.append((comment_id, rng.choice(bodies)[0], edited_at))
                    counts["edited"] += 1
                yield (
                    comment_id,
                    problem.id,
                    rng.choice(people.user_ids),
                    parent,
                    body,
                    body_html,
                    created,
                    edited_at,
                    deleted_at,
                    0,
                    hidden_at,
                    hidden_by,
                    reason,
                )

    columns = (
        "id",
        "problem_id",
        "author_id",
        "parent_id",
        "body",
        "body_html",
        "created_at",
        "edited_at",
        "deleted_at",
        "flag_count",
        "hidden_at",
        "hidden_by_id",
        "hidden_reason",
    )
    counts["comments"] = writer.write(Comment.__table__, columns, rows())
    first_revision = _next_id(connection, CommentRevision.__table__)
    writer.write(
        CommentRevision.__table__,
        ("id", "comment_id", "body", "created_at"),
        ((first_revision + i, *row) for i, row in enumerate(revisions)),
    )
    return counts


def _write_responses(
    writer: BulkWriter,
    connection: Connection,
    rng: random.Random,
    plan: list[PlannedProblem],
    people: People,
    dataset_ids: list[int],
) -> dict[str, int]:
    pools = {status: _render_pool(texts) for status, texts in RESPONSE_TEXTS.items()}
    first_response = _next_id(connection, Response.__table__)
    first_evidence = _next_id(connection, Evidence.__table__)
    evidence: list[tuple] = []

    def rows() -> Iterator[tuple]:
        n = 0
        for problem in plan:
            for when, status_from, status_to in problem.responses:
                author, department = rng.choice(people.staff)
                body, body_html = rng.choice(pools[status_to or ProblemStatus.OPEN])
                yield (
                    first_response + n,
                    problem.id,
                    author,
                    department,
                    body,
                    body_html,
                    status_from.value if status_to else None,
                    status_to.value if status_to else None,
                    problem.duplicate_of if status_to is ProblemStatus.DUPLICATE else None,
                    when,
                )
                n += 1
            if problem.datasets and (problem.responses or rng.random() < 0.01):
                dataset_id = rng.choice(problem.datasets)
                when = _between(rng, problem.created_at, ANCHOR)
                author, _ = rng.choice(people.staff)
                evidence.append(
                    (
                        first_evidence + len(evidence),
                        problem.id,
                        dataset_id,
                        f"https://data.example.org/datasets/city-{dataset_id}/query?near={problem.id}",
                        rng.choice(EVIDENCE_CAPTIONS),
                        rng.choices(["supports", "contradicts", "context"], [60, 15, 25])[0],
                        date(when.year, when.month, 1),
                        author,
                        when,
                        when,
                    )
                )

    columns = (
        "id",
        "problem_id",
        "author_id",
        "department_id",
        "body",
        "body_html",
        "status_from",
        "status_to",
        "duplicate_of_id",
        "created_at",
    )
    responses = writer.write(Response.__table__, columns, rows())
    written = writer.write(
        Evidence.__table__,
        (
            "id",
            "problem_id",
            "dataset_id",
            "url",
            "caption",
            "stance",
            "as_of",
            "created_by_id",
            "created_at",
            "updated_at",
        ),
        evidence,
    )
    return {"responses": responses, "evidence": written}


def _write_challenges(
    writer: BulkWriter,
    connection: Connection,
    rng: random.Random,
    scale: CityScale,
    plan: list[PlannedProblem],
    people: People,
    dataset_ids: list[int],
) -> int:
    first = _next_id(connection, Challenge.__table__)
    organizer = people.organizers[0]
    top = sorted((p for p in plan if not p.hidden), key=lambda p: -p.votes)[: scale.challenges * 8]
    challenges, curated, extra = [], [], []
    for n in range(scale.challenges):
        challenge_id = first + n
        status = ["published", "closed", "draft"][n % 3]
        starts = ANCHOR - timedelta(days=120 - 60 * n)
        summary = f"Build tools with the city's open data: hackathon number {n + 1}."
        challenges.append(
            (
                challenge_id,
                f"city-hack-{n + 1}",
                f"City Hack {n + 1}: safer streets and greener parks",
                summary,
                render(summary),
                starts,
                starts + timedelta(days=2),
                "America/New_York",
                "Somerville City Hall",
                False,
                "hack@city.example.org",
                status,
                organizer,
                starts - timedelta(days=30),
                starts - timedelta(days=30),
                starts - timedelta(days=20) if status != "draft" else None,
                starts + timedelta(days=3) if status == "closed" else None,
            )
        )
        for position, problem in enumerate(top[n * 8 : n * 8 + 8]):
            curated.append((challenge_id, problem.id, position, "A resident favourite.", starts, organizer))
        for dataset_id in rng.sample(dataset_ids, min(2, len(dataset_ids))):
            extra.append((challenge_id, dataset_id, "Useful background data.", starts))
    writer.write(
        Challenge.__table__,
        (
            "id",
            "slug",
            "title",
            "summary",
            "summary_html",
            "starts_at",
            "ends_at",
            "timezone",
            "place",
            "is_online",
            "contact",
            "status",
            "created_by_id",
            "created_at",
            "updated_at",
            "published_at",
            "closed_at",
        ),
        challenges,
    )
    writer.write(
        ChallengeProblem.__table__,
        ("challenge_id", "problem_id", "position", "note", "added_at", "added_by_id"),
        curated,
    )
    writer.write(ChallengeDataset.__table__, ("challenge_id", "dataset_id", "note", "added_at"), extra)
    return len(challenges)


SEQUENCED_TABLES = (
    User.__table__,
    Dataset.__table__,
    Distribution.__table__,
    CatalogSource.__table__,
    Problem.__table__,
    Comment.__table__,
    CommentRevision.__table__,
    Response.__table__,
    Evidence.__table__,
    Challenge.__table__,
)


def _finish(connection: Connection, postgres: bool) -> None:
    """Move PostgreSQL's id sequences past the ids written here; refresh planner statistics."""
    if postgres:
        for table in SEQUENCED_TABLES:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"), false)'
                )
            )
    connection.execute(text("ANALYZE"))
