"""neighbourhood follows: area alerts for new problems placed inside a neighbourhood; its page's index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TWO_AREAS = "(dataset_id IS NULL) <> (category_id IS NULL)"
THREE_AREAS = (
    "(CASE WHEN dataset_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN category_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN neighbourhood_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade():
    with op.batch_alter_table("area_follows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("neighbourhood_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_area_follows_exactly_one_area"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_area_follows_exactly_one_area"), sa.text(THREE_AREAS))
        batch_op.create_foreign_key(
            batch_op.f("fk_area_follows_neighbourhood_id_neighbourhoods"),
            "neighbourhoods",
            ["neighbourhood_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint("uq_area_follows_user_neighbourhood", ["user_id", "neighbourhood_id"])
        batch_op.create_index("ix_area_follows_neighbourhood_id", ["neighbourhood_id"], unique=False)
    # A neighbourhood's page lists the newest problems placed inside it.
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.create_index("ix_problems_neighbourhood_id", ["neighbourhood_id", "created_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.drop_index("ix_problems_neighbourhood_id")
    op.execute("DELETE FROM area_follows WHERE neighbourhood_id IS NOT NULL")
    with op.batch_alter_table("area_follows", schema=None) as batch_op:
        batch_op.drop_index("ix_area_follows_neighbourhood_id")
        batch_op.drop_constraint("uq_area_follows_user_neighbourhood", type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_area_follows_neighbourhood_id_neighbourhoods"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_area_follows_exactly_one_area"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_area_follows_exactly_one_area"), sa.text(TWO_AREAS))
        batch_op.drop_column("neighbourhood_id")
