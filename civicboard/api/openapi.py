"""The OpenAPI 3.1 document of /api/v1, kept next to the code it describes.

tests/api checks that every route under /api/v1 is described here (and nothing else), that
the document is valid OpenAPI 3.1, and that real responses match these schemas. Response
objects are closed (`additionalProperties: false`), so a field added to a serializer without
being documented fails the suite; request bodies are open, since unknown fields are ignored.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from civicboard.api.core import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT
from civicboard.challenges.models import ChallengeStatus
from civicboard.datasets.models import DatasetStatus
from civicboard.datasets.queries import MAX_PAGE
from civicboard.datasets.queries import SORTS as DATASET_SORTS
from civicboard.moderation.models import FlagReason
from civicboard.problems.models import DataRequestStatus, ProblemStatus
from civicboard.problems.queries import SORTS as PROBLEM_SORTS
from civicboard.problems.queries import STATUS_GROUPS
from civicboard.staff.models import EvidenceStance

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, required: list[str] | None = None, closed: bool = True) -> Schema:
    """An object schema; response objects list every field as required and allow no others."""
    schema: Schema = {"type": "object", "properties": properties}
    schema["required"] = list(properties) if required is None else required
    if closed:
        schema["additionalProperties"] = False
    return schema


def nullable(schema: Schema) -> Schema:
    """The schema, or null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    schema = deepcopy(schema)
    schema["type"] = [schema["type"], "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def array(items: Schema, **extra: Any) -> Schema:
    """A list of items."""
    return {"type": "array", "items": items, **extra}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
COUNT: Schema = {"type": "integer", "minimum": 0}
URL: Schema = {"type": "string", "format": "uri"}
TIMESTAMP: Schema = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
    "description": "ISO 8601, UTC, with Z.",
}
DATE: Schema = {"type": "string", "format": "date"}
PROBLEM_STATUSES = [s.value for s in ProblemStatus]


def list_of(name: str) -> Schema:
    """The contract's list shape for items of one schema."""
    return obj(
        {
            "items": array(ref(name)),
            "total": {**COUNT, "description": "How many items match, on every page."},
            "next": nullable({**URL, "description": "The next page, or null on the last."}),
        }
    )


CHALLENGE_FIELDS: dict[str, Schema] = {
    "title": {"type": "string", "minLength": 3, "maxLength": 140},
    "slug": nullable(
        {
            "type": "string",
            "maxLength": 80,
            "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
            "description": "Made from the title when left out; fixed once published.",
        }
    ),
    "summary": nullable({"type": "string", "maxLength": 20000, "description": "Markdown."}),
    "starts_at": {
        "type": "string",
        "description": "ISO 8601; without an offset it is wall-clock time in `timezone`.",
    },
    "ends_at": {"type": "string", "description": "ISO 8601, after starts_at."},
    "timezone": {"type": "string", "description": "An IANA zone (default UTC)."},
    "place": nullable({"type": "string", "maxLength": 255, "description": "Required unless online."}),
    "online": BOOLEAN,
    "contact": {"type": "string", "maxLength": 255, "description": "An email or an http(s) address."},
}

