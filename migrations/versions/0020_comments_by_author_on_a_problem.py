"""comments by one author on one problem: an index, so "has this reader commented here?" is a lookup

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    # A problem page kept for readers of one kind (civicboard.skeletons) asks, for each reader,
    # whether they wrote any of its comments: in a thread of 20,000 comments, the problem's
    # own index would walk them all.
    op.create_index("ix_comments_problem_author", "comments", ["problem_id", "author_id"])


def downgrade():
    op.drop_index("ix_comments_problem_author", table_name="comments")
