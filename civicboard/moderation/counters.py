"""The moderation counters checked by `flask counters check`: reports per problem and comment.

`flag_count` counts every report an item ever got (open or reviewed); moderation.services
raises it with each new flag.
"""

from __future__ import annotations

from civicboard.moderation.models import Flag
from civicboard.problems.counters import StoredCounter, count_rows
from civicboard.problems.models import Comment, Problem

FLAG_COUNTERS = [
    StoredCounter(
        Problem, "flag_count", lambda: count_rows(Flag, Flag.target_type == "problem", Flag.target_id == Problem.id)
    ),
    StoredCounter(
        Comment, "flag_count", lambda: count_rows(Flag, Flag.target_type == "comment", Flag.target_id == Comment.id)
    ),
]
