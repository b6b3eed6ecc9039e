"""An insert's history row keeps who and when; its values are read from the row that follows it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:40:00

The insert trigger copied the whole new row into `site_history` as JSON (1.7 kB) and its outline beside
it: a 100k-site file wrote 200 MB of history, the largest single cost of the load after the indexes
(issue 12: about 6 s). Those values are never lost by writing them later: until the site is next changed
they are the site's own row, and the change that follows keeps them as its `before` (the update trigger
writes the whole row before and after, and the outline before whenever it changes). So an insert's
row now holds the site, the action, who and when, and nothing else, and the view `site_history_rows`
gives every row with its values filled in:

- an insert's `after`: the `before` of the site's next history row, or else the site as it is now;
- an insert's `geom_after`: the `geom_before` of the next row that changed the outline, or else the
  site's outline now.

Insert rows written before this migration keep their values and are read as stored. The JSON of a row is
built by one function, `site_history_row(site)`, used by the triggers and the view alike; it leaves out
the outline (kept as geometry) and the derived columns (0009, 0010).
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LEFT_OUT = (
    "geom_25833",
    "geom_3857",
    "point_3857",
    *(
        f"{k}_{part}"
        for k in ("motorway_junction", "rail_terminal", "port", "airport")
        for part in ("node_id", "distance_km", "precision_km")
    ),
    "logistics_method",
    "logistics_computed_at",
)
_LEFT_OUT = "ARRAY[" + ", ".join(f"'{c}'" for c in LEFT_OUT) + "]"
_UNCOMPARED = "ARRAY['updated_at', " + ", ".join(f"'{c}'" for c in LEFT_OUT) + "]"

FUNCTIONS = f"""
CREATE FUNCTION site_history_row(s site) RETURNS jsonb AS $$
  SELECT hstore_to_jsonb(hstore(s) - {_LEFT_OUT})
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION site_history_on_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by)
  SELECT n.id, 'insert', nullif(current_setting('naering.actor', true), '') FROM new_rows n;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION site_history_on_update() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_before, geom_after)
  SELECT n.id,
         CASE WHEN n.status = 'archived' AND o.status <> 'archived' THEN 'archive' ELSE 'update' END,
         nullif(current_setting('naering.actor', true), ''),
         site_history_row(o), site_history_row(n),
         CASE WHEN o.geom_25833 = n.geom_25833 THEN NULL ELSE o.geom_25833 END, n.geom_25833
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE hstore(n) - {_UNCOMPARED} <> hstore(o) - {_UNCOMPARED}
     OR o.geom_25833 IS DISTINCT FROM n.geom_25833;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION site_history_on_delete() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_before)
  SELECT o.id, 'delete', nullif(current_setting('naering.actor', true), ''),
         site_history_row(o), NULL, o.geom_25833
  FROM old_rows o;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE VIEW site_history_rows AS
SELECT h.id, h.site_id, h.action, h.changed_at, h.changed_by, h.before,
       CASE WHEN h.action = 'insert' AND h.after IS NULL THEN coalesce(
         (SELECT n.before FROM site_history n
          WHERE n.site_id = h.site_id AND n.id > h.id AND n.before IS NOT NULL ORDER BY n.id LIMIT 1),
         (SELECT site_history_row(s) FROM site s WHERE s.id = h.site_id))
       ELSE h.after END AS after,
       h.geom_before,
       CASE WHEN h.action = 'insert' AND h.geom_after IS NULL THEN coalesce(
         (SELECT n.geom_before FROM site_history n
          WHERE n.site_id = h.site_id AND n.id > h.id AND n.geom_before IS NOT NULL ORDER BY n.id LIMIT 1),
         (SELECT s.geom_25833 FROM site s WHERE s.id = h.site_id))
       ELSE h.geom_after END AS geom_after
FROM site_history h;
"""


# Downgrade: the triggers as 0010 left them (each row's JSON built inline, an insert's values copied).
_TRIGGERS = FUNCTIONS[
    FUNCTIONS.index("CREATE OR REPLACE FUNCTION site_history_on_update()") : FUNCTIONS.index(
        "CREATE VIEW site_history_rows"
    )
]
HISTORY_0010 = f"""
CREATE OR REPLACE FUNCTION site_history_on_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_after)
  SELECT n.id, 'insert', nullif(current_setting('naering.actor', true), ''), NULL,
         hstore_to_jsonb(hstore(n) - {_LEFT_OUT}), n.geom_25833
  FROM new_rows n;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" + _TRIGGERS.replace("site_history_row(o)", f"hstore_to_jsonb(hstore(o) - {_LEFT_OUT})").replace(
    "site_history_row(n)", f"hstore_to_jsonb(hstore(n) - {_LEFT_OUT})"
)


def upgrade() -> None:
    op.execute(FUNCTIONS)


def downgrade() -> None:
    # Give the narrow insert rows their values back, then the triggers of 0010.
    op.execute(
        "UPDATE site_history h SET after = v.after, geom_after = v.geom_after FROM site_history_rows v "
        "WHERE v.id = h.id AND h.action = 'insert' AND h.after IS NULL"
    )
    op.execute("DROP VIEW IF EXISTS site_history_rows")
    op.execute(HISTORY_0010)
    op.execute("DROP FUNCTION IF EXISTS site_history_row(site)")
