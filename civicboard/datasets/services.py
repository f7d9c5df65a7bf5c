"""Catalog actions: staff editing datasets and catalog sources (data requests: staff).

Every function takes the acting user (``None`` only for the command line and the demo),
checks the capability, validates, writes (with an audit entry for staff actions) and
leaves the commit to its caller. Reading and normalising catalog records lives in
:mod:`civicboard.datasets.importers`, running an import in :mod:`civicboard.datasets.jobs`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from civicboard.audit.services import record as audit
from civicboard.datasets.importers import (
    FORMATS,
    MAX_TERM_LENGTH,
    MAX_TERMS,
    display_format,
    is_http_url,
    normalise_terms,
)
from civicboard.datasets.models import MANUAL_SOURCE, CatalogSource, Dataset, DatasetStatus, Distribution
from civicboard.extensions import db
from civicboard.permissions import Capability, require
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError, clean_name, clean_text

#: Distributions a hand-made dataset may list.
MAX_DISTRIBUTIONS = 20

SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")
SOURCE_FORMATS = ("auto", *FORMATS)


# --------------------------------------------------------------------------- #
# Catalog sources
# --------------------------------------------------------------------------- #


def check_source_name(name: str) -> str:
    """A catalog source key: lower-case letters, digits, ``_ . -``; never "manual"."""
    name = (name or "").strip()
    if not SOURCE_NAME.fullmatch(name):
        message = _(
            "A source name is 1 to 80 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit."
        )
        raise ValidationError(message, {"name": message})
    if name == MANUAL_SOURCE:
        message = _("The name 'manual' is reserved for datasets staff add by hand.")
        raise ValidationError(message, {"name": message})
    return name


def _check_source_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "title" in fields:
        values["title"] = clean_text(fields["title"], "title", label=_("Title"), max_length=255, required=False)
    if "url" in fields:
        url = clean_text(fields["url"], "url", label="URL", max_length=2000)
        if not is_http_url(url):
            message = _("The URL must start with http:// or https://.")
            raise ValidationError(message, {"url": message})
        values["url"] = url
    if "format" in fields:
        fmt = (fields["format"] or "auto").strip().lower()
        if fmt not in SOURCE_FORMATS:
            message = _("The format must be one of %(formats)s.", formats=", ".join(SOURCE_FORMATS))
            raise ValidationError(message, {"format": message})
        values["format"] = fmt
    if "enabled" in fields:
        values["enabled"] = bool(fields["enabled"])
    return values


def create_source(actor: Any, fields: Mapping[str, Any]) -> CatalogSource:
    """Add a catalog source (name, title, url, format, enabled); audited."""
    require(actor, Capability.MANAGE_DATASETS)
    name = check_source_name(fields.get("name", ""))
    values = _check_source_fields({"format": "auto", "enabled": True, **fields, "url": fields.get("url")})
    if db.session.execute(select(CatalogSource.id).where(CatalogSource.name == name)).first():
        message = _("A source named %(name)s exists already.", name=repr(name))
        raise ConflictError(message, {"name": message})
    source = CatalogSource(name=name, **values)
    db.session.add(source)
    db.session.flush()
    audit(actor, "catalog_source.create", "catalog_source", source.id, name=name, url=source.url)
    return source


def update_source(actor: Any, source: CatalogSource, fields: Mapping[str, Any]) -> CatalogSource:
    """Change a source's title, URL, format or enabled flag; the name is its key and stays."""
    require(actor, Capability.MANAGE_DATASETS)
    values = _check_source_fields(fields)
    changed = {k: v for k, v in values.items() if getattr(source, k) != v}
    for key, value in changed.items():
        setattr(source, key, value)
    if changed:
        audit(actor, "catalog_source.update", "catalog_source", source.id, changed=sorted(changed), name=source.name)
    return source


def parse_config_sources(value: str | None) -> list[tuple[str, str]]:
    """``name=url`` pairs from CATALOG_SOURCES, separated by spaces, commas or new lines."""
    pairs = []
    for item in re.split(r"[\s,]+", value or ""):
        if not item:
            continue
        name, sep, url = item.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise ValueError(f"CATALOG_SOURCES: expected name=url, got {item!r}")
        pairs.append((name.strip(), url.strip()))
    return pairs


