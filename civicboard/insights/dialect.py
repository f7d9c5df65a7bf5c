"""The SQL that differs between SQLite and PostgreSQL, in one place.

Two expressions, compiled per dialect by SQLAlchemy:
- seconds_between(later, earlier): whole seconds between two timestamps
  (SQLite: julianday arithmetic; PostgreSQL: EXTRACT(EPOCH FROM ...)).
- month_of(ts): the 'YYYY-MM' month a timestamp falls in (strftime vs to_char).

And one that does not, but needs care: the nearest-rank position of a percentile, written with
integer arithmetic because SQLite has no CEIL without its optional math functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement):
    """Whole seconds from `earlier` to `later` (negative if later is earlier)."""

    type = BigInteger()
    inherit_cache = True
    name = "seconds_between"


class month_of(FunctionElement):
    """The month of a timestamp as 'YYYY-MM'."""

    type = String()
    inherit_cache = True
    name = "month_of"


def _args(element: FunctionElement, compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400.0) AS INTEGER)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({later} - {earlier}))) AS BIGINT)"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"strftime('%Y-%m', {value})"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"to_char({value}, 'YYYY-MM')"


def nearest_rank(count: ColumnElement[int], percent: int) -> ColumnElement[int]:
    """The 1-based position of the `percent`th percentile among `count` sorted values.

    Nearest rank: ceil(percent / 100 * count), as (percent * count + 99) // 100 in integers.
    The median of an even count is the lower of the two middle values (no interpolation).
    """
    return (count * percent + 99) // 100