# -- schemas -----------------------------------------------------------------------------------

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": obj(
                {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "code": {
                        "type": "string",
                        "examples": ["bad_request", "validation_error", "not_found", "conflict", "rate_limited"],
                    },
                    "message": STRING,
                    "fields": {
                        "type": "object",
                        "additionalProperties": STRING,
                        "description": "For 400 and 422: the offending field or argument and what is wrong.",
                    },
                }
            )
        }
    ),
    "UserRef": obj({"id": ID, "name": STRING}),
    "DatasetRef": obj({"id": ID, "title": STRING}),
    "Me": obj(
        {
            "id": ID,
            "name": STRING,
            "roles": array({"type": "string", "enum": ["resident", "staff", "moderator", "organizer", "admin"]}),
            "department": nullable(STRING),
        }
    ),
    "AccountExport": obj(
        {
            "format": {"type": "string", "const": "civicboard-account-export/1"},
            "exported_at": TIMESTAMP,
            "profile": obj(
                {
                    "id": ID,
                    "email": STRING,
                    "name": STRING,
                    "bio": STRING,
                    "roles": array(STRING),
                    "department": nullable(STRING),
                    "created_at": TIMESTAMP,
                    "last_login_at": nullable(TIMESTAMP),
                    "password_changed_at": TIMESTAMP,
                    "suspended_at": nullable(TIMESTAMP),
                    "suspended_until": nullable(TIMESTAMP),
                    "suspension_reason": STRING,
                }
            ),
            "problems": array(
                obj(
                    {
                        "id": ID,
                        "title": STRING,
                        "description": {**STRING, "description": "Markdown."},
                        "status": {"type": "string", "enum": PROBLEM_STATUSES},
                        "neighbourhood": nullable(STRING),
                        "language": nullable(ref("ContentLanguage")),
                        "data_request": nullable(STRING),
                        "vote_count": COUNT,
                        "comment_count": COUNT,
                        "created_at": TIMESTAMP,
                        "updated_at": TIMESTAMP,
                        "hidden_at": nullable(TIMESTAMP),
                        "hidden_reason": STRING,
                    }
                )
            ),
            "comments": array(
                obj(
                    {
                        "id": ID,
                        "problem_id": ID,
                        "parent_id": nullable(ID),
                        "body": STRING,
                        "language": nullable(ref("ContentLanguage")),
                        "created_at": TIMESTAMP,
                        "edited_at": nullable(TIMESTAMP),
                        "deleted_at": nullable(TIMESTAMP),
                        "hidden_at": nullable(TIMESTAMP),
                        "hidden_reason": STRING,
                        "earlier_versions": array(obj({"body": STRING, "created_at": TIMESTAMP})),
                    }
                )
            ),
            "votes": array(obj({"problem_id": ID, "created_at": TIMESTAMP})),
            "follows": array(obj({"problem_id": nullable(ID), "challenge_id": nullable(ID), "created_at": TIMESTAMP})),
            "area_follows": array(
                obj(
                    {
                        "dataset_id": nullable(ID),
                        "category_id": nullable(ID),
                        "neighbourhood_id": nullable(ID),
                        "created_at": TIMESTAMP,
                    }
                ),
                description="New problems in a dataset, a category or a neighbourhood, followed by email; "
                "exactly one of the three ids is set.",
            ),
            "notification_settings": array(
                obj(
                    {
                        "topic": STRING,
                        "delivery": {"type": "string", "enum": ["immediate", "daily", "weekly", "off"]},
                        "updated_at": TIMESTAMP,
                    }
                ),
                description="Only the topics changed from their defaults.",
            ),
            "flags": array(
                obj(
                    {
                        "id": ID,
                        "target_type": {"type": "string", "enum": ["problem", "comment"]},
                        "target_id": ID,
                        "reason": STRING,
                        "note": STRING,
                        "created_at": TIMESTAMP,
                        "resolved_at": nullable(TIMESTAMP),
                        "resolution": nullable(STRING),
                    }
                )
            ),
            "notifications": array(
                obj(
                    {
                        "id": ID,
                        "kind": STRING,
                        "problem_id": nullable(ID),
                        "comment_id": nullable(ID),
                        "challenge_id": nullable(ID),
                        "created_at": TIMESTAMP,
                        "read_at": nullable(TIMESTAMP),
                    }
                )
            ),
            "official_responses": array(
                obj(
                    {
                        "id": ID,
                        "problem_id": ID,
                        "body": STRING,
                        "status_from": nullable(STRING),
                        "status_to": nullable(STRING),
                        "created_at": TIMESTAMP,
                    }
                )
            ),
            "api_tokens": array(
                obj(
                    {
                        "label": STRING,
                        "created_at": TIMESTAMP,
                        "last_used_at": nullable(TIMESTAMP),
                        "revoked_at": nullable(TIMESTAMP),
                    }
                ),
                description="Labels and dates only: a token is never shown again.",
            ),
            "sessions": array(
                obj(
                    {
                        "created_at": TIMESTAMP,
                        "last_seen_at": TIMESTAMP,
                        "expires_at": TIMESTAMP,
                        "user_agent": STRING,
                        "ip_address": STRING,
                    }
                )
            ),
            "projects": array(
                obj(
                    {
                        "id": ID,
                        "name": STRING,
                        "challenge": STRING,
                        "created_by_me": BOOLEAN,
                        "team_member": BOOLEAN,
                        "created_at": TIMESTAMP,
                    }
                )
            ),
            "project_invitations": array(
                obj(
                    {
                        "project_id": ID,
                        "created_at": TIMESTAMP,
                        "accepted_at": nullable(TIMESTAMP),
                        "declined_at": nullable(TIMESTAMP),
                    }
                ),
                description="Invitations to join a project's team sent to your address.",
            ),
        }
    ),
    "Index": obj(
        {
            "name": STRING,
            "version": STRING,
            "openapi": URL,
            "links": obj(dict.fromkeys(("problems", "datasets", "challenges", "flags", "me"), URL)),
        }
    ),
    # -- problems
    "ContentLanguage": {
        "type": "string",
        "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        "description": "The language its author wrote it in, a BCP 47 code among the board's "
        "CIVICBOARD_LANGUAGES (en, es by default); null when not stated. What people write is not "
        "translated. On create, a code the board does not offer is refused: 422 validation_error "
        "with fields.language.",
    },
    "Problem": obj(
        {
            "id": ID,
            "title": STRING,
            "description": {"type": "string", "description": "Markdown."},
            "description_html": {"type": "string", "description": "The description rendered and sanitized."},
            "status": {"type": "string", "enum": PROBLEM_STATUSES},
            "vote_count": COUNT,
            "comment_count": COUNT,
            "hot": {"type": "number", "description": "The ranking score of sort=hot."},
            "category": nullable({"type": "string", "description": "The category's slug."}),
            "neighbourhood": nullable(STRING),
            "language": nullable(ref("ContentLanguage")),
            "datasets": array(ref("DatasetRef")),
            "data_request": nullable({"type": "string", "description": "The data wanted, for a data request."}),
            "data_request_status": nullable({"type": "string", "enum": [s.value for s in DataRequestStatus]}),
            "duplicate_of": nullable({**ID, "description": "The original, for a duplicate."}),
            "locked": BOOLEAN,
            "hidden": {"type": "boolean", "description": "Only moderators and the author see hidden problems."},
            "voted": {"type": "boolean", "description": "Whether the caller votes for it (false when anonymous)."},
            "author": ref("UserRef"),
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "url": {**URL, "description": "The problem's page."},
            "location": nullable(ref("Location")),
            "address": nullable({"type": "string", "description": "An address line or landmark."}),
            "photos": array(ref("Photo")),
        }
    ),
    "Deleted": obj({"deleted": BOOLEAN, "id": ID}),
    "Location": obj(
        {
            "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS 84 latitude, degrees."},
            "lon": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS 84 longitude, degrees."},
        },
        required=["lat", "lon"],
    ),
    "Photo": obj(
        {
            "id": ID,
            "url": {**URL, "description": "The photo, re-encoded without metadata."},
            "thumbnail_url": URL,
            "alt": {"type": "string", "description": "What the photo shows."},
            "width": COUNT,
            "height": COUNT,
            "content_type": {"type": "string", "enum": ["image/jpeg", "image/png", "image/webp"]},
            "hidden": {"type": "boolean", "description": "Hidden by a moderator (only they and its uploader see it)."},
        }
    ),
    "ProblemCreate": obj(
        {
            "title": {"type": "string", "minLength": 5, "maxLength": 140},
            "description": {"type": "string", "minLength": 1, "maxLength": 20000, "description": "Markdown."},
            "dataset_ids": array(ID, maxItems=10, description="At least one, unless this is a data request."),
            "category": nullable(
                {"type": "string", "description": "A category's slug; required once staff have set up categories."}
            ),
            "neighbourhood": nullable({"type": "string", "maxLength": 120}),
            "data_request": nullable(
                {"type": "string", "maxLength": 5000, "description": "The data you need, if it is not published."}
            ),
            "location": nullable(
                {
                    **ref("Location"),
                    "description": "Where it is; refused outside the city's MAP_BOUNDS. "
                    "The neighbourhood then comes from the city's boundaries when one holds the point.",
                }
            ),
            "address": nullable({"type": "string", "maxLength": 200}),
            "language": nullable(ref("ContentLanguage")),
        },
        required=["title", "description"],
        closed=False,
    ),
    "Comment": obj(
        {
            "id": ID,
            "problem_id": ID,
            "body": {"type": "string", "description": "Markdown; empty once deleted."},
            "body_html": STRING,
            "parent_id": nullable({**ID, "description": "The top-level comment this one replies to."}),
            "language": nullable(ref("ContentLanguage")),
            "deleted": BOOLEAN,
            "hidden": BOOLEAN,
            "author": nullable(ref("UserRef")),
            "created_at": TIMESTAMP,
            "edited_at": nullable(TIMESTAMP),
            "url": {**URL, "description": "The comment on the problem's page."},
        }
    ),
    "CommentCreate": obj(
        {
            "body": {"type": "string", "minLength": 1, "maxLength": 10000, "description": "Markdown."},
            "parent_id": nullable({**ID, "description": "Reply to this comment (replies go one level deep)."}),
            "language": nullable(ref("ContentLanguage")),
        },
        required=["body"],
        closed=False,
    ),
    "Vote": obj({"voted": BOOLEAN, "vote_count": COUNT}),
    "Follow": obj({"following": BOOLEAN}),
    # -- staff
    "Response": obj(
        {
            "id": ID,
            "problem_id": ID,
            "body": STRING,
            "body_html": STRING,
            "language": nullable(ref("ContentLanguage")),
            "status_from": nullable({"type": "string", "enum": PROBLEM_STATUSES}),
            "status_to": nullable({"type": "string", "enum": PROBLEM_STATUSES}),
            "duplicate_of": nullable(ID),
            "department": nullable({"type": "string", "description": "The department that signed it."}),
            "author": ref("UserRef"),
            "created_at": TIMESTAMP,
        }
    ),
    "ResponseCreate": obj(
        {
            "body": {"type": "string", "minLength": 1, "maxLength": 10000, "description": "Markdown."},
            "status": nullable({"type": "string", "enum": PROBLEM_STATUSES, "description": "Move the problem here."}),
            "duplicate_of": nullable({**ID, "description": "With status=duplicate: the original problem."}),
            "language": nullable(ref("ContentLanguage")),
        },
        required=["body"],
        closed=False,
    ),
    "Evidence": obj(
        {
            "id": ID,
            "problem_id": ID,
            "dataset": ref("DatasetRef"),
            "url": nullable(URL),
            "caption": STRING,
            "stance": {"type": "string", "enum": [s.value for s in EvidenceStance]},
            "as_of": nullable(DATE),
            "author": ref("UserRef"),
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        }
    ),
    "EvidenceCreate": obj(
        {
            "dataset_id": ID,
            "url": nullable({**URL, "maxLength": 2000, "description": "An http(s) address within the dataset."}),
            "caption": {"type": "string", "minLength": 1, "maxLength": 1000},
            "stance": {"type": "string", "enum": [s.value for s in EvidenceStance]},
            "as_of": nullable({**DATE, "description": "The date the data is as of (not in the future)."}),
        },
        required=["dataset_id", "caption", "stance"],
        closed=False,
    ),
    # -- datasets
    "Distribution": obj(
        {"title": nullable(STRING), "url": URL, "format": nullable(STRING), "media_type": nullable(STRING)}
    ),
    "Dataset": obj(
        {
            "id": ID,
            "source": {"type": "string", "description": "The catalog it came from; `manual` for staff's."},
            "source_id": STRING,
            "title": STRING,
            "description": STRING,
            "publisher": nullable(STRING),
            "keywords": array(STRING),
            "theme": array(STRING),
            "landing_page": nullable(URL),
            "license": nullable(STRING),
            "contact_name": nullable(STRING),
            "contact_email": nullable(STRING),
            "accrual_periodicity": nullable(STRING),
            "modified": nullable(TIMESTAMP),
            "issued": nullable(TIMESTAMP),
            "status": {"type": "string", "enum": [s.value for s in DatasetStatus]},
            "withdrawn_at": nullable(TIMESTAMP),
            "first_seen_at": TIMESTAMP,
            "last_seen_at": TIMESTAMP,
            "distributions": array(ref("Distribution")),
            "problem_count": COUNT,
            "demand": {**COUNT, "description": "Votes on the visible problems tied to it."},
            "url": {**URL, "description": "The dataset's page."},
        }
    ),
    "DatasetWrite": obj(
        {
            "title": {"type": "string", "minLength": 1, "maxLength": 300},
            "description": nullable({"type": "string", "maxLength": 20000}),
            "publisher": nullable({"type": "string", "maxLength": 255}),
            "keywords": {
                "anyOf": [array(STRING), STRING, {"type": "null"}],
                "description": "A list, or one comma-separated string.",
            },
            "theme": {"anyOf": [array(STRING), STRING, {"type": "null"}]},
            "landing_page": nullable({**URL, "maxLength": 2000}),
            "license": nullable({"type": "string", "maxLength": 500}),
            "accrual_periodicity": nullable({"type": "string", "maxLength": 60}),
            "contact_name": nullable({"type": "string", "maxLength": 255}),
            "contact_email": nullable({"type": "string", "format": "email", "maxLength": 255}),
            "distributions": nullable(
                array(
                    obj(
                        {"title": nullable(STRING), "url": URL, "format": nullable(STRING)},
                        required=["url"],
                        closed=False,
                    )
                )
            ),
            "status": {"type": "string", "enum": [s.value for s in DatasetStatus]},
        },
        required=[],
        closed=False,
    ),
    # -- challenges
    "ChallengeBrief": obj({"markdown": URL, "json": URL}),
    "ChallengeSummary": obj(
        {
            "slug": STRING,
            "title": STRING,
            "summary": {"type": "string", "description": "Markdown."},
            "summary_html": STRING,
            "status": {"type": "string", "enum": [s.value for s in ChallengeStatus]},
            "starts_at": nullable(TIMESTAMP),
            "ends_at": nullable(TIMESTAMP),
            "timezone": {"type": "string", "description": "The IANA zone its dates are shown in."},
            "place": STRING,
            "online": BOOLEAN,
            "contact": STRING,
            "published_at": nullable(TIMESTAMP),
            "closed_at": nullable(TIMESTAMP),
            "url": {**URL, "description": "The challenge's page."},
            "brief": ref("ChallengeBrief"),
            "problem_count": COUNT,
            "project_count": COUNT,
        }
    ),
    "ChallengeDatasetRef": obj({"id": ID, "title": STRING, "url": URL}),
    "ChallengeProblem": obj(
        {
            "id": ID,
            "position": INTEGER,
            "title": STRING,
            "description": STRING,
            "status": {"type": "string", "enum": PROBLEM_STATUSES},
            "vote_count": COUNT,
            "note": {"type": "string", "description": "The organizers' note."},
            "category": nullable({"type": "string", "description": "The category's name."}),
            "data_request": nullable(STRING),
            "url": URL,
            "datasets": array(ref("ChallengeDatasetRef")),
            "evidence": array(
                obj(
                    {
                        "id": ID,
                        "dataset": ref("ChallengeDatasetRef"),
                        "url": nullable(URL),
                        "caption": STRING,
                        "stance": {"type": "string", "enum": [s.value for s in EvidenceStance]},
                        "as_of": nullable(DATE),
                        "created_at": TIMESTAMP,
                    }
                )
            ),
        }
    ),
    "ChallengeDataset": obj(
        {
            "id": ID,
            "title": STRING,
            "url": URL,
            "publisher": nullable(STRING),
            "license": nullable(STRING),
            "landing_page": nullable(URL),
            "status": {"type": "string", "enum": [s.value for s in DatasetStatus]},
            "modified": nullable(TIMESTAMP),
            "extra": {"type": "boolean", "description": "Added by the organizers, not through a problem."},
            "note": STRING,
            "distributions": array(obj({"title": nullable(STRING), "url": URL, "format": nullable(STRING)})),
        }
    ),
    "Project": obj(
        {
            "id": ID,
            "name": STRING,
            "description": STRING,
            "description_html": STRING,
            "repository_url": nullable(URL),
            "demo_url": nullable(URL),
            "members": array(ref("UserRef")),
            "team_names": array(STRING),
            "problems": array(obj({"id": ID, "title": STRING})),
            "featured": BOOLEAN,
            "award": nullable(STRING),
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        }
    ),
    # -- flags
    "Flag": obj(
        {
            "id": ID,
            "target_type": {"type": "string", "enum": ["problem", "comment"]},
            "target_id": ID,
            "reason": {"type": "string", "enum": [r.value for r in FlagReason]},
            "note": STRING,
            "created_at": TIMESTAMP,
        }
    ),
    # -- reopen requests
    "ReopenRequest": obj(
        {
            "id": ID,
            "problem_id": ID,
            "reason": STRING,
            "status": {"type": "string", "enum": ["open", "reopened", "dismissed"]},
            "created_at": TIMESTAMP,
        }
    ),
    "ReopenRequestCreate": obj(
        {"reason": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "What is still wrong."}},
        required=["reason"],
        closed=False,
    ),
    "FlagCreate": obj(
        {
            "target_type": {"type": "string", "enum": ["problem", "comment"]},
            "target_id": ID,
            "reason": {"type": "string", "enum": [r.value for r in FlagReason]},
            "note": nullable({"type": "string", "maxLength": 1000, "description": "Required with reason=other."}),
        },
        required=["target_type", "target_id", "reason"],
        closed=False,
    ),
}
SCHEMAS["Challenge"] = {
    **deepcopy(SCHEMAS["ChallengeSummary"]),
}
SCHEMAS["Challenge"]["properties"] = {
    name: schema
    for name, schema in SCHEMAS["ChallengeSummary"]["properties"].items()
    if name not in ("problem_count", "project_count")
} | {
    "problems": array(ref("ChallengeProblem")),
    "datasets": array(ref("ChallengeDataset")),
    "projects": array(ref("Project")),
}
SCHEMAS["Challenge"]["required"] = list(SCHEMAS["Challenge"]["properties"])
SCHEMAS["ProblemUpdate"] = {**deepcopy(SCHEMAS["ProblemCreate"]), "required": []}
SCHEMAS["ChallengeCreate"] = obj(CHALLENGE_FIELDS, required=["title", "starts_at", "ends_at", "contact"], closed=False)
SCHEMAS["ChallengeUpdate"] = obj(
    CHALLENGE_FIELDS
    | {
        "status": {
            "type": "string",
            "enum": [s.value for s in ChallengeStatus],
            "description": "draft -> published (needs a problem) -> closed; closed -> published reopens.",
        }
    },
    required=[],
    closed=False,
)
for _name in ("Problem", "Comment", "Response", "Evidence", "Dataset"):
    SCHEMAS[f"{_name}List"] = list_of(_name)