def sync_config_sources(pairs: Iterable[tuple[str, str]]) -> list[CatalogSource]:
    """Create a CatalogSource for each configured pair that has none yet (system action).

    Existing rows are left alone, so staff can disable or edit a configured source.
    """
    created = []
    for name, url in pairs:
        name = check_source_name(name)
        if db.session.execute(select(CatalogSource.id).where(CatalogSource.name == name)).first():
            continue
        values = _check_source_fields({"url": url, "format": "auto", "enabled": True, "title": name})
        source = CatalogSource(name=name, **values)
        db.session.add(source)
        created.append(source)
    db.session.flush()
    return created


# --------------------------------------------------------------------------- #
# Datasets by hand
# --------------------------------------------------------------------------- #

DATASET_FIELDS = (
    "title",
    "description",
    "publisher",
    "keywords",
    "theme",
    "landing_page",
    "license",
    "accrual_periodicity",
    "contact_name",
    "contact_email",
    "distributions",
    "status",
)


def _split_terms(value: Any, name: str) -> list[str]:
    """Keywords or themes from a list or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, (list, tuple)):
        parts = [str(v) for v in value if v is not None]
    else:
        label = _("Keywords") if name == "keywords" else _("Themes")
        raise ValidationError(_("%(label)s must be a list of words.", label=label), {name: _("Give a list of words.")})
    # Counted before any entry is looked at.
    if len([p for p in parts if p.strip()]) > MAX_TERMS:
        message = _("At most %(count)s entries.", count=MAX_TERMS)
        raise ValidationError(message, {name: message})
    too_long = [p.strip() for p in parts if len(p.strip()) > MAX_TERM_LENGTH]
    if too_long:
        message = _("Each entry is at most %(count)s characters.", count=MAX_TERM_LENGTH)
        raise ValidationError(message, {name: message})
    return normalise_terms(parts)


def _optional_url(value: Any, name: str, label: str) -> str | None:
    text = clean_text(value, name, label=label, max_length=2000, required=False)
    if not text:
        return None
    if not is_http_url(text):
        message = _("%(label)s must be an http:// or https:// address.", label=label)
        raise ValidationError(message, {name: message})
    return text


def _check_distributions(rows: Any) -> list[dict[str, Any]]:
    """title/url/format rows; blank rows are dropped, URLs must be http(s)."""
    if rows is None:
        return []
    if not isinstance(rows, (list, tuple)):
        raise ValidationError(_("Distributions must be a list."), {"distributions": _("Give a list of distributions.")})
    checked: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors[f"distributions-{index}-url"] = _("Each distribution needs a URL.")
            continue
        title = (row.get("title") or "").strip()
        url = (row.get("url") or "").strip()
        fmt = (row.get("format") or "").strip()
        if not (title or url or fmt):
            continue
        if not url:
            errors[f"distributions-{index}-url"] = _("A distribution needs a URL.")
        elif len(url) > 2000 or not is_http_url(url):
            errors[f"distributions-{index}-url"] = _("The URL must be an http:// or https:// address.")
        elif len(title) > 300:
            errors[f"distributions-{index}-title"] = _("The title is at most %(count)s characters.", count=300)
        elif len(fmt) > 60:
            errors[f"distributions-{index}-format"] = _("The format is at most %(count)s characters.", count=60)
        else:
            checked.append(
                {"title": title or None, "url": url, "media_type": None, "format": display_format(fmt, None)}
            )
    if errors:
        raise ValidationError(_("Check the distributions."), errors)
    if len(checked) > MAX_DISTRIBUTIONS:
        message = _("At most %(count)s distributions.", count=MAX_DISTRIBUTIONS)
        raise ValidationError(message, {"distributions": message})
    return checked


def _check_dataset_fields(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the fields present in ``fields`` (all required ones when creating)."""
    unknown = set(fields) - set(DATASET_FIELDS)
    if unknown:
        message = _("Unknown field(s): %(names)s.", names=", ".join(sorted(unknown)))
        raise ValidationError(message, dict.fromkeys(unknown, _("Not a dataset field.")))
    values: dict[str, Any] = {}
    if creating or "title" in fields:
        values["title"] = clean_name(fields.get("title"), "title", label=_("Title"), max_length=300)
    if "description" in fields:
        values["description"] = clean_text(
            fields["description"], "description", label=_("Description"), max_length=20000, required=False
        )
    for name, label, limit in (
        ("publisher", _("Publisher"), 255),
        ("license", _("Licence"), 500),
        ("contact_name", _("Contact name"), 255),
    ):
        if name in fields:
            values[name] = clean_text(fields[name], name, label=label, max_length=limit, required=False) or None
    if "accrual_periodicity" in fields:
        text = clean_text(
            fields["accrual_periodicity"],
            "accrual_periodicity",
            label=_("Update frequency"),
            max_length=60,
            required=False,
        )
        values["accrual_periodicity"] = text or None
    if "contact_email" in fields:
        email = clean_text(
            fields["contact_email"], "contact_email", label=_("Contact e-mail"), max_length=255, required=False
        )
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            message = _("Contact e-mail must be an e-mail address.")
            raise ValidationError(message, {"contact_email": message})
        values["contact_email"] = email or None
    for name in ("keywords", "theme"):
        if name in fields:
            values[name] = _split_terms(fields[name], name)
    if "landing_page" in fields:
        values["landing_page"] = _optional_url(fields["landing_page"], "landing_page", _("Landing page"))
    if "distributions" in fields:
        values["distributions"] = _check_distributions(fields["distributions"])
    if "status" in fields:
        status = (fields["status"] or "").strip().lower()
        if status not in {s.value for s in DatasetStatus}:
            message = _("Status must be 'active' or 'withdrawn'.")
            raise ValidationError(message, {"status": message})
        values["status"] = status
    return values


