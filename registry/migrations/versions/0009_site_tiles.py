"""Vector tiles of sites: a stored EPSG:3857 outline and point, indexed, and a data version of `site`

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 01:00:00

`/tiles/sites/{z}/{x}/{y}.pbf` (registry/store/tiles.py) clips sites to a tile in web-mercator metres.
Transforming every outline per request would cost more than the tile itself, so the site keeps two
generated (persisted) columns, kept in step with `geom_25833` by PostgreSQL itself:

- `geom_3857`: the outline in EPSG:3857 (the detail tiles, zoom 10 and up);
- `point_3857`: a point on the outline's surface in EPSG:3857 (the aggregated tiles below zoom 10),

each with a GiST index the tile's envelope (`&&`) uses.

`data_change` holds one row per table and writing transaction: a statement-level trigger notes `site`
after every INSERT, UPDATE, DELETE or TRUNCATE of `site`, in the writing transaction. A tile's ETag is the
number of those rows: a reader counts exactly the writes its snapshot sees (so the version changes exactly
when the rows it names do), it survives deletes and changes made within the same timestamp (where
max(updated_at) would not), and rows of different transactions never conflict. A single counter row would
make every writer wait for the one before it to commit, and could deadlock a kommune's file load against an
edit of one of its sites (each holding the lock the other needs).

The history triggers (0001, 0008) keep the row as JSON minus its outline; the two derived geometries are
left out of it as well (the outline is kept beside it as geometry already).
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The history functions as migration 0008 left them.
HISTORY_0008 = """
CREATE OR REPLACE FUNCTION site_history_on_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_after)
  SELECT n.id, 'insert', nullif(current_setting('naering.actor', true), ''), NULL,
         hstore_to_jsonb(hstore(n) - 'geom_25833'::text), n.geom_25833
  FROM new_rows n;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION site_history_on_update() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_before, geom_after)
  SELECT n.id,
         CASE WHEN n.status = 'archived' AND o.status <> 'archived' THEN 'archive' ELSE 'update' END,
         nullif(current_setting('naering.actor', true), ''),
         hstore_to_jsonb(hstore(o) - 'geom_25833'::text),
         hstore_to_jsonb(hstore(n) - 'geom_25833'::text),
         CASE WHEN o.geom_25833 = n.geom_25833 THEN NULL ELSE o.geom_25833 END, n.geom_25833
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE hstore(n) - ARRAY['updated_at', 'geom_25833'] <> hstore(o) - ARRAY['updated_at', 'geom_25833']
     OR o.geom_25833 IS DISTINCT FROM n.geom_25833;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION site_history_on_delete() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_before)
  SELECT o.id, 'delete', nullif(current_setting('naering.actor', true), ''),
         hstore_to_jsonb(hstore(o) - 'geom_25833'::text), NULL, o.geom_25833
  FROM old_rows o;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# The same functions, the derived geometries left out of the JSON row too.
GEOMETRIES = "ARRAY['geom_25833', 'geom_3857', 'point_3857']"
HISTORY = HISTORY_0008.replace("'geom_25833'::text", GEOMETRIES).replace(
    "ARRAY['updated_at', 'geom_25833']", "ARRAY['updated_at', 'geom_25833', 'geom_3857', 'point_3857']"
)

VERSION = """
CREATE TABLE data_change (
  name text NOT NULL,
  txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  PRIMARY KEY (name, txid)
);

CREATE FUNCTION data_change_note() RETURNS trigger AS $$
BEGIN
  INSERT INTO data_change (name) VALUES (TG_TABLE_NAME) ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER site_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site
  FOR EACH STATEMENT EXECUTE FUNCTION data_change_note();
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE site "
        "ADD COLUMN geom_3857 geometry(MULTIPOLYGON, 3857) "
        "GENERATED ALWAYS AS (ST_Transform(geom_25833, 3857)) STORED, "
        "ADD COLUMN point_3857 geometry(POINT, 3857) "
        "GENERATED ALWAYS AS (ST_Transform(ST_PointOnSurface(geom_25833), 3857)) STORED"
    )
    op.execute("CREATE INDEX idx_site_geom_3857 ON site USING gist (geom_3857)")
    op.execute("CREATE INDEX idx_site_point_3857 ON site USING gist (point_3857)")
    op.execute(VERSION)
    op.execute(HISTORY)


def downgrade() -> None:
    op.execute(HISTORY_0008)
    op.execute("DROP TRIGGER IF EXISTS site_data_change ON site")
    op.execute("DROP FUNCTION IF EXISTS data_change_note()")
    op.execute("DROP TABLE IF EXISTS data_change")
    op.execute("DROP INDEX IF EXISTS idx_site_point_3857")
    op.execute("DROP INDEX IF EXISTS idx_site_geom_3857")
    op.execute("ALTER TABLE site DROP COLUMN IF EXISTS point_3857, DROP COLUMN IF EXISTS geom_3857")
