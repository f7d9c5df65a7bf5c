"""A gunicorn worker's garbage collector runs between requests, never inside one.

gunicorn.conf.py turns the automatic collector off once a worker has loaded the app (`hold`)
and runs it after each request (`collect_between_requests`), with CPython's own thresholds:
the youngest generation once more than 700 objects were allocated than freed, the next one
after more than ten of those, the oldest after more than ten of the next.

Why: single-threaded workers died of segmentation faults about once in fifteen fresh starts
(their first requests), always while the collector ran in the middle of a request, among the
allocations of an ORM load or a statement's compilation. It happened on SQLite and on
PostgreSQL, with and without SQLAlchemy's compiled modules, psycopg, or gc.freeze, on two
builds of CPython 3.11; which extension leaves an object the collector cannot walk was not
found (docs/operations.md). In the same trials, workers that collected only between requests
never crashed. Collecting there is also cheaper: the request's objects are already freed.
"""

from __future__ import annotations

import gc

# CPython's defaults (gc.get_threshold()).
THRESHOLDS = (700, 10, 10)


def hold() -> None:
    """No collection during a request: the worker collects in `collect_between_requests`."""
    gc.disable()


def collect_between_requests() -> int | None:
    """Collect the generation CPython would have, when it would have; the generation, or None."""
    if gc.isenabled():
        return None  # the collector runs on its own in this process
    count0, count1, count2 = gc.get_count()
    if count0 <= THRESHOLDS[0]:
        return None
    generation = 2 if count2 > THRESHOLDS[2] else 1 if count1 > THRESHOLDS[1] else 0
    gc.collect(generation)
    return generation