SCHEMAS["ChallengeList"] = list_of("ChallengeSummary")


# -- parameters and responses ------------------------------------------------------------------


def path_id(name: str, what: str) -> Schema:
    """A path parameter naming a row."""
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.", "schema": ID}


def query(name: str, schema: Schema, description: str) -> Schema:
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PROBLEM_ID = path_id("problem_id", "problem")
DATASET_ID = path_id("dataset_id", "dataset")
SLUG = {"name": "slug", "in": "path", "required": True, "description": "The challenge's slug.", "schema": STRING}
LIMIT = query(
    "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "Items per page."
)
CURSOR = query("cursor", STRING, "Where the page starts: copy it from `next`, do not make it up.")

ERRORS = {
    "400": "Malformed JSON, or a bad query argument or cursor (`fields` names it).",
    "401": "No valid credentials: send `Authorization: Bearer <token>`.",
    "403": "Authenticated, but not allowed (a role is missing, or the account is suspended).",
    "404": "No such item, or it is hidden from you.",
    "409": "Conflicts with the current state (already reported, voting closed, a taken slug...).",
    "413": "The body is larger than the server accepts.",
    "422": "The body is well formed but invalid; `fields` maps each field to its problem.",
    "429": "Too many requests; wait `Retry-After` seconds.",
}


