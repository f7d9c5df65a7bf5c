"""/api/docs: the API reference for people, rendered on the server from the OpenAPI document.

No script and no CDN: the same document `/api/v1/openapi.json` serves is walked into sections
(one per tag), operations (method, path, who may call it, parameters, body, answers) and the
shapes they exchange, each linked by its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from civicboard.api.openapi import openapi_document
from civicboard.markup import render

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")
TAG_TITLES = {
    "meta": _l("The API itself and your account"),
    "problems": _l("Problems"),
    "comments": _l("Comments"),
    "votes": _l("Votes and follows"),
    "staff": _l("Official responses and evidence"),
    "datasets": _l("Datasets"),
    "challenges": _l("Challenges"),
    "moderation": _l("Reports"),
}


@dataclass
class Field:
    """A parameter or a property: its name, its type in words, whether required, what it means."""

    name: str
    type: Markup
    required: bool
    description: str
    where: str = ""


@dataclass
class Operation:
    """One method on one path."""

    id: str
    method: str
    path: str
    summary: str
    description_html: str  # sanitized by civicboard.markup
    needs_token: bool
    parameters: list[Field]
    body: Markup | None
    responses: list[tuple[str, str, Markup | None]]


@dataclass
class Section:
    """The operations of one tag."""

    id: str
    title: str
    operations: list[Operation] = field(default_factory=list)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _link(name: str) -> Markup:
    return Markup('<a href="#schema-{0}" translate="no">{0}</a>').format(name)


def _words(message: str, **parts: Markup) -> Markup:
    """A phrase from the catalog (escaped) with HTML parts put in its placeholders."""
    return escape(message) % parts


def type_of(schema: dict[str, Any] | None) -> Markup:
    """A schema in a few words: 'integer', 'string (date-time)', 'list of Dataset', 'one of: a, b'.

    The JSON type names (string, integer, object...) are the API's own and stay as they are;
    the words around them are in the reader's language (our catalog's words, so trusted).
    """
    if not schema:
        return escape(_("any"))
    if "$ref" in schema:
        return _link(_ref_name(schema["$ref"]))
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return escape(_(" or ")).join(type_of(part) for part in schema[combinator])
    kind = schema.get("type", "object")
    kinds = [k for k in (kind if isinstance(kind, list) else [kind]) if k != "null"]
    nullable = isinstance(kind, list) and "null" in kind
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        listed = Markup(", ").join(Markup("<code>{}</code>").format(v) for v in values)
        words = _words(_("one of %(values)s"), values=listed)
    elif kinds == ["array"]:
        words = _words(_("list of %(type)s"), type=type_of(schema.get("items")))
    else:
        words = escape(_(" or ")).join(kinds) or Markup("object")
        if schema.get("format"):
            words += Markup(' (<span translate="no">{}</span>)').format(schema["format"])
    return _words(_("%(type)s, or null"), type=words) if nullable else words


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(name, type_of(prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def _body(operation: dict[str, Any]) -> Markup | None:
    content = operation.get("requestBody", {}).get("content", {})
    for mime, media in content.items():
        mime_code = Markup("<code>{}</code>").format(mime)
        return _words(_("%(type)s as %(mime)s"), type=type_of(media.get("schema")), mime=mime_code)
    return None


def _responses(operation: dict[str, Any], shared: dict[str, Any]) -> list[tuple[str, str, Markup | None]]:
    out = []
    for status, answer in operation.get("responses", {}).items():
        if "$ref" in answer:
            answer = shared.get(_ref_name(answer["$ref"]), {})
        schema = next(iter(answer.get("content", {}).values()), {}).get("schema")
        out.append((status, answer.get("description", ""), type_of(schema) if schema else None))
    return out


def reference(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the page shows it: introduction, sections of operations, schemas."""
    sections = {
        tag["name"]: Section(tag["name"], str(TAG_TITLES.get(tag["name"], tag["name"].title())))
        for tag in document.get("tags", [])
    }
    shared = document.get("components", {}).get("responses", {})
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["meta"])[0]
            section = sections.setdefault(tag, Section(tag, str(TAG_TITLES.get(tag, tag.title()))))
            parameters = [
                Field(
                    p["name"],
                    type_of(p.get("schema")),
                    bool(p.get("required")),
                    p.get("description", ""),
                    p.get("in", ""),
                )
                for p in [*item.get("parameters", []), *operation.get("parameters", [])]
            ]
            section.operations.append(
                Operation(
                    id=operation.get("operationId", f"{method}-{path}"),
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description_html=render(operation.get("description", "")) if operation.get("description") else "",
                    needs_token=bool(operation.get("security")),
                    parameters=parameters,
                    body=_body(operation),
                    responses=_responses(operation, shared),
                )
            )
    schemas = {name: _fields(schema) for name, schema in document.get("components", {}).get("schemas", {}).items()}
    return {
        "info": document.get("info", {}),
        "intro_html": render(document.get("info", {}).get("description", "")),
        "servers": document.get("servers", []),
        "sections": [s for s in sections.values() if s.operations],
        "schemas": schemas,
    }


@bp.get("/api/docs")
def index():
    """The API reference, for people."""
    return render_template("api/docs.html", ref=reference(openapi_document()))
