"""categories: default datasets, which reports from other apps (Open311) in the category are tied to

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:37:05

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category_datasets",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_datasets_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_category_datasets_dataset_id_datasets")),
        sa.PrimaryKeyConstraint("category_id", "dataset_id", name=op.f("pk_category_datasets")),
    )


def downgrade():
    op.drop_table("category_datasets")
