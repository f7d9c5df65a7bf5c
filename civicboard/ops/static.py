"""Versioned static URLs: `/static/css/app.css?v=<content hash>`.

A new release changes the URL of every file it changes, so the proxy in front may serve
/static/ with a year-long, immutable cache (docs/operations.md) and no visitor keeps an old
stylesheet. The hash is computed once per file and again only when its modification time moves.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask


def register(app: Flask) -> None:
    """Add `v` to every url_for('static', filename=...)."""
    known: dict[str, tuple[float, str]] = {}
    folder = Path(app.static_folder or "static")

    @app.url_defaults
    def _add_version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        filename = values["filename"]
        try:
            mtime = (folder / filename).stat().st_mtime
        except OSError:
            return
        cached = known.get(filename)
        if cached is None or cached[0] != mtime:
            digest = hashlib.sha256((folder / filename).read_bytes()).hexdigest()[:12]
            cached = known[filename] = (mtime, digest)
        values["v"] = cached[1]
