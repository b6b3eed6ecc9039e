"""Search indexes: full text over names and descriptions, and the default order of published sites

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 01:10:00

The search (registry/store/sites.py) reads `q` through the same expression as ix_site_fulltext (the
`norwegian` text search configuration over name, description_no and description_en), so the index serves
it. ix_site_published_order lets a page in the default order (kommune, name, id) of many matching sites
be read from the index, stopping at the page's end instead of sorting every match.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FULLTEXT = (
    "to_tsvector('norwegian', coalesce(name, '') || ' ' || coalesce(description_no, '') || ' ' "
    "|| coalesce(description_en, ''))"
)


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_site_fulltext ON site USING gin (({FULLTEXT}))")
    op.execute(
        "CREATE INDEX ix_site_published_order ON site (kommune_nr, name, id) WHERE status = 'published'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_site_published_order")
    op.execute("DROP INDEX IF EXISTS ix_site_fulltext")
