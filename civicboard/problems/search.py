"""Full-text search over problem titles and descriptions (`/search?q=`).

The query is reduced to words (stopwords dropped), all of which must match, stemmed the
same way as the index (FTS5's porter tokenizer on SQLite, the English text-search
configuration on PostgreSQL). The board's filters and the hidden-content rule apply.

Bounded ranking: relevance (bm25 on SQLite, ts_rank on PostgreSQL) is computed only over
the CANDIDATES most recent matches that pass the filters, never over every match. A query
matching most of the board still answers in constant time; the trade-off is that for such
a broad query an old but very relevant problem past the newest 500 matches is not ranked
(the page says so, and adding a word or a filter narrows the set). Pages are numbered within
that bounded, ranked set (at most CANDIDATES / PAGE_SIZE pages).

Highlighting is safe by construction: the database marks matches with two control
characters (which problem text can never contain: services strip them), the text is
HTML-escaped, and only then are the markers turned into <mark> and </mark>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Integer, column, func, literal_column, or_, select, table, text
from sqlalchemy.orm import selectinload

from civicboard.extensions import db
from civicboard.problems.fts import FTS_TABLE, SEARCH_COLUMN, TEXT_CONFIG
from civicboard.problems.models import Problem
from civicboard.problems.queries import STOPWORDS, ProblemFilters, filter_clauses, voted_column

CANDIDATES = 500
PAGE_SIZE = 20
MAX_WORDS = 12
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class SearchHit:
    """One result: the problem and its highlighted title and excerpt (safe HTML)."""

    problem: Problem
    title_html: Markup
    snippet_html: Markup
    rank: float


@dataclass
class SearchResults:
    """A page of ranked results."""

    q: str
    items: list[SearchHit]
    total: int  # matches ranked (at most CANDIDATES)
    capped: bool  # True when more matches exist than were ranked
    page: int
    pages: int
    voted_ids: set[int]


def query_words(q: str | None) -> list[str]:
    """The words searched for: lower-cased, stopwords dropped (unless that leaves none)."""
    words = _WORD.findall((q or "").lower())[:MAX_WORDS]
    meaningful = [w for w in words if w not in STOPWORDS]
    return meaningful or words


def highlight(value: str | None) -> Markup:
    """Escape text, then turn the database's match markers into <mark> tags."""
    escaped = str(escape(value or ""))
    # Unbalanced markers cannot occur (stored text has none), but never emit a dangling tag.
    opened = escaped.count(START)
    if opened != escaped.count(STOP):
        escaped = escaped.replace(START, "").replace(STOP, "")
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704 - escaped above


