"""content language: the language the author of a problem, comment or official response wrote it in

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 11:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = ("problems", "comments", "responses")


def upgrade():
    # Nullable, no default: what was written before was never labelled (NULL, not stated).
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("language", sa.String(length=35), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