def ok(schema: str, description: str, *, status: str = "200", headers: dict | None = None) -> dict[str, Any]:
    """A success response with a JSON body."""
    response: Schema = {"description": description, "content": {"application/json": {"schema": ref(schema)}}}
    if headers:
        response["headers"] = headers
    return {status: response}


def errors(*codes: int) -> dict[str, Any]:
    """Error responses (every one has the Error body); 400 and 429 can happen anywhere."""
    wanted = sorted({400, 429, *codes})
    return {str(code): {"$ref": f"#/components/responses/{code}"} for code in wanted}


LINK = {"Link": {"description": 'The next page, as `<url>; rel="next"`.', "schema": STRING}}
LOCATION = {"Location": {"description": "The new resource in the API.", "schema": URL}}
PUBLIC: list[dict[str, list]] = [{}, {"bearerAuth": []}]
AUTHENTICATED: list[dict[str, list]] = [{"bearerAuth": []}]


def operation(
    op_id: str,
    summary: str,
    tag: str,
    *,
    responses: dict[str, Any],
    parameters: list[Schema] | None = None,
    body: str | None = None,
    secured: bool = False,
    description: str | None = None,
) -> Schema:
    """One operation; writes (`body`) need a token."""
    op: Schema = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "security": AUTHENTICATED if secured or body else PUBLIC,
        "responses": responses,
    }
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return op


