"""The reader's own parts of problem pages shared by readers of the same kind (civicboard.skeletons).

A board, search or problem page kept as a skeleton leaves each vote button as a hole
(problems/_macros.html, vote_button) with the row's plain values, and a problem page its
follow button; these fill a page's holes with one query for the reader's votes among them
(and one for their follows). A button is kept as a fragment per value
it shows (the CSRF token in it stays a marker until the page is filled).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import get_template_attribute
from flask_login import current_user
from markupsafe import Markup

from civicboard import skeletons
from civicboard.fragments import fragment
from civicboard.problems.models import may_vote
from civicboard.problems.queries import followed_among, has_own_hidden_problems, voted_among


@dataclass(frozen=True)
class VoteTarget:
    """What a vote button shows of a problem: vote_form reads these and nothing else."""

    id: int
    vote_count: int
    title: str
    takes_votes: bool

    def can_vote(self, user) -> bool:
        return may_vote(user, self.takes_votes)


@skeletons.filler("vote")
def vote_buttons(holes: Sequence[tuple]) -> list[Markup]:
    """('vote', problem id, vote count, title, takes votes, next): the reader's vote buttons."""
    reader = current_user._get_current_object()
    voted = voted_among(reader, [args[0] for args in holes])
    vote_form = get_template_attribute("problems/_macros.html", "vote_form")
    signed_in = reader.is_authenticated
    buttons = []
    for problem_id, vote_count, title, takes_votes, next_url in holes:
        on = problem_id in voted
        key = (
            "vote-form",
            problem_id,
            vote_count,
            title,
            takes_votes,
            signed_in,
            may_vote(reader, takes_votes),
            on,
            next_url,
        )
        target = VoteTarget(problem_id, vote_count, title, takes_votes)
        buttons.append(fragment(key, vote_form, target, on, next_url))
    return buttons


@skeletons.filler("follow")
def follow_forms(holes: Sequence[tuple]) -> list[Markup]:
    """('follow', problem id): the reader's follow button for that problem."""
    following = followed_among(current_user._get_current_object(), [args[0] for args in holes])
    follow_form = get_template_attribute("problems/_macros.html", "follow_form")
    return [
        fragment(("follow-form", problem_id, problem_id in following), follow_form, problem_id, problem_id in following)
        for (problem_id,) in holes
    ]


# A non-moderator sees their own hidden problems on the board and in search, nobody else does.
skeletons.personal(has_own_hidden_problems)
