"""The site's references are checked once per statement, not once per row

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:15:00

A foreign key checks each inserted row on its own: a 100k-site file made 300 000 look-ups of the same
kommune, the same submission and a few hundred substations (2.7 s, measured with EXPLAIN ANALYZE), and
another 100 000 of `site_match` against `site`. The same guarantee is kept per statement, whatever the
path (file, form, API), with the statement's transition tables:

- after an INSERT or UPDATE of `site`, the distinct kommune numbers, substations, submissions and
  logistics nodes the statement's rows name are locked `FOR KEY SHARE` (as a foreign key's check does,
  so none can go while the writer is open) and any that does not exist raises `foreign_key_violation`
  under the old constraint's name;
- deleting, renumbering or truncating a kommune, substation, submission or logistics node a site still
  names raises the same error (what `NO ACTION` did); the truncate check runs after the statement, so
  truncating `site` in the same statement is allowed, as with a foreign key;
- `site_match` (kept by the site's triggers, 0005) loses its foreign key to `site`; a deleted site's
  matching row goes with it by the site's delete trigger, and truncating `site` empties it, as the
  cascade did.

`site_logistics_nodes_exist` and `logistics_node_unused` (0010) become the general `site_references_exist`
and `site_reference_unused`.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NODES = tuple(f"{k}_node_id" for k in ("motorway_junction", "rail_terminal", "port", "airport"))
# referenced table, its key, the site columns naming it, the constraint name errors carry
REFERENCES = (
    ("kommune", "nr", ("kommune_nr",), "site_kommune_nr_fkey"),
    ("substation", "id", ("nearest_substation_id",), "site_nearest_substation_id_fkey"),
    ("submission", "id", ("submission_id",), "site_submission_id_fkey"),
    ("logistics_node", "id", NODES, "site_logistics_node_exists"),
)


def _named(columns: tuple[str, ...]) -> str:
    """The distinct values the statement's new rows name in `columns`, as text."""
    named = " UNION ALL ".join(f"SELECT {c} FROM new_rows WHERE {c} IS NOT NULL" for c in columns)
    return f"SELECT v::text FROM (SELECT DISTINCT v FROM ({named}) AS u(v)) AS d(v)"


_CHECKS = "\n".join(
    f"  PERFORM site_reference_assert('{table}', '{key}', "
    f"ARRAY({_named(columns)}), '{name}');"
    for table, key, columns, name in REFERENCES
)

