"""Demo challenges for `make run`: a published data jam with a project, and a draft sprint."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from civicboard.auth.services import find_user_by_email
from civicboard.challenges import services
from civicboard.challenges.models import Challenge
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems import visibility
from civicboard.problems.models import Problem

ZONE = "America/New_York"
JAM_SLUG = "somerville-streets-data-jam"
SPRINT_SLUG = "parks-and-trees-data-sprint"


def _local(days_ahead: int, at: time) -> datetime:
    """A wall-clock time in the demo city, `days_ahead` days from today."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    return datetime.combine(today + timedelta(days=days_ahead), at, tzinfo=ZoneInfo(ZONE))


def _pick_problems(limit: int, keywords: tuple[str, ...]) -> list[Problem]:
    """The most-voted visible problems, preferring titles with the keywords."""
    matching = or_(*(func.lower(Problem.title).like(f"%{word}%") for word in keywords))
    chosen = list(
        db.session.execute(
            select(Problem)
            .where(visibility.public(Problem), matching)
            .order_by(Problem.vote_count.desc(), Problem.id)
            .limit(limit)
        ).scalars()
    )
    if len(chosen) < limit:
        others = select(Problem).where(visibility.public(Problem)).order_by(Problem.vote_count.desc(), Problem.id)
        if chosen:
            others = others.where(Problem.id.not_in([p.id for p in chosen]))
        chosen += list(db.session.execute(others.limit(limit - len(chosen))).scalars())
    return chosen


def seed_demo() -> dict[str, int]:
    """One published challenge curating three demo problems (if any), a draft, one project.

    Idempotent: challenges whose slug exists are left alone. Needs the demo people
    (civicboard.demo.PEOPLE) and, for the published challenge, at least one problem.
    """
    organizer = find_user_by_email("organizer@demo.example.org")
    if organizer is None:
        return {"challenges": 0, "projects": 0}
    created = {"challenges": 0, "projects": 0}
    taken = set(db.session.execute(select(Challenge.slug).where(Challenge.slug.in_([JAM_SLUG, SPRINT_SLUG]))).scalars())

    if JAM_SLUG not in taken:
        jam = services.create_challenge(
            organizer,
            title="Somerville Streets Data Jam",
            slug=JAM_SLUG,
            summary=(
                "A weekend of building with the city's street data: crashes, crossings, snow "
                "routes and bike lanes.\n\nBring a laptop and a question. City staff from "
                "Transportation and Infrastructure will be there to explain the data. "
                "Beginners welcome; food provided."
            ),
            starts_at=_local(10, time(10, 0)).isoformat(),
            ends_at=_local(11, time(18, 0)).isoformat(),
            timezone=ZONE,
            place="Somerville City Hall, 93 Highland Avenue",
            is_online=True,
            contact="organizer@demo.example.org",
        )
        created["challenges"] += 1
        problems = _pick_problems(3, ("street", "crossing", "bike", "sidewalk", "traffic", "snow"))
        notes = [
            "Start here: residents voted for it most, and the data is already open.",
            "A good fit for a mapping project.",
            "Needs some data cleaning; staff can help on the day.",
        ]
        for problem, note in zip(problems, notes, strict=False):
            services.add_problem(organizer, jam, problem.id, note)
        extra = db.session.execute(
            select(Dataset).where(func.lower(Dataset.title).like("%street%")).order_by(Dataset.id).limit(1)
        ).scalar_one_or_none()
        if extra is not None:
            services.add_dataset(organizer, jam, extra.id, "The street network, to join everything else to.")
        if problems:
            services.publish_challenge(organizer, jam)
            resident = find_user_by_email("resident@demo.example.org")
            teammate = find_user_by_email("cyclist@demo.example.org")
            if resident is not None:
                project = services.submit_project(
                    resident,
                    jam,
                    name="Safe Crossings Map",
                    description=(
                        "A map of the crossings residents flagged, with crash records from "
                        "the last five years laid over them.\n\n- Built with open data only\n"
                        "- Works on a phone"
                    ),
                    repository_url="https://example.org/safe-crossings",
                    demo_url="https://example.org/safe-crossings/demo",
                    member_emails=[teammate.email] if teammate else [],
                    team_names="Jo from the library's code club",
                    problem_ids=[problems[0].id],
                )
                # The demo's teammate has already said yes.
                for invitation in project.invitations:
                    if teammate is not None and invitation.email == teammate.email.lower():
                        services.invitations.accept(teammate, invitation)
                created["projects"] += 1

    if SPRINT_SLUG not in taken:
        services.create_challenge(
            organizer,
            title="Parks and Trees Data Sprint",
            slug=SPRINT_SLUG,
            summary="A draft: an evening sprint on the street-tree inventory and park usage.",
            starts_at=_local(40, time(18, 0)).isoformat(),
            ends_at=_local(40, time(21, 30)).isoformat(),
            timezone=ZONE,
            place="",
            is_online=True,
            contact="https://example.org/parks-sprint",
        )
        created["challenges"] += 1
    db.session.flush()
    return created
