"""Signed-in pages built once for every reader of the same kind, the reader's own bits filled in.

A signed-in resident's board is the board every resident sees plus a few things that are
theirs: the CSRF token in each form, their name, profile link and unread count in the
header, and whether they voted for each row. Building the whole page for each request is
what made signed-in pages several times slower than anonymous ones, so the pages in
ENDPOINTS are rendered once per language, path and kind of reader (their roles: what they
may do and see), with the reader's bits left as holes, and kept in the page cache
(civicboard.pagecache: the same store, generation and lifetime). Each request then only
fills the holes in: one query for the reader's votes among the rows, a few small macros.

- In a template, `hole(kind, *args)` is a hole: while a skeleton is being built it leaves a
  marker (and notes its arguments: plain values, never a row), otherwise it renders at once.
  `csrf_token()` is a hole of its own. Feature packages register what fills their kinds
  (`filler`), and may say a reader's pages show them something of their own (`personal`:
  asked once per generation and kept), or that the page asked for does (`personal_here`).
- Never kept, never served from a skeleton: a reader with flash messages waiting, with an
  unconfirmed address (the banner shows it), whom a feature calls personal (a non-moderator's
  own hidden problems show on their board only), or a page about them (`voted=1`).
- Whoever changed something public (a vote, a comment) gets no skeleton older than that
  change, even from a process that has not heard of it yet: pagecache notes the time of the
  change in their session.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, Response, after_this_request, current_app, g, get_template_attribute, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from civicboard import metrics, pagecache
from civicboard.extensions import db
from civicboard.i18n import current_language

log = logging.getLogger(__name__)

# The pages built this way, and when a request for one is about its reader (never shared).
ENDPOINTS: dict[str, Callable[[Any], bool]] = {
    "problems.index": lambda args: args.get("voted") == "1",
    "problems.search_page": lambda args: args.get("voted") == "1",
    "datasets.index": lambda args: False,
    # ?vote=1: "confirm the vote you started", for a reader who has not voted yet.
    "problems.show": lambda args: "vote" in args,
}

# Gets every hole's arguments of a page, returns their HTML (escaped markup) in the same order.
Filler = Callable[[Sequence[tuple]], Sequence[Markup]]
_fillers: dict[str, Filler] = {}
_personal: list[Callable[[Any], bool]] = []
_personal_here: list[Callable[[Any], bool]] = []

BUILDING = "skeleton_holes"  # on flask.g: a list while building, "filling" while filling


def filler(kind: str) -> Callable[[Filler], Filler]:
    """Register what fills the holes of one kind: it gets every hole's arguments of a page at
    once (so it can ask the database one question for all) and returns their HTML in order."""

    def register(fill: Filler) -> Filler:
        _fillers[kind] = fill
        return fill

    return register


def personal(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Register a check: True when this reader's pages show something only they see. The
    answer is kept with the skeletons (`_is_personal`): it may only depend on public rows and
    the reader's own writes."""
    _personal.append(check)
    return check


