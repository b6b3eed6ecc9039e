"""Logistics distances as columns of the site; node references checked per statement, not per row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:20:00

A 100k-site file wrote 400 000 `site_logistics` rows, each with two row-level foreign-key checks, and the
matching trigger then pivoted them back into `site_match` (issue 12's profile: 11.7 s of a 41 s load, the
foreign keys alone about 7 s). The four distances now live on the site:

- `{kind}_node_id`, `{kind}_distance_km`, `{kind}_precision_km` for the four kinds, with a check that the
  three are set together and the distance is not negative; `logistics_method`, `logistics_computed_at`.
- `site_logistics` is a view over them, one row per kind as before, so every reader keeps its query.
- The node ids are checked by statement-level triggers with transition tables, one set-based statement
  per write statement whatever the path (file, form, API): the distinct ids of the statement's rows are
  locked `FOR KEY SHARE` in `logistics_node` (what a foreign key's check does, row by row) and a missing one
  raises `foreign_key_violation`. On the other side, deleting, renumbering or truncating a node a site
  still names raises the same error. A row-level foreign key per column would cost 400 000 checks per
  100k-site load (about 3.5 s measured); this costs one hash join.
- `site_match` takes the distances from the site row in its existing insert and update triggers, so its
  triggers on `site_logistics` go.
- The history triggers leave the logistics columns out of the row they keep (derived values, as the
  derived geometries of 0009), so a change of reference data never reads as a kommune's edit.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KINDS = ("motorway_junction", "rail_terminal", "port", "airport")
NODE_COLUMNS = tuple(f"{k}_node_id" for k in KINDS)
LOGISTICS_COLUMNS = (
    *(f"{k}_{part}" for k in KINDS for part in ("node_id", "distance_km", "precision_km")),
    "logistics_method",
    "logistics_computed_at",
)

ADD_COLUMNS = "ALTER TABLE site " + ", ".join(
    [
        *(
            f"ADD COLUMN {k}_node_id integer, ADD COLUMN {k}_distance_km double precision, "
            f"ADD COLUMN {k}_precision_km double precision, "
            f"ADD CONSTRAINT {k}_complete CHECK (num_nulls({k}_node_id, {k}_distance_km, {k}_precision_km) "
            f"IN (0, 3) AND ({k}_distance_km IS NULL OR {k}_distance_km >= 0))"
            for k in KINDS
        ),
        "ADD COLUMN logistics_method text",
        "ADD COLUMN logistics_computed_at timestamp with time zone",
    ]
)

_PIVOT = ", ".join(
    f"max(node_id) FILTER (WHERE kind = '{k}') AS {k}_node_id, "
    f"max(distance_km) FILTER (WHERE kind = '{k}') AS {k}_distance_km, "
    f"max(precision_km) FILTER (WHERE kind = '{k}') AS {k}_precision_km"
    for k in KINDS
)
BACKFILL = f"""
UPDATE site s SET {", ".join(f"{c} = p.{c}" for c in LOGISTICS_COLUMNS)}
FROM (SELECT site_id, {_PIVOT}, max(method) AS logistics_method, max(computed_at) AS logistics_computed_at
      FROM site_logistics GROUP BY site_id) p
WHERE s.id = p.site_id
"""

VIEW = (
    "CREATE VIEW site_logistics AS\nSELECT s.id AS site_id, v.kind, v.node_id, v.distance_km, v.precision_km,\n"
    + (
        "       s.logistics_method AS method, s.logistics_computed_at AS computed_at\n"
        "FROM site s CROSS JOIN LATERAL (VALUES "
        + ", ".join(f"('{k}', s.{k}_node_id, s.{k}_distance_km, s.{k}_precision_km)" for k in KINDS)
        + ") AS v(kind, node_id, distance_km, precision_km)\nWHERE v.node_id IS NOT NULL"
    )
)

_NEW_IDS = " UNION ".join(f"SELECT {c} FROM new_rows WHERE {c} IS NOT NULL" for c in NODE_COLUMNS)
_USES_GONE = " OR ".join(f"s.{c} = ANY(gone)" for c in NODE_COLUMNS)
NODE_CHECKS = f"""
CREATE FUNCTION site_logistics_nodes_exist() RETURNS trigger AS $$
DECLARE
  wanted integer[];
  missing integer;
BEGIN
  SELECT array_agg(id) INTO wanted FROM ({_NEW_IDS}) AS ids(id);
  IF wanted IS NULL THEN
    RETURN NULL;
  END IF;
  -- Lock what is named, as a foreign key's check does: a node cannot go while this transaction is open.
  PERFORM 1 FROM logistics_node WHERE id = ANY(wanted) FOR KEY SHARE;
  SELECT w INTO missing FROM unnest(wanted) AS w
  WHERE NOT EXISTS (SELECT 1 FROM logistics_node n WHERE n.id = w) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('site names logistics node %s, which does not exist', missing),
      CONSTRAINT = 'site_logistics_node_exists', TABLE = 'site';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION logistics_node_unused() RETURNS trigger AS $$