# -- paths -------------------------------------------------------------------------------------

PROBLEM_FILTERS = [
    query("sort", {"type": "string", "enum": list(PROBLEM_SORTS), "default": "hot"}, "The board's orders."),
    query(
        "status",
        {"type": "string", "enum": PROBLEM_STATUSES + list(STATUS_GROUPS)},
        "A status, or `active` (open, acknowledged, in progress) or `closed`.",
    ),
    query("dataset", ID, "Only problems tied to this dataset."),
    query("category", {"type": "string", "maxLength": 80}, "A category's slug."),
    query(
        "bbox",
        {"type": "string", "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"},
        "minLon,minLat,maxLon,maxLat: only located problems inside this box.",
    ),
    query(
        "voted",
        {"type": "string", "enum": ["0", "1", "true", "false", "yes", "no"]},
        "1: only problems you vote for (needs authentication).",
    ),
    LIMIT,
    CURSOR,
]
DATASET_FILTERS = [
    query("q", {"type": "string", "maxLength": 200}, "Words in the title, description or keywords."),
    query("keyword", {"type": "string", "maxLength": 200}, "An exact keyword (any case)."),
    query("publisher", {"type": "string", "maxLength": 255}, "An exact publisher."),
    query("theme", {"type": "string", "maxLength": 200}, "An exact theme (any case)."),
    query(
        "status",
        {"type": "string", "enum": [s.value for s in DatasetStatus], "default": "active"},
        "Withdrawn datasets stay citable.",
    ),
    query("sort", {"type": "string", "enum": list(DATASET_SORTS), "default": "demand"}, "The catalog's orders."),
    query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "The page number."),
    LIMIT,
]

