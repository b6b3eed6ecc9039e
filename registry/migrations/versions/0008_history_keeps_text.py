"""History keeps every value as the text the row held (no guessing at numbers)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 02:40:00

The history triggers (migration 0001) wrote each row with `hstore_to_jsonb_loose`, which turns any text
that looks like a number into one: a kommune number "0301" was kept as 301, a reference "0042" as 42.
From here on the row is kept with `hstore_to_jsonb`: every value as its text; `registry/history.py` reads
each value back by the site record's declared type (numbers, booleans, lists). Rows already written keep
their loose numbers; the reader turns a number back into text for a text field (a kommune number is
padded to four digits again; a reference's lost leading zeros cannot be known).
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LOOSE = """
CREATE OR REPLACE FUNCTION site_history_on_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO site_history (site_id, action, changed_by, before, after, geom_after)
  SELECT n.id, 'insert', nullif(current_setting('naering.actor', true), ''), NULL,
         hstore_to_jsonb_loose(hstore(n) - 'geom_25833'::text), n.geom_25833
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
         hstore_to_jsonb_loose(hstore(o) - 'geom_25833'::text),
         hstore_to_jsonb_loose(hstore(n) - 'geom_25833'::text),
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
         hstore_to_jsonb_loose(hstore(o) - 'geom_25833'::text), NULL, o.geom_25833
  FROM old_rows o;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

"""

# The same functions, each row kept as text.
STRICT = LOOSE.replace("hstore_to_jsonb_loose", "hstore_to_jsonb")


def upgrade() -> None:
    op.execute(STRICT)


def downgrade() -> None:
    op.execute(LOOSE)