UP = f"""
ALTER TABLE site DROP CONSTRAINT site_kommune_nr_fkey, DROP CONSTRAINT site_nearest_substation_id_fkey,
  DROP CONSTRAINT site_submission_id_fkey;
ALTER TABLE site_match DROP CONSTRAINT site_match_id_fkey;

DROP TRIGGER site_logistics_nodes_ins ON site;
DROP TRIGGER site_logistics_nodes_upd ON site;
DROP TRIGGER logistics_node_unused_del ON logistics_node;
DROP TRIGGER logistics_node_unused_upd ON logistics_node;
DROP TRIGGER logistics_node_unused_trunc ON logistics_node;
DROP FUNCTION site_logistics_nodes_exist();
DROP FUNCTION logistics_node_unused();

-- Lock the rows of `tbl` whose `key` (as text) is in `wanted`, FOR KEY SHARE; raise if one is missing.
CREATE FUNCTION site_reference_assert(tbl regclass, key text, wanted text[], name text) RETURNS void AS $$
DECLARE
  missing text;
BEGIN
  IF cardinality(wanted) = 0 THEN
    RETURN;
  END IF;
  EXECUTE format('SELECT 1 FROM %s WHERE %I::text = ANY($1) FOR KEY SHARE', tbl, key) USING wanted;
  EXECUTE format('SELECT w FROM unnest($1) AS w WHERE NOT EXISTS '
                 '(SELECT 1 FROM %s t WHERE t.%I::text = w) LIMIT 1', tbl, key)
    INTO missing USING wanted;
  IF missing IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('site names %s %s, which does not exist', tbl, missing),
      CONSTRAINT = name, TABLE = 'site';
  END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION site_references_exist() RETURNS trigger AS $$
BEGIN
{_CHECKS}
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- On a referenced table: TG_ARGV[0] is its key, the rest the site columns that name it.
CREATE FUNCTION site_reference_unused() RETURNS trigger AS $$
DECLARE
  key text := TG_ARGV[0];
  named text;
  gone text[];
  used integer;
BEGIN
  SELECT string_agg(format('s.%I::text = ANY($1)', c), ' OR ') INTO named FROM unnest(TG_ARGV[1:]) AS c;
  IF TG_OP = 'TRUNCATE' THEN
    EXECUTE 'SELECT s.id FROM site s WHERE ' || replace(named, '::text = ANY($1)', ' IS NOT NULL') || ' LIMIT 1'
      INTO used;
  ELSE
    IF TG_OP = 'DELETE' THEN
      EXECUTE format('SELECT array_agg(%I::text) FROM old_rows', key) INTO gone;
    ELSE  -- renumbered by an update
      EXECUTE format('SELECT array_agg(k) FROM (SELECT %1$I::text FROM old_rows '
                     'EXCEPT SELECT %1$I::text FROM new_rows) AS g(k)', key) INTO gone;
    END IF;
    IF gone IS NULL THEN
      RETURN NULL;
    END IF;
    EXECUTE 'SELECT s.id FROM site s WHERE ' || named || ' LIMIT 1' INTO used USING gone;
  END IF;
  IF used IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('%s still named by site %s', TG_TABLE_NAME, used),
      TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER site_references_ins AFTER INSERT ON site
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION site_references_exist();
CREATE TRIGGER site_references_upd AFTER UPDATE ON site
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION site_references_exist();

-- site_match follows a deleted site, as its cascading foreign key did.
CREATE FUNCTION site_match_on_site_delete() RETURNS trigger AS $$
BEGIN
  DELETE FROM site_match m USING old_rows o WHERE m.id = o.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER site_match_del AFTER DELETE ON site
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION site_match_on_site_delete();
CREATE FUNCTION site_match_on_site_truncate() RETURNS trigger AS $$
BEGIN
  DELETE FROM site_match;  -- not TRUNCATE: site_match may be in the same TRUNCATE statement
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER site_match_trunc AFTER TRUNCATE ON site
  FOR EACH STATEMENT EXECUTE FUNCTION site_match_on_site_truncate();
""" + "".join(
    f"""
CREATE TRIGGER site_reference_unused_del AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION site_reference_unused('{key}', {", ".join(f"'{c}'" for c in columns)});
CREATE TRIGGER site_reference_unused_upd AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION site_reference_unused('{key}', {", ".join(f"'{c}'" for c in columns)});
CREATE TRIGGER site_reference_unused_trunc AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION site_reference_unused('{key}', {", ".join(f"'{c}'" for c in columns)});
"""
    for table, key, columns, _ in REFERENCES
)

DOWN = (
    "".join(
        f"""
DROP TRIGGER IF EXISTS site_reference_unused_del ON {table};
DROP TRIGGER IF EXISTS site_reference_unused_upd ON {table};
DROP TRIGGER IF EXISTS site_reference_unused_trunc ON {table};"""
        for table, _, _, _ in REFERENCES
    )
    + """
DROP TRIGGER IF EXISTS site_match_del ON site;
DROP FUNCTION IF EXISTS site_match_on_site_delete();
DROP TRIGGER IF EXISTS site_match_trunc ON site;
DROP FUNCTION IF EXISTS site_match_on_site_truncate();
DROP TRIGGER IF EXISTS site_references_ins ON site;
DROP TRIGGER IF EXISTS site_references_upd ON site;
DROP FUNCTION IF EXISTS site_references_exist();
DROP FUNCTION IF EXISTS site_reference_unused();
DROP FUNCTION IF EXISTS site_reference_assert(regclass, text, text[], text);
ALTER TABLE site_match ADD CONSTRAINT site_match_id_fkey FOREIGN KEY (id) REFERENCES site(id) ON DELETE CASCADE;
ALTER TABLE site ADD CONSTRAINT site_kommune_nr_fkey FOREIGN KEY (kommune_nr) REFERENCES kommune(nr),
  ADD CONSTRAINT site_nearest_substation_id_fkey FOREIGN KEY (nearest_substation_id) REFERENCES substation(id),
  ADD CONSTRAINT site_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES submission(id);
"""
)


def upgrade() -> None:
    op.execute(UP)


def downgrade() -> None:
    op.execute(DOWN)
    # The node checks of 0010, as they were.
    from importlib import import_module  # noqa: PLC0415  (a migration's own SQL, not a project module)

    op.execute(import_module("registry.migrations.versions.0010_logistics_on_site").NODE_CHECKS)