def _set_status(dataset: Dataset, status: str, now: datetime) -> None:
    if status == dataset.status:
        return
    dataset.status = status
    dataset.withdrawn_at = now if status == DatasetStatus.WITHDRAWN else None


def create_dataset(actor: Any, fields: Mapping[str, Any]) -> Dataset:
    """Add a dataset by hand (source "manual", a generated source_id); audited.

    ``fields``: title (required), description, publisher, keywords, theme (lists or
    comma-separated), landing_page, license, accrual_periodicity, contact_name,
    contact_email, distributions ([{title, url, format}], http/https only), status.
    """
    require(actor, Capability.MANAGE_DATASETS)
    values = _check_dataset_fields(fields, creating=True)
    now = utcnow()
    dataset = Dataset(source=MANUAL_SOURCE, source_id=uuid.uuid4().hex, title=values["title"])
    dataset.first_seen_at = dataset.last_seen_at = dataset.created_at = dataset.updated_at = now
    dataset.modified = now
    for name, value in values.items():
        if name == "distributions":
            dataset.distributions = [Distribution(position=i, **row) for i, row in enumerate(value)]
        elif name == "status":
            _set_status(dataset, value, now)
        else:
            setattr(dataset, name, value)
    db.session.add(dataset)
    db.session.flush()
    audit(actor, "dataset.create", "dataset", dataset.id, title=dataset.title)
    return dataset


def update_dataset(actor: Any, dataset: Dataset, fields: Mapping[str, Any]) -> Dataset:
    """Change the fields present in ``fields`` (a PATCH); audited with the changed names.

    Works on imported datasets too, but the next import that sees the dataset writes the
    catalog's values back: an edit clears the content hash, so that import counts it
    as updated rather than unchanged.
    """
    require(actor, Capability.MANAGE_DATASETS)
    values = _check_dataset_fields(fields, creating=False)
    now = utcnow()
    changed: list[str] = []
    for name, value in values.items():
        if name == "distributions":
            current = [{"title": d.title, "url": d.url, "format": d.format} for d in dataset.distributions]
            wanted = [{"title": r["title"], "url": r["url"], "format": r["format"]} for r in value]
            if current != wanted:
                dataset.distributions = [Distribution(position=i, **row) for i, row in enumerate(value)]
                changed.append(name)
        elif name == "status":
            if value != dataset.status:
                _set_status(dataset, value, now)
                changed.append(name)
        elif getattr(dataset, name) != value:
            setattr(dataset, name, value)
            changed.append(name)
    if changed:
        if dataset.source == MANUAL_SOURCE:
            dataset.modified = now
        else:
            dataset.content_hash = ""
        dataset.updated_at = now
        audit(actor, "dataset.update", "dataset", dataset.id, changed=changed, source=dataset.source)
    return dataset
