"""The words a search by `q` reads, stored: `site.search_tsv`, generated, with the full-text GIN index on it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:40:00

The search's default order walks `ix_site_published_order` and stops when a page is full. With a word
(`q`) it tested each row it passed with `to_tsvector(…) @@ query`, parsing the row's text every time: for
a word whose matches sort late that was 82 000 parses and 2–4 s at 100k sites, and under the load test the
main consumer of the database's CPU (bench/README.md, "Load test"). The text is now parsed once, when a row
is written (as the expression index already did), and kept in a generated column; the test in the walk is
then a look-up in the stored vector, and the GIN index is on the column. The history leaves it out of
its JSON, as it does the other derived columns (0009–0011).
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TEXT = (
    "to_tsvector('norwegian', coalesce(name, '') || ' ' || coalesce(description_no, '') || ' ' "
    "|| coalesce(description_en, ''))"
)
# site_history_row as 0011 made it, and with the new column left out of the JSON too.
_LEFT_OUT_0011 = (
    "ARRAY['geom_25833', 'geom_3857', 'point_3857', "
    + ", ".join(
        f"'{k}_{part}'"
        for k in ("motorway_junction", "rail_terminal", "port", "airport")
        for part in ("node_id", "distance_km", "precision_km")
    )
    + ", 'logistics_method', 'logistics_computed_at']"
)
_ROW = """
CREATE OR REPLACE FUNCTION site_history_row(s site) RETURNS jsonb AS $$
  SELECT hstore_to_jsonb(hstore(s) - {left_out})
$$ LANGUAGE sql STABLE;
"""


def upgrade() -> None:
    op.execute(f"ALTER TABLE site ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({TEXT}) STORED")
    op.execute("DROP INDEX IF EXISTS ix_site_fulltext")
    op.execute("CREATE INDEX ix_site_fulltext ON site USING gin (search_tsv)")
    op.execute(_ROW.format(left_out=_LEFT_OUT_0011.replace("]", ", 'search_tsv']")))


def downgrade() -> None:
    op.execute(_ROW.format(left_out=_LEFT_OUT_0011))
    op.execute("DROP INDEX IF EXISTS ix_site_fulltext")
    op.execute("ALTER TABLE site DROP COLUMN IF EXISTS search_tsv")
    op.execute(f"CREATE INDEX ix_site_fulltext ON site USING gin (({TEXT}))")
