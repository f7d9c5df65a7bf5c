"""import runs: status (queued/running/succeeded/failed), who asked, when queued; started_at empty while queued

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="succeeded"))
        batch_op.add_column(sa.Column("requested_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_import_runs_requested_by_id_users"),
            "users",
            ["requested_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_import_runs_status", ["status"], unique=False)
    # Runs written before this revision ran as soon as they were asked for.
    op.execute("UPDATE import_runs SET queued_at = started_at")
    op.execute("UPDATE import_runs SET status = 'failed' WHERE error IS NOT NULL")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.alter_column("queued_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("started_at", existing_type=sa.DateTime(), nullable=True)


def downgrade():
    op.execute("UPDATE import_runs SET started_at = queued_at WHERE started_at IS NULL")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.alter_column("started_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_index("ix_import_runs_status")
        batch_op.drop_constraint(batch_op.f("fk_import_runs_requested_by_id_users"), type_="foreignkey")
        batch_op.drop_column("queued_at")
        batch_op.drop_column("requested_by_id")
        batch_op.drop_column("status")