def personal_here(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Register a check asked on every request: True when the page asked for (request.view_args)
    shows this reader something of their own."""
    _personal_here.append(check)
    return check


def register(app: Flask) -> None:
    """Serve and build skeletons (when the page cache is on), and install the template helpers."""
    app.jinja_env.globals["hole"] = hole
    app.jinja_env.globals["building_skeleton"] = building
    # Flask-WTF offers its own as a global and in every page's context: both are replaced.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    # Hole fillers render macros outside the page's context: the reader comes from here.
    app.jinja_env.globals["current_user"] = current_user
    app.before_request(_read_without_transaction)
    app.teardown_request(_end_reading)
    if pagecache.EXTENSION_KEY in app.extensions:
        app.before_request(_serve)


def _read_without_transaction() -> None:
    """On PostgreSQL, a request for one of these pages reads in autocommit mode.

    Their views, holes and checks only read, so a transaction around them buys nothing: in
    READ COMMITTED each statement sees the latest commit either way. Without one the driver
    sends no BEGIN and no ROLLBACK: two of a kept page's five round trips to the server. (A
    session's ten-minute `last_seen_at` touch is a single UPDATE that commits on its own.)
    """
    if request.method not in ("GET", "HEAD") or request.endpoint not in ENDPOINTS:
        return
    if db.session().in_transaction() or db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    g.reading_without_transaction = True


def _end_reading(_error: BaseException | None = None) -> None:
    """Give the connection back, its transactions restored, even where the app context (and
    with it the session) outlives the request."""
    if g.pop("reading_without_transaction", False):
        db.session.rollback()


# -- in templates ------------------------------------------------------------------------------


def building() -> bool:
    """True while a skeleton is being rendered (its holes are left as markers)."""
    return isinstance(g.get(BUILDING), list)


def hole(kind: str, *args: Any) -> Markup:
    """A part of the page that is the reader's own: a marker while a skeleton is built, else
    rendered now."""
    holes = g.get(BUILDING)
    if not isinstance(holes, list):
        return _fillers[kind]([args])[0]
    holes.append((kind, args))
    return Markup(f"\ue000{_nonce()}{len(holes) - 1}\ue001")  # noqa: S704 - our marker: a hex nonce and digits


def csrf_token() -> str:
    """The form token: the reader's own, so a marker while a skeleton is built or filled (the
    fillers' output may be kept as fragments), replaced by the token at the very end."""
    return _csrf_marker() if BUILDING in g else generate_csrf()


@filler("template")
def _fill_from_macro(holes: Sequence[tuple]) -> list[Markup]:
    """('template', template name, macro name, *arguments): that macro, called with them."""
    return [get_template_attribute(template, macro)(*args) for template, macro, *args in holes]


# -- serving -----------------------------------------------------------------------------------


def _nonce() -> str:
    """Part of every marker, so no text a user wrote can pass for one (derived from the secret
    key: every process sharing a cache makes the same markers)."""
    nonce = current_app.extensions.get("civicboard.skeleton_nonce")
    if nonce is None:
        secret = str(current_app.config["SECRET_KEY"]).encode()
        nonce = current_app.extensions["civicboard.skeleton_nonce"] = hashlib.sha256(b"skeleton:" + secret).hexdigest()[
            :16
        ]
    return nonce


def _wanted() -> bool:
    if request.method not in ("GET", "HEAD") or not current_app.config.get("PAGE_CACHE_SECONDS"):
        return False
    about_reader = ENDPOINTS.get(request.endpoint or "")
    if about_reader is None or about_reader(request.args):
        return False
    if "Authorization" in request.headers or not current_user.is_authenticated:
        return False
    return "_flashes" not in session and current_user.is_confirmed


def _key() -> str:
    roles = ",".join(sorted(str(role) for role in current_user.active_roles))
    return f"skeleton:{current_language()}:{roles}:{request.full_path}"


def _serve() -> Response | None:
    if not _wanted():
        return None
    store = current_app.extensions[pagecache.EXTENSION_KEY]
    key = _key()
    reader_key = f"skeleton-reader:{current_user.id}"
    try:
        generation, entry, reader = store.get_many(pagecache.GENERATION_KEY, key, reader_key)
        changed_at = pagecache.changed_by_reader_at()
        if _is_personal(store, reader_key, reader, generation, changed_at):
            return None
    except Exception:  # an unreachable cache must not take the page down
        log.warning("page cache unavailable", exc_info=True)
        return None
    if entry is not None and entry[0] == generation and entry[1] > changed_at:
        metrics.page_cache("skeleton-hit")
        _generation, _built_at, pieces, holes, headers = entry
        response = Response(_filled(pieces, holes), status=200, headers=headers)
        response.headers["X-Cache"] = "skeleton"
        return response
    metrics.page_cache("skeleton-miss")
    g.skeleton_holes = []
    started = time.time()

    @after_this_request
    def keep_and_fill(response: Response) -> Response:
        holes = g.pop(BUILDING)
        # Whatever was rendered while building carries markers (form tokens at least), holes or not.
        if response.is_streamed or response.direct_passthrough or response.mimetype != "text/html":
            return response
        pieces = _pieces(response.get_data(as_text=True))
        if response.status_code == 200:
            headers = [(name, response.headers[name]) for name in pagecache.KEPT_HEADERS if name in response.headers]
            try:
                store.set(key, (generation, started, pieces, tuple(holes), headers), timeout=pagecache.lifetime())
            except Exception:
                log.warning("page cache unavailable; skeleton not stored", exc_info=True)
        response.set_data(_filled(pieces, holes))
        response.headers["X-Cache"] = "miss"
        return response

    return None


def _is_personal(store: Any, reader_key: str, kept: Any, generation: Any, changed_at: float) -> bool:
    """Whether a feature calls this reader's pages personal (`personal`), or this page (`personal_here`).

    The first answer is kept beside the skeletons, as long as they are and under the same
    generation: what those checks ask about (a reader's hidden problems) changes with public
    writes, which start a new generation, and the reader's own writes are newer than any
    answer kept before.
    """
    user = current_user._get_current_object()
    if kept is not None and kept[0] == generation and kept[1] > changed_at:
        answer = kept[2]
    else:
        checked_at = time.time()
        answer = any(check(user) for check in _personal)
        store.set(reader_key, (generation, checked_at, answer), timeout=pagecache.lifetime())
    return answer or any(check(user) for check in _personal_here)


def _pieces(html: str) -> tuple:
    """The page split at its markers: text, hole number, text, ..."""
    parts = re.split(f"\ue000{_nonce()}(\\d+)\ue001", html)
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


def _filled(pieces: tuple, holes: Sequence[tuple]) -> str:
    """The page for this reader: each kind's holes filled at once, then the CSRF token."""
    by_kind: dict[str, list[int]] = {}
    for number, (kind, _args) in enumerate(holes):
        by_kind.setdefault(kind, []).append(number)
    html_of: dict[int, str] = {}
    g.skeleton_holes = "filling"  # holes render at once; the token stays a marker
    try:
        for kind, numbers in by_kind.items():
            html_of.update(zip(numbers, _fillers[kind]([holes[n][1] for n in numbers]), strict=True))
    finally:
        g.pop(BUILDING)
    text = "".join(html_of[piece] if type(piece) is int else piece for piece in pieces)
    return text.replace(_csrf_marker(), str(escape(generate_csrf())))


def _csrf_marker() -> str:
    return f"\ue000{_nonce()}csrf\ue001"
