"""Challenge actions: each takes the acting user, checks permission, validates, writes, and
never commits. Three modules, re-exported here so `services.<action>` keeps working:

- challenges: create, edit, publish/close, follow (and the slug, time and contact cleaners);
- curation: a challenge's curated problems and extra datasets;
- projects: submissions, their teams (invitations by email, see invitations), awards.
"""

from __future__ import annotations

from civicboard.challenges.services import invitations
from civicboard.challenges.services.challenges import (
    GENERATED_SLUG_LENGTH,
    MAX_SLUG_LENGTH,
    RESERVED_SLUGS,
    SLUG_PATTERN,
    change_status,
    clean_contact,
    clean_slug,
    clean_timezone,
    close_challenge,
    create_challenge,
    follow_challenge,
    parse_when,
    publish_challenge,
    slugify,
    timezone_names,
    unfollow_challenge,
    unique_slug,
    update_challenge,
)
from civicboard.challenges.services.common import UNSET, URL_SCHEMES, clean_url
from civicboard.challenges.services.curation import (
    add_dataset,
    add_problem,
    add_problems,
    move_problem,
    remove_dataset,
    remove_problem,
    set_problem_note,
)
from civicboard.challenges.services.projects import (
    MAX_TEAM_MEMBERS,
    ensure_can_edit_project,
    ensure_can_submit,
    set_project_award,
    set_project_featured,
    submit_project,
    update_project,
)

__all__ = [
    "GENERATED_SLUG_LENGTH",
    "MAX_SLUG_LENGTH",
    "MAX_TEAM_MEMBERS",
    "RESERVED_SLUGS",
    "SLUG_PATTERN",
    "UNSET",
    "URL_SCHEMES",
    "add_dataset",
    "add_problem",
    "add_problems",
    "change_status",
    "clean_contact",
    "clean_slug",
    "clean_timezone",
    "clean_url",
    "close_challenge",
    "create_challenge",
    "ensure_can_edit_project",
    "ensure_can_submit",
    "follow_challenge",
    "invitations",
    "move_problem",
    "parse_when",
    "publish_challenge",
    "remove_dataset",
    "remove_problem",
    "set_problem_note",
    "set_project_award",
    "set_project_featured",
    "slugify",
    "submit_project",
    "timezone_names",
    "unfollow_challenge",
    "unique_slug",
    "update_challenge",
    "update_project",
]