def search_problems(
    viewer: Any, q: str, *, filters: ProblemFilters | None = None, page: int = 1, page_size: int = PAGE_SIZE
) -> SearchResults:
    """Ranked, highlighted problems matching every word of q, with the board's filters."""
    filters = filters or ProblemFilters()
    words = query_words(q)
    pages_max = max(1, CANDIDATES // page_size)
    page = min(max(1, page), pages_max)
    empty = SearchResults(q=q, items=[], total=0, capped=False, page=page, pages=0, voted_ids=set())
    if not words:
        return empty
    dialect = db.session.get_bind().dialect.name
    engine = {"sqlite": _SqliteSearch, "postgresql": _PostgresSearch}.get(dialect, _LikeSearch)(words)
    clauses = filter_clauses(viewer, filters)

    # The candidate ids themselves (newest first), not a subquery: the ranking query can then
    # give FTS5 a rowid range, which it walks directly, instead of scoring every match.
    candidate_ids = list(db.session.execute(engine.candidates(clauses).limit(CANDIDATES + 1)).scalars())
    if not candidate_ids:
        return empty
    capped = len(candidate_ids) > CANDIDATES
    # The one extra candidate fetched to tell "capped" is not ranked.
    candidate_ids = candidate_ids[:CANDIDATES]
    total = len(candidate_ids)
    ranked = db.session.execute(engine.ranked(candidate_ids).limit(page_size).offset((page - 1) * page_size)).all()
    if not ranked:
        return SearchResults(q=q, items=[], total=total, capped=capped, page=page, pages=0, voted_ids=set())
    ids = [row.id for row in ranked]
    marks = {row.id: row for row in db.session.execute(engine.highlights(ids)).all()}
    problems = {
        row[0].id: row
        for row in db.session.execute(
            select(Problem, voted_column(viewer))
            .where(Problem.id.in_(ids))
            .options(selectinload(Problem.dataset_links))
        ).all()
    }
    items = [
        SearchHit(
            problem=problems[row.id][0],
            title_html=highlight(marks[row.id].title_marked if row.id in marks else problems[row.id][0].title),
            snippet_html=highlight(marks[row.id].snippet_marked if row.id in marks else ""),
            rank=float(row.rank or 0),
        )
        for row in ranked
        if row.id in problems
    ]
    voted_ids = {pid for pid, row in problems.items() if row[1]}
    pages = min(pages_max, -(-total // page_size))
    return SearchResults(q=q, items=items, total=total, capped=capped, page=page, pages=pages, voted_ids=voted_ids)


class _SqliteSearch:
    """FTS5: MATCH for candidates, bm25() to rank (title weighs 10x), highlight()/snippet()."""

    fts = table(FTS_TABLE, column("rowid", Integer))

    def __init__(self, words: list[str]) -> None:
        # Each word quoted: FTS5 query syntax (AND, OR, NEAR, column filters) stays inert.
        self.match_text = " ".join(f'"{w}"' for w in words)

    def _match(self):
        return text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=self.match_text)

    def candidates(self, clauses):
        # Walking the index newest-first (rowid DESC) lets SQLite stop after the bound.
        return (
            select(Problem.id.label("id"))
            .select_from(self.fts)
            .join(Problem, Problem.id == self.fts.c.rowid)
            .where(self._match(), *clauses)
            .order_by(self.fts.c.rowid.desc())
        )

    def ranked(self, candidate_ids: list[int]):
        rank = func.bm25(literal_column(FTS_TABLE), 10.0, 1.0)
        return (
            select(self.fts.c.rowid.label("id"), rank.label("rank"))
            .where(
                self._match(),
                # FTS5 walks the match list once over this rowid range. The IN test is written
                # on `rowid + 0` so it stays a filter: given to FTS5 as a constraint, it becomes
                # one full MATCH lookup per id (half a second for a common word).
                self.fts.c.rowid.between(min(candidate_ids), max(candidate_ids)),
                (self.fts.c.rowid + 0).in_(candidate_ids),
            )
            .order_by(rank, self.fts.c.rowid.desc())  # bm25: lower is better
        )

    def highlights(self, ids):
        fts = literal_column(FTS_TABLE)
        return select(
            self.fts.c.rowid.label("id"),
            func.highlight(fts, 0, START, STOP).label("title_marked"),
            func.snippet(fts, 1, START, STOP, "…", 24).label("snippet_marked"),
        ).where(self._match(), self.fts.c.rowid.in_(ids))


class _PostgresSearch:
    """tsvector @@ plainto_tsquery for candidates, ts_rank to rank, ts_headline to highlight."""

    def __init__(self, words: list[str]) -> None:
        self.tsquery = func.plainto_tsquery(TEXT_CONFIG, " ".join(words))
        self.vector = literal_column(f"problems.{SEARCH_COLUMN}")

    def candidates(self, clauses):
        return (
            select(Problem.id.label("id"))
            .where(self.vector.op("@@")(self.tsquery), *clauses)
            .order_by(Problem.id.desc())
        )

    def ranked(self, candidate_ids):
        rank = func.ts_rank(self.vector, self.tsquery)
        return (
            select(Problem.id.label("id"), rank.label("rank"))
            .where(Problem.id.in_(candidate_ids))
            .order_by(rank.desc(), Problem.id.desc())
        )

    def highlights(self, ids):
        title_options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
        snippet_options = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
        return select(
            Problem.id.label("id"),
            func.ts_headline(TEXT_CONFIG, Problem.title, self.tsquery, title_options).label("title_marked"),
            func.ts_headline(TEXT_CONFIG, Problem.description, self.tsquery, snippet_options).label("snippet_marked"),
        ).where(Problem.id.in_(ids))


class _LikeSearch:
    """Any other database: every word as a substring of title or description; newest first."""

    def __init__(self, words: list[str]) -> None:
        self.words = words

    def candidates(self, clauses):
        conditions = [
            or_(Problem.title.icontains(w, autoescape=True), Problem.description.icontains(w, autoescape=True))
            for w in self.words
        ]
        return select(Problem.id.label("id")).where(*conditions, *clauses).order_by(Problem.id.desc())

    def ranked(self, candidate_ids):
        return (
            select(Problem.id.label("id"), literal_column("0").label("rank"))
            .where(Problem.id.in_(candidate_ids))
            .order_by(Problem.id.desc())
        )

    def highlights(self, ids):
        return select(
            Problem.id.label("id"), Problem.title.label("title_marked"), literal_column("''").label("snippet_marked")
        ).where(Problem.id.in_(ids))