DECLARE
  gone integer[];
  used integer;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    SELECT s.id INTO used FROM site s WHERE num_nonnulls({", ".join(f"s.{c}" for c in NODE_COLUMNS)}) > 0 LIMIT 1;
  ELSE
    IF TG_OP = 'DELETE' THEN
      SELECT array_agg(id) INTO gone FROM old_rows;
    ELSE  -- renumbered by an update
      SELECT array_agg(id) INTO gone FROM (SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows) g;
    END IF;
    IF gone IS NULL THEN
      RETURN NULL;
    END IF;
    SELECT s.id INTO used FROM site s WHERE {_USES_GONE} LIMIT 1;
  END IF;
  IF used IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('logistics node still named by site %s', used),
      CONSTRAINT = 'site_logistics_node_exists', TABLE = 'logistics_node';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER site_logistics_nodes_ins AFTER INSERT ON site
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION site_logistics_nodes_exist();
CREATE TRIGGER site_logistics_nodes_upd AFTER UPDATE ON site
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION site_logistics_nodes_exist();
CREATE TRIGGER logistics_node_unused_del AFTER DELETE ON logistics_node
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION logistics_node_unused();
CREATE TRIGGER logistics_node_unused_upd AFTER UPDATE ON logistics_node
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION logistics_node_unused();
CREATE TRIGGER logistics_node_unused_trunc BEFORE TRUNCATE ON logistics_node
  FOR EACH STATEMENT EXECUTE FUNCTION logistics_node_unused();
"""
DROP_NODE_CHECKS = """
DROP TRIGGER IF EXISTS site_logistics_nodes_ins ON site;
DROP TRIGGER IF EXISTS site_logistics_nodes_upd ON site;
DROP TRIGGER IF EXISTS logistics_node_unused_del ON logistics_node;
DROP TRIGGER IF EXISTS logistics_node_unused_upd ON logistics_node;
DROP TRIGGER IF EXISTS logistics_node_unused_trunc ON logistics_node;
DROP FUNCTION IF EXISTS site_logistics_nodes_exist();
DROP FUNCTION IF EXISTS logistics_node_unused();
"""

# site_match (0005): the site facts and now the distances, from the site row itself.
MATCH_SITE = (
    "kommune_nr, status, name, is_demo, area_m2, uses, maturity, maturity_verified_at, power_status, "
    "power_mw_now, power_mw_future, power_future_year, power_verified_at, availability, "
    "availability_verified_at, updated_at"
).split(", ")
MATCH_TARGETS = [*MATCH_SITE, *(f"{p}_{k}" for k in KINDS for p in ("km", "prec"))]
MATCH_SOURCES = [
    *(f"n.{c}" for c in MATCH_SITE),
    *(f"n.{k}_{p}" for k in KINDS for p in ("distance_km", "precision_km")),
]
MATCH_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION site_match_on_site_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_match (id, {", ".join(MATCH_TARGETS)}) SELECT n.id, {", ".join(MATCH_SOURCES)} FROM new_rows n;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION site_match_on_site_update() RETURNS trigger AS $$
BEGIN
  UPDATE site_match m SET {", ".join(f"{t} = {s}" for t, s in zip(MATCH_TARGETS, MATCH_SOURCES, strict=True))}
  FROM new_rows n WHERE m.id = n.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
# The same functions as 0005 left them (the distances came from site_logistics' own triggers).
MATCH_FUNCTIONS_0005 = f"""
CREATE OR REPLACE FUNCTION site_match_on_site_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_match (id, {", ".join(MATCH_SITE)}) SELECT n.id, {", ".join(f"n.{c}" for c in MATCH_SITE)} FROM new_rows n;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION site_match_on_site_update() RETURNS trigger AS $$
BEGIN
  UPDATE site_match m SET {", ".join(f"{c} = n.{c}" for c in MATCH_SITE)} FROM new_rows n WHERE m.id = n.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# The history functions as 0009 left them, and the same with the logistics columns left out as well.
