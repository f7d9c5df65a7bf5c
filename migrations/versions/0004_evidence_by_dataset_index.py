"""evidence by dataset: index (dataset_id, created_at, id) so a dataset page reads its newest evidence without a sort

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 11:00:00

"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_dataset_id")
        batch_op.create_index("ix_evidence_dataset_id", ["dataset_id", "created_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_dataset_id")
        batch_op.create_index("ix_evidence_dataset_id", ["dataset_id"], unique=False)
