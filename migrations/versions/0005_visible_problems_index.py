"""visible problems: index (status, category_id, hidden_at), so list totals count an index, not the table

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 11:15:00

"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain create/drop index, not batch mode: a batch rebuild of `problems` on SQLite would drop
# the full-text search triggers (see 0003).
def upgrade():
    op.create_index("ix_problems_visible", "problems", ["status", "category_id", "hidden_at"], unique=False)


def downgrade():
    op.drop_index("ix_problems_visible", table_name="problems")