DERIVED_0009 = "ARRAY['geom_25833', 'geom_3857', 'point_3857']"
UNCOMPARED_0009 = "ARRAY['updated_at', 'geom_25833', 'geom_3857', 'point_3857']"
HISTORY_0009 = f"""
CREATE OR REPLACE FUNCTION site_history_on_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_after)
  SELECT n.id, 'insert', nullif(current_setting('naering.actor', true), ''), NULL,
         hstore_to_jsonb(hstore(n) - {DERIVED_0009}), n.geom_25833
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
         hstore_to_jsonb(hstore(o) - {DERIVED_0009}),
         hstore_to_jsonb(hstore(n) - {DERIVED_0009}),
         CASE WHEN o.geom_25833 = n.geom_25833 THEN NULL ELSE o.geom_25833 END, n.geom_25833
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE hstore(n) - {UNCOMPARED_0009} <> hstore(o) - {UNCOMPARED_0009}
     OR o.geom_25833 IS DISTINCT FROM n.geom_25833;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION site_history_on_delete() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_before)
  SELECT o.id, 'delete', nullif(current_setting('naering.actor', true), ''),
         hstore_to_jsonb(hstore(o) - {DERIVED_0009}), NULL, o.geom_25833
  FROM old_rows o;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
_LEFT_OUT = ", ".join(f"'{c}'" for c in LOGISTICS_COLUMNS)
HISTORY = HISTORY_0009.replace(
    DERIVED_0009, f"ARRAY['geom_25833', 'geom_3857', 'point_3857', {_LEFT_OUT}]"
).replace(UNCOMPARED_0009, f"ARRAY['updated_at', 'geom_25833', 'geom_3857', 'point_3857', {_LEFT_OUT}]")

# Downgrade: the table and its matching triggers as 0001 and 0005 made them.
TABLE_0001 = """
CREATE TABLE site_logistics (
  site_id integer NOT NULL REFERENCES site(id) ON DELETE CASCADE,
  kind text NOT NULL,
  node_id integer NOT NULL REFERENCES logistics_node(id),
  distance_km double precision NOT NULL,
  precision_km double precision NOT NULL,
  method text NOT NULL,
  computed_at timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY (site_id, kind),
  CONSTRAINT kind_valid CHECK (kind IN ('motorway_junction', 'rail_terminal', 'port', 'airport'))
)
"""
_PIVOT_0005 = ", ".join(
    f"max(distance_km) FILTER (WHERE kind = '{k}') AS km_{k}, max(precision_km) FILTER (WHERE kind = '{k}') AS prec_{k}"
    for k in KINDS
)
_SET_PIVOT_0005 = ", ".join(f"km_{k} = p.km_{k}, prec_{k} = p.prec_{k}" for k in KINDS)


def _repivot_0005(ids_sql: str) -> str:
    nulls = ", ".join(f"km_{k} = NULL, prec_{k} = NULL" for k in KINDS)
    return f"""
  UPDATE site_match m SET {nulls} WHERE m.id IN ({ids_sql});
  UPDATE site_match m SET {_SET_PIVOT_0005}
  FROM (SELECT site_id, {_PIVOT_0005} FROM site_logistics WHERE site_id IN ({ids_sql}) GROUP BY site_id) p
  WHERE m.id = p.site_id;"""


LOGISTICS_TRIGGERS_0005 = f"""
CREATE FUNCTION site_match_on_logistics_new() RETURNS trigger AS $$
BEGIN{_repivot_0005("SELECT site_id FROM new_rows")}
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION site_match_on_logistics_old() RETURNS trigger AS $$
BEGIN{_repivot_0005("SELECT site_id FROM old_rows")}
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER site_match_logistics_ins AFTER INSERT ON site_logistics
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION site_match_on_logistics_new();
CREATE TRIGGER site_match_logistics_upd AFTER UPDATE ON site_logistics
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION site_match_on_logistics_new();
CREATE TRIGGER site_match_logistics_del AFTER DELETE ON site_logistics
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION site_match_on_logistics_old();
"""
DROP_LOGISTICS_TRIGGERS_0005 = """
DROP TRIGGER IF EXISTS site_match_logistics_ins ON site_logistics;
DROP TRIGGER IF EXISTS site_match_logistics_upd ON site_logistics;
DROP TRIGGER IF EXISTS site_match_logistics_del ON site_logistics;
DROP FUNCTION IF EXISTS site_match_on_logistics_new();
DROP FUNCTION IF EXISTS site_match_on_logistics_old();
"""


def upgrade() -> None:
    op.execute(ADD_COLUMNS)
    # Copying the distances over is not an edit: no history row, no data version, site_match already has them.
    op.execute("ALTER TABLE site DISABLE TRIGGER USER")
    op.execute(BACKFILL)
    op.execute("ALTER TABLE site ENABLE TRIGGER USER")
    op.execute(DROP_LOGISTICS_TRIGGERS_0005)
    op.execute("DROP TABLE site_logistics")
    op.execute(VIEW)
    op.execute(NODE_CHECKS)
    op.execute(MATCH_FUNCTIONS)
    op.execute(HISTORY)


def downgrade() -> None:
    op.execute(HISTORY_0009)
    op.execute(MATCH_FUNCTIONS_0005)
    op.execute(DROP_NODE_CHECKS)
    op.execute("DROP VIEW IF EXISTS site_logistics")
    op.execute(TABLE_0001)
    op.execute(
        "INSERT INTO site_logistics (site_id, kind, node_id, distance_km, precision_km, method, computed_at) "
        "SELECT s.id, v.kind, v.node_id, v.km, v.precision, coalesce(s.logistics_method, 'unknown'), "
        "coalesce(s.logistics_computed_at, now()) FROM site s CROSS JOIN LATERAL (VALUES "
        + ", ".join(f"('{k}', s.{k}_node_id, s.{k}_distance_km, s.{k}_precision_km)" for k in KINDS)
        + ") AS v(kind, node_id, km, precision) WHERE v.node_id IS NOT NULL"
    )
    op.execute(LOGISTICS_TRIGGERS_0005)
    op.execute(
        "ALTER TABLE site "
        + ", ".join(f"DROP CONSTRAINT IF EXISTS {k}_complete" for k in KINDS)
        + ", "
        + ", ".join(f"DROP COLUMN IF EXISTS {c}" for c in LOGISTICS_COLUMNS)
    )