PATHS: dict[str, Schema] = {
    "/": {
        "get": operation("getIndex", "Where things are", "meta", responses={**ok("Index", "Links."), **errors()}),
    },
    "/me": {
        "get": operation(
            "getMe",
            "The authenticated user (check a token)",
            "meta",
            secured=True,
            responses={**ok("Me", "Who you are."), **errors(401)},
        ),
    },
    "/me/export": {
        "get": operation(
            "getMyExport",
            "Everything the board holds about you",
            "meta",
            secured=True,
            description="Your profile, problems, comments with their earlier versions, votes, follows, "
            "reports, notifications, official responses, sessions, API tokens' labels and dates, and "
            "projects: the file `/account/export` downloads. Only what is yours.",
            responses={**ok("AccountExport", "Your data."), **errors(401)},
        ),
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenAPI",
            "summary": "This document",
            "tags": ["meta"],
            "security": PUBLIC,
            "responses": {
                "200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}},
                **errors(),
            },
        },
    },
    "/problems": {
        "get": operation(
            "listProblems",
            "The board: problems, sorted and filtered",
            "problems",
            parameters=PROBLEM_FILTERS,
            description="Keyset pages: follow `next` (or the Link header) until it is null. "
            "Hidden problems appear only to moderators and their author.",
            responses={**ok("ProblemList", "A page of problems.", headers=LINK), **errors(401)},
        ),
        "post": operation(
            "createProblem",
            "Propose a problem or a data request",
            "problems",
            body="ProblemCreate",
            description="Unknown fields (vote_count, status, author...) are ignored. "
            "Limited by RATELIMIT_PROBLEMS per account (shared with the site's form).",
            responses={**ok("Problem", "Created.", status="201", headers=LOCATION), **errors(401, 403, 413, 422)},
        ),
    },
    "/problems/{problem_id}": {
        "get": operation(
            "getProblem",
            "One problem",
            "problems",
            parameters=[PROBLEM_ID],
            responses={**ok("Problem", "The problem."), **errors(404)},
        ),
        "patch": operation(
            "updateProblem",
            "Change some of a problem's fields (its author while open and unlocked, or a moderator)",
            "problems",
            parameters=[PROBLEM_ID],
            body="ProblemUpdate",
            responses={**ok("Problem", "The problem as saved."), **errors(401, 403, 404, 413, 422)},
        ),
    },
    "/problems/{problem_id}/photos": {
        "post": {
            **operation(
                "addPhoto",
                "Add a photo to a problem (whoever may edit it; at most 6)",
                "problems",
                parameters=[PROBLEM_ID],
                secured=True,
                description="multipart/form-data with `file` (JPEG, PNG or WebP, checked by decoding, at most "
                "UPLOAD_MAX_BYTES) and `alt` (what it shows, required). The image is re-encoded without "
                "EXIF, XMP or GPS metadata and turned upright.",
                responses={**ok("Photo", "Added.", status="201", headers=LOCATION), **errors(401, 403, 404, 413, 422)},
            ),
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "alt": {"type": "string", "maxLength": 300},
                            },
                            "required": ["file", "alt"],
                        }
                    }
                },
            },
        },
    },
    "/problems/{problem_id}/photos/{photo_id}": {
        "delete": operation(
            "deletePhoto",
            "Remove a photo and its files (whoever may edit the problem)",
            "problems",
            parameters=[PROBLEM_ID, path_id("photo_id", "photo")],
            secured=True,
            responses={**ok("Deleted", "Removed."), **errors(401, 403, 404)},
        ),
    },
    "/problems/{problem_id}/comments": {
        "get": operation(
            "listComments",
            "A problem's comments, oldest first",
            "comments",
            parameters=[PROBLEM_ID, LIMIT, CURSOR],
            description="Deleted comments keep their place with an empty body and no author; hidden "
            "ones appear only to moderators and their author.",
            responses={**ok("CommentList", "A page of comments.", headers=LINK), **errors(404)},
        ),
        "post": operation(
            "createComment",
            "Comment, or reply to a comment",
            "comments",
            parameters=[PROBLEM_ID],
            body="CommentCreate",
            responses={**ok("Comment", "Created.", status="201"), **errors(401, 403, 404, 409, 413, 422)},
        ),
    },
    "/problems/{problem_id}/vote": {
        "put": operation(
            "vote",
            "Vote for a problem (again: no change)",
            "votes",
            parameters=[PROBLEM_ID],
            secured=True,
            responses={**ok("Vote", "Your vote and the count."), **errors(401, 403, 404, 409)},
        ),
        "delete": operation(
            "withdrawVote",
            "Withdraw your vote (again: no change)",
            "votes",
            parameters=[PROBLEM_ID],
            secured=True,
            responses={**ok("Vote", "Your vote and the count."), **errors(401, 403, 404, 409)},
        ),
    },
    "/problems/{problem_id}/follow": {
        "put": operation(
            "follow",
            "Follow a problem: hear about its comments, responses and status changes (again: no change)",
            "problems",
            parameters=[PROBLEM_ID],
            secured=True,
            responses={**ok("Follow", "Whether you follow it."), **errors(401, 403, 404)},
        ),
        "delete": operation(
            "unfollow",
            "Stop following a problem (again: no change)",
            "problems",
            parameters=[PROBLEM_ID],
            secured=True,
            responses={**ok("Follow", "Whether you follow it."), **errors(401, 403, 404)},
        ),
    },
    "/problems/{problem_id}/responses": {
        "get": operation(
            "listResponses",
            "A problem's official responses, oldest first (one page)",
            "staff",
            parameters=[PROBLEM_ID],
            responses={**ok("ResponseList", "Every response."), **errors(404)},
        ),
        "post": operation(
            "createResponse",
            "Post an official response, maybe moving the status (staff)",
            "staff",
            parameters=[PROBLEM_ID],
            body="ResponseCreate",
            responses={**ok("Response", "Created.", status="201"), **errors(401, 403, 404, 409, 413, 422)},
        ),
    },
    "/problems/{problem_id}/evidence": {
        "get": operation(
            "listEvidence",
            "A problem's open-data evidence, oldest first (one page)",
            "staff",
            parameters=[PROBLEM_ID],
            responses={**ok("EvidenceList", "Every piece of evidence not removed."), **errors(404)},
        ),
        "post": operation(
            "createEvidence",
            "Link the problem to data (staff)",
            "staff",
            parameters=[PROBLEM_ID],
            body="EvidenceCreate",
            responses={**ok("Evidence", "Created.", status="201"), **errors(401, 403, 404, 413, 422)},
        ),
    },
    "/datasets": {
        "get": operation(
            "listDatasets",
            "The catalog",
            "datasets",
            parameters=DATASET_FILTERS,
            description="Numbered pages (`page`); `next` links the following one.",
            responses={**ok("DatasetList", "A page of datasets.", headers=LINK), **errors()},
        ),
        "post": operation(
            "createDataset",
            "Add a dataset by hand (staff)",
            "datasets",
            body="DatasetWrite",
            responses={**ok("Dataset", "Created.", status="201", headers=LOCATION), **errors(401, 403, 413, 422)},
        ),
    },
    "/datasets/{dataset_id}": {
        "get": operation(
            "getDataset",
            "One dataset",
            "datasets",
            parameters=[DATASET_ID],
            responses={**ok("Dataset", "The dataset."), **errors(404)},
        ),
        "patch": operation(
            "updateDataset",
            "Change some of a dataset's fields, or withdraw it (staff)",
            "datasets",
            parameters=[DATASET_ID],
            body="DatasetWrite",
            responses={**ok("Dataset", "The dataset as saved."), **errors(401, 403, 404, 413, 422)},
        ),
    },
    "/challenges": {
        "get": operation(
            "listChallenges",
            "Challenges: running and upcoming first (one page)",
            "challenges",
            description="Drafts appear only to organizers.",
            responses={**ok("ChallengeList", "Every challenge you may see."), **errors()},
        ),
        "post": operation(
            "createChallenge",
            "Create a draft challenge (organizers)",
            "challenges",
            body="ChallengeCreate",
            responses={
                **ok("Challenge", "Created.", status="201", headers=LOCATION),
                **errors(401, 403, 409, 413, 422),
            },
        ),
    },
    "/challenges/{slug}": {
        "get": operation(
            "getChallenge",
            "One challenge with its problems, datasets and projects",
            "challenges",
            parameters=[SLUG],
            responses={**ok("Challenge", "The challenge."), **errors(404)},
        ),
        "patch": operation(
            "updateChallenge",
            "Change a challenge's details or status (organizers)",
            "challenges",
            parameters=[SLUG],
            body="ChallengeUpdate",
            responses={**ok("Challenge", "The challenge as saved."), **errors(401, 403, 404, 409, 413, 422)},
        ),
    },
    "/problems/{problem_id}/reopen-requests": {
        "post": operation(
            "requestReopen",
            "Say a resolved problem is still not fixed (once per person); staff reopen it or dismiss the request",
            "problems",
            parameters=[PROBLEM_ID],
            secured=True,
            body="ReopenRequestCreate",
            responses={
                **ok("ReopenRequest", "Sent to the staff queue.", status="201"),
                **errors(401, 403, 404, 409, 413, 422),
            },
        ),
    },
    "/flags": {
        "post": operation(
            "createFlag",
            "Report a problem or comment to the moderators (once)",
            "moderation",
            body="FlagCreate",
            responses={**ok("Flag", "Reported.", status="201"), **errors(401, 403, 404, 409, 413, 422)},
        ),
    },
}

