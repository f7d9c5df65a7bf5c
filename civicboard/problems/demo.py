"""Demo problems for Somerville, MA: categories, a dozen problems, votes, comments, two data requests.

Uses the services, like a resident would. Datasets are looked up by title keywords in the
catalog the demo imports (Somerville's data.json); when none matches, the problem becomes a
data request naming the data it needs, so the seed works on an empty catalog too.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from civicboard.auth.models import Department, User
from civicboard.datasets.models import Dataset, DatasetStatus
from civicboard.extensions import db
from civicboard.problems import counters, services
from civicboard.problems.models import Category, Notification, Problem
from civicboard.timeutil import utcnow

ADMIN = "admin@demo.example.org"

CATEGORIES = [
    ("Streets & sidewalks", "Transportation and Infrastructure", "Potholes, snow, crossings, signs."),
    ("Transit", "Transportation and Infrastructure", "Buses, the Green Line, bike-share, bike parking."),
    ("Parks", "Parks and Recreation", "Parks, playgrounds, the Community Path, trees."),
    ("Housing", "Housing", "Rents, permits, building conditions."),
    ("Public safety", "Public Works", "Lighting, noise, rodents, hazards."),
    ("Data & transparency", "Innovation and Analytics", "Data the city publishes, or should."),
]

# Where the street problems are: (latitude, longitude, address line). City-wide data problems
# have no place. Points are real spots in Somerville; the neighbourhood comes from the boundaries.
PLACES = {
    "Pothole reports on Broadway take weeks to close": (42.399621, -71.110916, "Broadway at Ball Square"),
    "Sidewalks near Davis Square stay icy days after storms": (42.396440, -71.122190, "Highland Ave and Elm St"),
    "Rodent complaints cluster around construction sites in Union Square": (
        42.379570,
        -71.093630,
        "Union Square plaza",
    ),
    "Parcel values rose faster than incomes in East Somerville": (42.388560, -71.082730, None),
    "Bike parking at the new Green Line stations fills up by 8 am": (42.388070, -71.096520, "Gilman Square station"),
    "Bus stops on Highland Avenue have no shelters or benches": (42.390010, -71.108310, "Highland Ave"),
    "Community Path lighting is too dim after dark": (42.393320, -71.115460, "Community Path, Cedar St to Lowell St"),
    "After-hours construction noise in Assembly Square": (42.392490, -71.077120, "Assembly Row"),
}

# title, category, author email, dataset title keywords (any), description, data request,
# days ago, voter emails, comments [(author email, text, reply-to index or None)]
PROBLEMS = [
    (
        "Pothole reports on Broadway take weeks to close",
        "Streets & sidewalks",
        "resident@demo.example.org",
        ["311 Call Center Data", "311 Call Center"],
        "The 311 data shows pothole tickets on **Broadway between Ball Square and Magoun Square** "
        "staying open for three to five weeks, while the same request in Davis Square closes in days.\n\n"
        "- Is there a backlog by ward?\n- Could the ticket show an expected repair date?",
        None,
        9,
        ["neighbour@demo.example.org", "cyclist@demo.example.org", "organizer@demo.example.org"],
        [
            (
                "neighbour@demo.example.org",
                "Same on Broadway near Teele Square: reported on the 3rd, still open.",
                None,
            ),
            ("cyclist@demo.example.org", "On a bike these are dangerous after dark.", 0),
        ],
    ),
    (
        "Sidewalks near Davis Square stay icy days after storms",
        "Streets & sidewalks",
        "neighbour@demo.example.org",
        ["311 Call Center Raw Data", "311"],
        "After each snowfall, the sidewalks on Highland Ave and Elm St are not cleared for two or three "
        "days. The 311 raw data has *snow/ice* requests with addresses: a map of repeat addresses would "
        "show where enforcement should start.",
        None,
        20,
        ["resident@demo.example.org", "cyclist@demo.example.org"],
        [("resident@demo.example.org", "Older neighbours on my street stay home when it is icy.", None)],
    ),
    (
        "Rodent complaints cluster around construction sites in Union Square",
        "Public safety",
        "resident@demo.example.org",
        ["Building Permits", "311 Call Center Raw Data"],
        "Rat sightings reported to 311 seem to follow large building permits. Comparing the two datasets "
        "by block would tell whether construction sites need stronger baiting rules.",
        None,
        14,
        ["neighbour@demo.example.org"],
        [],
    ),
    (
        "Building permit data stops in 2010",
        "Data & transparency",
        "cyclist@demo.example.org",
        ["Building Permits Count", "Block Level Building Permits"],
        "Both building permit datasets end in 2010, so nobody can see the construction boom since the "
        "Green Line Extension was announced. Please publish permits through this year, with the same columns.",
        None,
        30,
        ["resident@demo.example.org", "neighbour@demo.example.org", "organizer@demo.example.org"],
        [
            (
                "organizer@demo.example.org",
                "This would make a great hackathon challenge if the data were current.",
                None,
            ),
        ],
    ),
    (
        "Parcel values rose faster than incomes in East Somerville",
        "Housing",
        "neighbour@demo.example.org",
        ["Parcel Value", "ACS Statistics"],
        "Block-level parcel values (2003 to 2013) against the ACS income estimates suggest East Somerville "
        "saw the steepest rise relative to incomes. Residents there ask for a displacement-risk review.",
        None,
        45,
        ["resident@demo.example.org"],
        [("cyclist@demo.example.org", "Newer ACS years would help: 2011 is a long time ago.", None)],
    ),
    (
        "Repeat the wellbeing survey: the last results are from 2011",
        "Data & transparency",
        "resident@demo.example.org",
        ["Wellbeing"],
        "The 2011 wellbeing study was a great idea, but a single year cannot show trends. Could the city "
        "repeat it and publish the results by neighbourhood?",
        None,
        60,
        ["cyclist@demo.example.org"],
        [],
    ),
    (
        "Bike parking at the new Green Line stations fills up by 8 am",
        "Transit",
        "cyclist@demo.example.org",
        [],
        "At Gilman Square and Magoun Square stations every rack is full early in the morning and bikes "
        "are locked to railings and trees.",
        "Counts of bike racks and their occupancy at each Green Line station, by hour of the day.",
        4,
        ["resident@demo.example.org", "neighbour@demo.example.org", "organizer@demo.example.org"],
        [("neighbour@demo.example.org", "Gilman Square too: I counted 30 bikes for 20 spaces.", None)],
    ),
    (
        "Bus stops on Highland Avenue have no shelters or benches",
        "Transit",
        "neighbour@demo.example.org",
        [],
        "Waiting for the 88 or 90 on Highland Ave means standing in the rain. Which stops have shelters? "
        "Nobody seems to know.",
        "An inventory of bus stops in Somerville with shelter, bench and lighting for each stop.",
        12,
        ["resident@demo.example.org"],
        [],
    ),
    (
        "Community Path lighting is too dim after dark",
        "Parks",
        "resident@demo.example.org",
        ["311 Call Center"],
        "Between Cedar St and Lowell St the path lights are far apart and several are out. 311 requests "
        "about path lighting would show how often this is reported.",
        None,
        7,
        ["cyclist@demo.example.org", "neighbour@demo.example.org"],
        [
            ("cyclist@demo.example.org", "Two lights near Lowell St have been out since October.", None),
            ("resident@demo.example.org", "Thanks, I added that to the description.", 0),
        ],
    ),
    (
        "Park maintenance spending is hard to compare year to year",
        "Data & transparency",
        "cyclist@demo.example.org",
        ["Appropriations Budget"],
        "The appropriations budget lists park maintenance under different line names each year. A stable "
        "category would let residents see whether spending follows the new parks.",
        None,
        25,
        ["resident@demo.example.org"],
        [],
    ),
    (
        "How much do parking fines bring in, by neighbourhood?",
        "Data & transparency",
        "neighbour@demo.example.org",
        ["Revenue Budget"],
        "The revenue budget shows parking fines as one line. Residents asking for more enforcement (or "
        "less) would like to see where the tickets are written.",
        None,
        33,
        [],
        [],
    ),
    (
        "After-hours construction noise in Assembly Square",
        "Public safety",
        "cyclist@demo.example.org",
        ["311 Call Center Raw Data", "Building Permits"],
        "Construction starts before 7 am on weekdays and runs on Saturdays. Are noise complaints to 311 "
        "matched against the permits' allowed hours?",
        None,
        2,
        ["neighbour@demo.example.org"],
        [],
    ),
]


def _find_datasets(keywords: list[str]) -> list[Dataset]:
    """The first active dataset whose title contains each keyword (case-insensitive), deduplicated."""
    found: list[Dataset] = []
    for keyword in keywords:
        dataset = db.session.execute(
            select(Dataset)
            .where(Dataset.status == DatasetStatus.ACTIVE.value, Dataset.title.icontains(keyword, autoescape=True))
            .order_by(Dataset.id)
            .limit(1)
        ).scalar_one_or_none()
        if dataset is not None and dataset not in found:
            found.append(dataset)
    return found


def _categories(admin: User) -> dict[str, Category]:
    existing = {c.name: c for c in db.session.execute(select(Category)).scalars()}
    for name, department_name, description in CATEGORIES:
        if name in existing:
            continue
        department = db.session.execute(
            select(Department).where(Department.name == department_name)
        ).scalar_one_or_none()
        existing[name] = services.create_category(
            admin, name, description=description, department_id=department.id if department else None
        )
    return existing


def _place(title: str) -> dict:
    """The demo problem's point and address, if it has one."""
    if title not in PLACES:
        return {}
    latitude, longitude, address = PLACES[title]
    return {"latitude": latitude, "longitude": longitude, "address": address}


