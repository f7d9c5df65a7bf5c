"""Parts of a page that are the same for every reader, rendered once per version of the item.

A board page repeats the same row for every visitor (a problem's title, badges, author,
comment count and datasets); only the vote button and its form are the reader's own. The
rows are rendered once and kept here, keyed by the item's version: every value the fragment
shows (so an edit, a new comment or a renamed dataset makes a new key and the old entry ages
out), and by the language of the page (`language()`).
Process-local and bounded: FRAGMENT_CACHE_SIZE entries (default 5000; 0 turns it off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from markupsafe import Markup

from civicboard.i18n import current_language

EXTENSION_KEY = "civicboard.fragments"
_lock = threading.Lock()


def language() -> str:
    """The language the page is rendered in (civicboard.i18n), part of every key."""
    return current_language()


def fragment(key: Hashable, render: Callable[..., Markup], *args: Any) -> Markup:
    """`render(*args)` (a template macro: escaped markup), from the cache when this key (and
    language) was rendered before."""
    size = int(current_app.config.get("FRAGMENT_CACHE_SIZE", 0) or 0)
    if size <= 0:
        return _rendered(render, args)
    store: OrderedDict = current_app.extensions.setdefault(EXTENSION_KEY, OrderedDict())
    full_key = (language(), key)
    html = store.get(full_key)
    if html is not None:
        return html
    html = _rendered(render, args)
    with _lock:
        store[full_key] = html
        while len(store) > size:
            store.popitem(last=False)
    return html


def _rendered(render: Callable[..., Markup], args: tuple) -> Markup:
    html = render(*args)
    if not isinstance(html, Markup):  # only a template's escaped output may be kept as markup
        raise TypeError("fragment() renders with a template macro")
    return html
