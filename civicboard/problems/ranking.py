"""The hot score: stored on each problem and updated with each vote and comment.

hot = log10(max(1, votes + comments / 2)) + (created - EPOCH) / TEN_X_SECONDS

A "growing" formula (the one Reddit made familiar): newer problems start higher, and a
problem posted TEN_X_SECONDS (two days) earlier needs ten times the activity to rank level
with it. Because the time term depends only on the creation time, the score never has to be
recomputed as time passes; it changes only when votes or comments do, in the same
transaction, and the list is an index scan on (hot, id).
"""

from __future__ import annotations

import math
from datetime import datetime

EPOCH = datetime(2020, 1, 1)
TEN_X_SECONDS = 2 * 24 * 3600


def hot_score(vote_count: int, comment_count: int, created_at: datetime) -> float:
    """The stored ranking value for a problem (naive UTC created_at)."""
    activity = max(1.0, vote_count + comment_count / 2)
    age_term = (created_at - EPOCH).total_seconds() / TEN_X_SECONDS
    return round(math.log10(activity) + age_term, 7)