def seed_demo() -> dict[str, int]:
    """Seed categories, problems, votes, comments and replies (skipped if already seeded)."""
    users = {u.email: u for u in db.session.execute(select(User)).scalars()}
    admin = users.get(ADMIN)
    if admin is None or db.session.execute(select(Problem.id).limit(1)).first() is not None:
        return {"problems": 0}
    categories = _categories(admin)
    now = utcnow()
    created = votes = comments = 0
    for title, category, author_email, keywords, description, data_request, days, voters, thread in PROBLEMS:
        author = users.get(author_email) or admin
        datasets = _find_datasets(keywords)
        if not datasets and not data_request:
            data_request = "The data behind this problem: " + ", ".join(keywords) + "."
        problem = services.create_problem(
            author,
            title=title,
            description=description,
            dataset_ids=[d.id for d in datasets],
            category_id=categories[category].id,
            neighbourhood=None,
            data_request=data_request,
            **_place(title),
        )
        created += 1
        # Give the board a history: backdate the problem (the hot score depends on its age).
        when = now - timedelta(days=days, hours=created)
        db.session.execute(
            update(Problem)
            .where(Problem.id == problem.id)
            .values(created_at=when, updated_at=when, last_activity_at=when)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(problem)
        for email in voters:
            if email in users:
                services.vote(users[email], problem.id)
                votes += 1
        posted = []
        for email, text, reply_to in thread:
            commenter = users.get(email) or admin
            parent = posted[reply_to].id if reply_to is not None else None
            comment = services.add_comment(commenter, problem, text, parent_id=parent)
            comment.created_at = when + timedelta(hours=3 * (len(posted) + 1))
            # The followers' notifications of this comment are as old as the comment.
            db.session.execute(
                update(Notification)
                .where(Notification.comment_id == comment.id)
                .values(created_at=comment.created_at)
                .execution_options(synchronize_session=False)
            )
            posted.append(comment)
            comments += 1
        counters.refresh_hot(problem.id)
    db.session.flush()
    return {"categories": len(categories), "problems": created, "votes": votes, "comments": comments}
