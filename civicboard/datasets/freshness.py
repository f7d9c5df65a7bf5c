"""How often a dataset should be updated, and whether it looks stale.

Catalogs state an update frequency in ``accrualPeriodicity``: DCAT-US uses ISO 8601
repeating durations (``R/P1D``, ``R/P1W``, ``R/P3M``, ``R/PT1H``...), Socrata and CKAN
often plain words (``daily``, ``weekly``, ``monthly``, ``annually``). We turn either into
a :class:`~datetime.timedelta`; anything we cannot read (``irregular``, ``as needed``,
free text) gives ``None`` and the page shows no staleness mark at all, because a wrong
"may be stale" would teach residents to ignore it.

Months count as 31 days and years as 366, so a monthly dataset updated on the 1st is
not called stale on the 2nd of a 31-day month: we only warn when it is clearly late.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from civicboard.timeutil import utcnow

DAY = timedelta(days=1)
MONTH = timedelta(days=31)
YEAR = timedelta(days=366)

#: Frequencies written as words by Socrata, CKAN extensions and older catalogs.
WORDS: dict[str, timedelta] = {
    "hourly": timedelta(hours=1),
    "daily": DAY,
    "weekly": 7 * DAY,
    "biweekly": 14 * DAY,
    "fortnightly": 14 * DAY,
    "monthly": MONTH,
    "bimonthly": 2 * MONTH,
    "quarterly": 3 * MONTH,
    "semiannual": 6 * MONTH,
    "semiannually": 6 * MONTH,
    "biannually": 6 * MONTH,
    "annual": YEAR,
    "annually": YEAR,
    "yearly": YEAR,
    "biennial": 2 * YEAR,
    "biennially": 2 * YEAR,
}

#: Update-frequency choices offered on the staff form (DCAT-US values).
CHOICES: list[tuple[str, str]] = [
    ("", _l("Not stated")),
    ("R/P1D", _l("Daily")),
    ("R/P1W", _l("Weekly")),
    ("R/P1M", _l("Monthly")),
    ("R/P3M", _l("Quarterly")),
    ("R/P1Y", _l("Annually")),
    ("irregular", _l("Irregularly")),
]

#: How the frequency words read on a page, in the reader's language.
WORD_LABELS: dict[str, str] = {
    "hourly": _l("Hourly"),
    "daily": _l("Daily"),
    "weekly": _l("Weekly"),
    "biweekly": _l("Every two weeks"),
    "fortnightly": _l("Every two weeks"),
    "monthly": _l("Monthly"),
    "bimonthly": _l("Every two months"),
    "quarterly": _l("Quarterly"),
    "semiannual": _l("Twice a year"),
    "semiannually": _l("Twice a year"),
    "biannually": _l("Twice a year"),
    "annual": _l("Annually"),
    "annually": _l("Annually"),
    "yearly": _l("Annually"),
    "biennial": _l("Every two years"),
    "biennially": _l("Every two years"),
}

_DURATION = re.compile(
    r"P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)


def parse_periodicity(value: str | None) -> timedelta | None:
    """The update interval an ``accrualPeriodicity`` value states, or None if unknown.

    Accepts ISO 8601 repeating intervals (``R/P1D``, ``R5/P1W``), bare durations
    (``P1M``) and the common words (``daily``, ``Annually``...).
    """
    if not value:
        return None
    text = value.strip()
    word = re.sub(r"[\s_-]+", "", text.lower())
    if word in WORDS:
        return WORDS[word]
    if text[:1] in ("R", "r") and "/" in text:
        text = text.split("/", 1)[1]
    match = _DURATION.fullmatch(text)
    if match is None or not any(match.groupdict().values()):
        return None
    parts = {name: float(number) for name, number in match.groupdict().items() if number}
    interval = (
        parts.get("years", 0) * YEAR
        + parts.get("months", 0) * MONTH
        + parts.get("weeks", 0) * 7 * DAY
        + parts.get("days", 0) * DAY
        + timedelta(hours=parts.get("hours", 0), minutes=parts.get("minutes", 0), seconds=parts.get("seconds", 0))
    )
    return interval if interval > timedelta(0) else None


def describe_periodicity(value: str | None) -> str:
    """A human label for a periodicity ("Daily", "Every 3 months"), or the value itself."""
    if not value:
        return ""
    for code, label in CHOICES:
        if code and code.lower() == value.strip().lower():
            return str(label)
    word = value.strip().lower()
    if word in WORD_LABELS:
        return str(WORD_LABELS[word])
    return value


def may_be_stale(modified: datetime | None, periodicity: str | None, now: datetime | None = None) -> bool:
    """True when the last modification is older than the stated frequency allows.

    No date or an unreadable frequency means we cannot tell, so the answer is False.
    """
    interval = parse_periodicity(periodicity)
    if modified is None or interval is None:
        return False
    return (now or utcnow()) - modified > interval


#: Data last modified longer ago than this is marked old, whatever frequency it states: a
#: resident citing it should know it describes another time.
OLD_AFTER = 2 * YEAR


def is_old(modified: datetime | None, now: datetime | None = None) -> bool:
    """True when the data was last modified more than OLD_AFTER ago (False without a date)."""
    return modified is not None and (now or utcnow()) - modified > OLD_AFTER
