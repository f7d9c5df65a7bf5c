"""Who sees a hidden item: the one place the rule is written.

Moderators hide, they never delete (``hidden_at`` is set). Every hideable thing (a problem, a
comment, a challenge's project) answers to the same three rules:

- **visible**: pages that know the viewer (the board, a problem's page, a user's page, search,
  the API) show hidden items to moderators and to their author, to nobody else.
- **public**: open-data surfaces (feeds, exports, ``/data.json``, Open311, a dataset's page,
  counts and figures) never show a hidden item, whoever asks: they are cached and re-published.
- **listed**: a challenge's pages and documents, and staff's department pages, show hidden
  items to moderators only (an organizer curating or a team member is not the author's
  audience).

Each rule comes as a SQL clause (``visible``, ``public``, ``listed``) taking the model,
and as a Python predicate (``is_visible_to``, ``is_public``, ``is_listed_for``)
taking a loaded row. The functions take the model (or any row with ``hidden_at`` and
``author_id``) as an argument, so every feature package can use them without this module
importing theirs; queries, template helpers, feeds, exports, Open311 and the API call them.

A hidden item also takes no new contributions (``takes_contributions``: votes, comments,
replies, its author's or team's edits); moderators act on it through the moderation services.

A duplicate's link to its original follows the same rule: ``original_of`` returns the
original only when the viewer may see it, so a hidden original's title and link never show.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, true


def is_moderator(viewer: Any) -> bool:
    """Moderators (and admins) see every hidden item."""
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_moderator)


def viewer_id(viewer: Any) -> int | None:
    """The signed-in viewer's id, None for anonymous visitors."""
    return viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None


# -- SQL clauses ---------------------------------------------------------------------------------


def public(model: Any) -> ColumnElement[bool]:
    """WHERE clause for open-data surfaces: no hidden item, whoever asks."""
    return model.hidden_at.is_(None)


def hidden(model: Any) -> ColumnElement[bool]:
    """WHERE clause for hidden items (the moderators' lists)."""
    return model.hidden_at.is_not(None)


def visible(model: Any, viewer: Any) -> ColumnElement[bool]:
    """WHERE clause for items this viewer may see: hidden ones for moderators and the author."""
    if is_moderator(viewer):
        return true()
    uid = viewer_id(viewer)
    if uid is None:
        return public(model)
    return or_(public(model), model.author_id == uid)


def listed(model: Any, viewer: Any) -> ColumnElement[bool]:
    """WHERE clause for challenge pages and staff lists: hidden items for moderators only."""
    return true() if is_moderator(viewer) else public(model)


# -- Python predicates ---------------------------------------------------------------------------


def is_hidden(item: Any) -> bool:
    """True when moderators hid the item."""
    return getattr(item, "hidden_at", None) is not None


def is_public(item: Any) -> bool:
    """May the item appear on an open-data surface (whoever asks)?"""
    return not is_hidden(item)


def is_visible_to(item: Any, viewer: Any) -> bool:
    """May this viewer see the item? Hidden ones: moderators and the author."""
    if not is_hidden(item):
        return True
    uid = viewer_id(viewer)
    return is_moderator(viewer) or (uid is not None and getattr(item, "author_id", None) == uid)


def is_listed_for(item: Any, viewer: Any) -> bool:
    """May this viewer see the item on a challenge's pages or staff lists? Hidden: moderators only."""
    return not is_hidden(item) or is_moderator(viewer)


def takes_contributions(item: Any) -> bool:
    """A hidden item takes no new votes, comments, replies or edits from its author or team."""
    return not is_hidden(item)


def original_of(item: Any, viewer: Any) -> Any:
    """The problem a duplicate (or a response marking one) points to, when the viewer may see it.

    ``item`` is a problem or an official response with a loaded ``duplicate_of`` relationship.
    A hidden original is None for everyone else, so neither its title nor its link shows.
    """
    original = getattr(item, "duplicate_of", None) if getattr(item, "duplicate_of_id", None) else None
    if original is None or not is_visible_to(original, viewer):
        return None
    return original


def original_id(item: Any, viewer: Any) -> int | None:
    """The id of ``original_of(item, viewer)``, or None."""
    original = original_of(item, viewer)
    return original.id if original is not None else None
