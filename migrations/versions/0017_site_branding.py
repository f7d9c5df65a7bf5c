"""site branding: the names, logo, accent colour, favicon, introduction and description an admin sets

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 18:39:32.693461

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_branding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_name", sa.String(length=60), nullable=False),
        sa.Column("city_name", sa.String(length=80), nullable=False),
        sa.Column("accent_colour", sa.String(length=7), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("intro_html", sa.Text(), nullable=False),
        sa.Column("meta_description", sa.String(length=300), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=40), nullable=False),
        sa.Column("favicon", sa.LargeBinary(), nullable=True),
        sa.Column("favicon_type", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_site_branding_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_branding")),
    )


def downgrade():
    op.drop_table("site_branding")