ERROR_HEADERS = {
    "401": {"WWW-Authenticate": {"description": "`Bearer`.", "schema": STRING}},
    "429": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}
RESPONSES = {
    code: {
        "description": text,
        "content": {"application/json": {"schema": ref("Error")}},
        **({"headers": ERROR_HEADERS[code]} if code in ERROR_HEADERS else {}),
    }
    for code, text in ERRORS.items()
}

DESCRIPTION = """\
The CivicBoard JSON API.

- **Authentication**: `Authorization: Bearer <token>` (tokens from `flask users token EMAIL` or
  the account page). Reads work without one; writes need one (or a logged-in session with its
  CSRF token).
- **Lists** return `{"items": [...], "total": N, "next": <url or null>}` and a `Link` header.
- **Errors** return `{"error": {"status", "code", "message", "fields"}}`.
- **Times** are ISO 8601 in UTC with `Z`.
- Unknown fields in a request body are ignored.
"""


def openapi_document() -> dict[str, Any]:
    """The whole document (a fresh copy: callers may change it)."""
    return deepcopy(
        {
            "openapi": "3.1.0",
            "info": {"title": "CivicBoard API", "version": "1.0.0", "description": DESCRIPTION},
            "servers": [{"url": "/api/v1"}],
            "tags": [
                {"name": name}
                for name in ("meta", "problems", "comments", "votes", "staff", "datasets", "challenges", "moderation")
            ],
            "paths": PATHS,
            "components": {
                "schemas": SCHEMAS,
                "responses": RESPONSES,
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal API token (`flask users token EMAIL`).",
                    }
                },
            },
        }
    )
