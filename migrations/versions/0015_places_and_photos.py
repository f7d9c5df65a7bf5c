"""places and photos: a problem's point, address and neighbourhood; neighbourhood polygons; photos

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 18:03:55.105333

"""

import sqlalchemy as sa
from alembic import op

from civicboard.problems.fts import install_search

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "neighbourhoods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhoods")),
        sa.UniqueConstraint("name", name=op.f("uq_neighbourhoods_name")),
    )
    with op.batch_alter_table("neighbourhoods", schema=None) as batch_op:
        batch_op.create_index("ix_neighbourhoods_bbox", ["min_lon", "max_lon", "min_lat", "max_lat"], unique=False)

    op.create_table(
        "problem_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumb_width", sa.Integer(), nullable=False),
        sa.Column("thumb_height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_problem_photos_author_id_users")),
        sa.ForeignKeyConstraint(["hidden_by_id"], ["users.id"], name=op.f("fk_problem_photos_hidden_by_id_users")),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problems.id"], name=op.f("fk_problem_photos_problem_id_problems"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_photos")),
        sa.UniqueConstraint("key", name=op.f("uq_problem_photos_key")),
    )
    with op.batch_alter_table("problem_photos", schema=None) as batch_op:
        batch_op.create_index("ix_problem_photos_problem_id", ["problem_id", "position"], unique=False)

    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("neighbourhood_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cover_photo_key", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_problems_location", ["latitude", "longitude"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_problems_neighbourhood_id_neighbourhoods"),
            "neighbourhoods",
            ["neighbourhood_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_problems_location_complete"), "(latitude IS NULL) = (longitude IS NULL)"
        )
    # On SQLite the batch above rebuilds `problems`, which drops the full-text search triggers
    # (see 0003 and 0005): put them back (idempotent; nothing to do on PostgreSQL).
    install_search(op.get_bind())


def downgrade():
    with op.batch_alter_table("problems", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_problems_location_complete"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_problems_neighbourhood_id_neighbourhoods"), type_="foreignkey")
        batch_op.drop_index("ix_problems_location")
        batch_op.drop_column("cover_photo_key")
        batch_op.drop_column("neighbourhood_id")
        batch_op.drop_column("address")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    install_search(op.get_bind())

    with op.batch_alter_table("problem_photos", schema=None) as batch_op:
        batch_op.drop_index("ix_problem_photos_problem_id")

    op.drop_table("problem_photos")
    with op.batch_alter_table("neighbourhoods", schema=None) as batch_op:
        batch_op.drop_index("ix_neighbourhoods_bbox")

    op.drop_table("neighbourhoods")
