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

`data_version` holds one counter per table a cache is keyed on; a statement-level trigger bumps the row
`site` after every INSERT, UPDATE, DELETE or TRUNCATE of `site`, in the writing transaction (a reader sees
the new version exactly when it sees the new rows). A tile's ETag is that version: a counter survives
deletes and changes made within the same timestamp, where max(updated_at) would not.

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
CREATE TABLE data_version (
  name text PRIMARY KEY,
  version bigint NOT NULL DEFAULT 0,
  CONSTRAINT version_nonneg CHECK (version >= 0)
);
INSERT INTO data_version (name, version) VALUES ('site', 1);

CREATE FUNCTION data_version_bump() RETURNS trigger AS $$
BEGIN
  UPDATE data_version SET version = version + 1 WHERE name = TG_TABLE_NAME;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER site_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site
  FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
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
    op.execute("DROP TRIGGER IF EXISTS site_data_version ON site")
    op.execute("DROP FUNCTION IF EXISTS data_version_bump()")
    op.execute("DROP TABLE IF EXISTS data_version")
    op.execute("DROP INDEX IF EXISTS idx_site_point_3857")
    op.execute("DROP INDEX IF EXISTS idx_site_geom_3857")
    op.execute("ALTER TABLE site DROP COLUMN IF EXISTS point_3857, DROP COLUMN IF EXISTS geom_3857")
