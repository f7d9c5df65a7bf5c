"""Find the board's own English words left in a page served in another language.

What people wrote (problem titles, comments, names, the catalog's dataset titles, category and
department names, site pages) stays in its language, and so does what the board stored as it
was written (a message as it was mailed, a catalog import's log); so it is taken out first:
every text value stored in the database (`PeopleText`), and any element marked with a `lang`
other than the page's. What is left is the interface; a run of it holding a common English interface
word (`ENGLISH`) is English left over.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from zoneinfo import available_timezones

from sqlalchemy import JSON, String, select

from civicboard.extensions import db
from civicboard.users import ownership

# Common words of the board's English interface that are not also Spanish words (so no "a",
# "no", "me", "error", "total", "general", nor "ago" and "may", Spanish months cut short).
# Phrases are matched as written, words whole, in any case.
ENGLISH = """
the and your you with for this that these those from into about after before
is are was were be been has have had will would can could should must not yet
here there what which who when where how why all any more most other than then
of to on at by or if it its our their them they we
problem problems comment comments vote votes voted follow follows following followers unfollow
report reported reports status search searching log in log out sign in sign up register
save saved submit send sent cancel delete deleted remove removed edit edited add added
dataset datasets response responses official open opened resolved declined acknowledged
progress duplicate hidden hide restore locked unlock lock flag flags flagged reason
new newest oldest top hot discussed page next previous back more less show showing
account settings password email address profile notifications notification unsubscribe
staff moderator moderators organizer organizers resident residents admin administrator
department departments category categories challenge challenges project projects team
submissions draft published closed award winner featured insights
evidence supports contradicts request requests requested answer answered
map location photo photos neighbourhood neighbourhoods description title name
help about privacy terms home menu skip main content language
yes none nothing empty only just now today yesterday minutes hours days
create created update updated change changed confirm confirmed verify verified
welcome thanks thank please sorry wrong something went found forbidden allowed
many too try again later
"""
PHRASES = ["log in", "log out", "sign in", "sign up"]
WORDS = sorted(set(ENGLISH.split()) - {word for phrase in PHRASES for word in phrase.split()})
_ENGLISH_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(term) for term in PHRASES + WORDS) + r")(?!\w)",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
# Names in code are not words: email addresses, links, paths (/datasets/123), slugs
# (parks-and-trees-data-sprint), and code names quoted in a sentence (“problem.hide”).
_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|\S*/\S*|\b[a-z0-9]+(?:-[a-z0-9]+)+\b|[“«][a-z_.]+[”»]")
# Attributes a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description")
BUTTON_TYPES = {"submit", "button", "reset"}
# Elements whose text is not the interface's words: code samples, what a person typed.
MACHINE = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Stored values that are names in code (a status, a role, a slug), not text anyone wrote.
IDENTIFIER = re.compile(r"^[a-z0-9_.:/@+-]*$")
# Names kept as they are in every language: the time zones a challenge may be in, and the
# name a deleted account's posts are signed with (stored, like any name).
NAMES = [
    *(name.replace("_", " ") for name in available_timezones()),
    ownership.FORMER_RESIDENT,
]


def english_words(text: str) -> list[str]:
    """The English interface words and phrases in a text, in order."""
    return [match.group(0) for match in _ENGLISH_RE.finditer(text)]


def normalise(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(text)).strip()


class PeopleText:
    """Every text value stored in the database, to take what people wrote out of a page."""

    def __init__(self, values: Iterable[str]) -> None:
        kept: set[str] = set()
        for value in [*values, *NAMES]:
            # The value as written (Markdown), its HTML's text, and each run of that text between
            # tags (what a page shows as one run: "the lights" of "<strong>Fix</strong> the lights").
            forms = [value, re.sub(r"<[^>]+>", " ", value), *re.split(r"<[^>]+>", value)]
            for form in forms:
                for line in form.splitlines():
                    if len(text := normalise(line)) >= 2 and not IDENTIFIER.match(text):
                        kept.add(text)
        self.lines = kept
        self.corpus = "\n".join(kept)
        # Longest first, so "Main Street bridge" goes before "Main Street"; a whole paragraph
        # is found in the corpus, these are taken out of a line that mixes in interface words.
        self.pieces = sorted((t for t in kept if len(t) <= 200), key=len, reverse=True)
        self._left: dict[str, str] = {}

    def _written(self, text: str) -> bool:
        """Whether people wrote this text: a stored line, or (four words or more) a part of one."""
        if text in self.lines:
            return True
        return (
            len(text.split()) >= 4
            and text in self.corpus
            and bool(re.search(rf"(?<!\w){re.escape(text)}(?!\w)", self.corpus))
        )

    @classmethod
    def from_database(cls) -> PeopleText:
        """Read every string and JSON column of every table holding people's text."""
        values: list[str] = []
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, JSON))]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for value in row:
                    values.extend(_strings(value))
        return cls(values)

    def left_of(self, text: str) -> str:
        """The text without what people wrote in it."""
        if text not in self._left:
            left = text
            if self._written(text.rstrip("…. ")):  # also an excerpt cut short with an ellipsis
                left = ""
            else:
                for piece in self.pieces:
                    if piece in left:  # (cheap) then taken out where it stands whole
                        left = re.sub(rf"(?<!\w){re.escape(piece)}(?!\w)", " ", left)
            self._left[text] = normalise(_ADDRESS.sub(" ", left))
        return self._left[text]


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@dataclass
class Leftover:
    text: str
    words: list[str]

    def __str__(self) -> str:
        return f"{self.text[:120]!r} ({', '.join(dict.fromkeys(w.lower() for w in self.words))})"


class _Reader(HTMLParser):
    """The runs of text a person reads in a page, skipping other languages, machine text
    (code, scripts, what a person typed) and names marked translate="no"."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.texts: list[str] = []
        self.page_language: str | None = None
        self._open: list[tuple[str, bool]] = []  # (tag, read?) for each open element

    @property
    def _reading(self) -> bool:
        return all(read for _, read in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.page_language = found.get("lang")
        lang = found.get("lang")
        # Not read: machine text, another language, and names marked as never translated.
        other_language = bool(lang) and lang.split("-")[0] != self.language
        read = tag not in MACHINE and not other_language and found.get("translate") != "no"
        if self._reading and read:
            for name in READ_ATTRIBUTES:
                if found.get(name):
                    self.texts.append(found[name] or "")
            if tag == "input" and found.get("type") in BUTTON_TYPES and found.get("value"):
                self.texts.append(found["value"] or "")
        if tag not in VOID:
            self._open.append((tag, read))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element (HTML lets some end tags be left out).
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        if self._reading and data.strip():
            self.texts.append(data)


def read_page(page: str, language: str = "es") -> tuple[str | None, list[str]]:
    """(the <html lang>, the runs of text a person reads) of an HTML page."""
    reader = _Reader(language)
    reader.feed(page)
    reader.close()
    return reader.page_language, [normalise(text) for text in reader.texts]


def english_left(page: str, people: PeopleText, language: str = "es") -> list[Leftover]:
    """Runs of the page's own words that are still in English."""
    lang, texts = read_page(page, language)
    found = []
    if lang != language:
        found.append(Leftover(f'<html lang="{lang}">', ["lang"]))
    for text in dict.fromkeys(texts):
        left = people.left_of(text)
        if words := english_words(left):
            found.append(Leftover(left, words))
    return found
