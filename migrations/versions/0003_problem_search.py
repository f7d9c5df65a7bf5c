"""problem search: FTS5 table and triggers on SQLite, a generated tsvector with a GIN index on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:40:00.000000

"""
from alembic import op

from civicboard.problems.fts import install_search, uninstall_search


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Dialect-specific DDL (see civicboard/problems/fts.py); other databases get nothing.
    install_search(op.get_bind())


def downgrade():
    uninstall_search(op.get_bind())
