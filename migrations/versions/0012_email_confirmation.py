"""users: email_confirmed_at and confirmation_sent_at; every existing account counts as confirmed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("confirmation_sent_at", sa.DateTime(), nullable=True))
    # Accounts made before confirmation existed keep what they could do: they count as confirmed.
    op.execute("UPDATE users SET email_confirmed_at = created_at WHERE email_confirmed_at IS NULL")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("confirmation_sent_at")
        batch_op.drop_column("email_confirmed_at")
