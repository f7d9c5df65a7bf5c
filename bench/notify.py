"""Notification fan-out: a response's commit time with 10 and 10,000 followers, and mail delivery.

Run by `make bench` (bench/run.py), or alone: `.venv/bin/python bench/notify.py [--json]`.
Builds a throwaway SQLite database (migrated like production) in a temporary folder, with one
problem followed by 10 residents and one followed by 10,000, and a local SMTP sink (aiosmtpd)
that accepts and counts messages. It then measures:

1. the time a staff response takes to commit on each problem (median of ROUNDS): the request
   writes the notifications of a small audience itself and a single fan-out row for a large one;
2. the worker's fan-out: writing the 10,000 notifications and their emails into the outbox;
3. delivering those 10,000 emails to the sink over SMTP (one connection per message).
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SMALL, LARGE = 10, 10_000
ROUNDS = 3


class Sink:
    """An aiosmtpd handler counting what it accepts."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.count += 1
        return "250 OK"


def measure() -> dict:
    from aiosmtpd.controller import Controller
    from flask_migrate import upgrade
    from sqlalchemy import delete, func, insert, select

    from civicboard import create_app
    from civicboard.auth import services as auth_services
    from civicboard.auth.models import User
    from civicboard.extensions import db
    from civicboard.markup import render
    from civicboard.notify import dispatch
    from civicboard.outbox.models import OutboxMessage
    from civicboard.outbox.services import deliver_due
    from civicboard.problems.models import Follow, Notification, NotificationFanout, Problem
    from civicboard.staff import services as staff_services
    from civicboard.timeutil import utcnow
    from config import Config

    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory(prefix="civicboard-notify-bench-") as tmp:
        app = create_app(
            Config,
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/notify.db",
                "HUEY_SQLITE_PATH": f"{tmp}/huey.db",
                "MAIL_BACKEND": "smtp",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": port,
                "MAIL_USE_TLS": False,
                "CIVICBOARD_URL": "https://board.example.gov",
            },
        )
        app.logger.disabled = True
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            staff = auth_services.create_user("staff@example.gov", "Staff", "bench password 123", ["staff"], None)
            author = auth_services.create_user("author@example.org", "Author", "bench password 123", [], None)
            db.session.commit()
            now = utcnow()
            db.session.execute(
                insert(User),
                [
                    {
                        "email": f"resident{i}@example.org",
                        "name": f"Resident {i}",
                        "password_hash": "x",
                        "created_at": now,
                        "password_changed_at": now,
                        "email_confirmed_at": now,
                    }
                    for i in range(SMALL + LARGE)
                ],
            )
            ids = list(db.session.execute(select(User.id).where(User.email.like("resident%"))).scalars())
            problems = []
            for title in ("Small audience", "Large audience"):
                problem = Problem(
                    title=title,
                    description=title,
                    description_html=render(title),
                    author_id=author.id,
                    created_at=now,
                    updated_at=now,
                    last_activity_at=now,
                )
                db.session.add(problem)
                db.session.flush()
                problems.append(problem.id)
            audiences = {problems[0]: ids[:SMALL], problems[1]: ids[SMALL:]}
            for problem_id, people in audiences.items():
                db.session.execute(
                    insert(Follow), [{"user_id": u, "problem_id": problem_id, "created_at": now} for u in people]
                )
            db.session.commit()

            commit_ms: dict[int, list[float]] = {SMALL: [], LARGE: []}
            for _ in range(ROUNDS):
                for problem_id, people in audiences.items():
                    problem = db.session.get(Problem, problem_id)
                    started = time.perf_counter()
                    staff_services.respond(db.session.get(User, staff.id), problem, "We are looking into it.")
                    db.session.commit()
                    commit_ms[len(people)].append((time.perf_counter() - started) * 1000)
            # Deliver one round: drop the earlier rounds' events.
            last_fanout = db.session.execute(select(func.max(NotificationFanout.id))).scalar_one()
            db.session.execute(delete(NotificationFanout).where(NotificationFanout.id != last_fanout))
            last_small = db.session.execute(select(func.max(Notification.response_id))).scalar_one()
            db.session.execute(delete(Notification).where(Notification.response_id != last_small))
            db.session.commit()

            started = time.perf_counter()
            report = dispatch.run()
            fanout_s = time.perf_counter() - started
            queued = db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()

            started = time.perf_counter()
            delivery = deliver_due()
            deliver_s = time.perf_counter() - started
        controller.stop()
    return {
        "commit_ms_10_followers": round(statistics.median(commit_ms[SMALL]), 2),
        "commit_ms_10000_followers": round(statistics.median(commit_ms[LARGE]), 2),
        "worker_fanout_s": round(fanout_s, 2),
        "emails_queued": queued,
        "notifications_written_by_worker": report.emailed,
        "emails_sent": delivery.sent,
        "emails_received_by_sink": sink.count,
        "deliver_s": round(deliver_s, 2),
        "emails_per_s": round(delivery.sent / deliver_s, 1) if deliver_s else None,
        "database": "sqlite",
    }


def main() -> int:
    result = measure()
    if "--json" in sys.argv:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<34} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
