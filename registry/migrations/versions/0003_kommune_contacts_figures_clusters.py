"""kommune profile: many contacts, labour figures and clusters

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:00:00.000000

The one contact of a profile (four columns of kommune_profile) moves to the new table kommune_contact
at position 0; downgrade puts each kommune's first contact back (later contacts, labour figures and
clusters have no place in the old schema and are dropped).
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

MOVE_CONTACTS_SQL = """
INSERT INTO kommune_contact (kommune_nr, position, name, role, email, phone)
SELECT kommune_nr, 0, contact_name, contact_role, email, phone
FROM kommune_profile
WHERE coalesce(contact_name, contact_role, email, phone) IS NOT NULL
"""

# Contacts of kommuner without a profile row get one, so the first contact is not lost on the way down.
RESTORE_PROFILES_SQL = """
INSERT INTO kommune_profile (kommune_nr)
SELECT DISTINCT c.kommune_nr FROM kommune_contact c
WHERE NOT EXISTS (SELECT 1 FROM kommune_profile p WHERE p.kommune_nr = c.kommune_nr)
"""

RESTORE_CONTACTS_SQL = """
UPDATE kommune_profile p
SET contact_name = c.name, contact_role = c.role, email = c.email, phone = c.phone
FROM (SELECT DISTINCT ON (kommune_nr) kommune_nr, name, role, email, phone
      FROM kommune_contact ORDER BY kommune_nr, position) c
WHERE c.kommune_nr = p.kommune_nr
"""


def upgrade() -> None:
    op.create_table('kommune_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kommune_nr', sa.String(length=4), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.CheckConstraint('position >= 0', name='position_nonneg'),
    sa.ForeignKeyConstraint(['kommune_nr'], ['kommune.nr'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kommune_nr', 'position', name='uq_kommune_contact_kommune_nr_position')
    )
    op.add_column('kommune_profile', sa.Column('labour_figures', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False))
    op.add_column('kommune_profile', sa.Column('clusters', sa.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False))
    op.create_check_constraint('labour_figures_array', 'kommune_profile', "jsonb_typeof(labour_figures) = 'array'")
    op.execute(MOVE_CONTACTS_SQL)
    op.drop_column('kommune_profile', 'phone')
    op.drop_column('kommune_profile', 'email')
    op.drop_column('kommune_profile', 'contact_name')
    op.drop_column('kommune_profile', 'contact_role')


def downgrade() -> None:
    op.add_column('kommune_profile', sa.Column('contact_role', sa.TEXT(), autoincrement=False, nullable=True))
    op.add_column('kommune_profile', sa.Column('contact_name', sa.TEXT(), autoincrement=False, nullable=True))
    op.add_column('kommune_profile', sa.Column('email', sa.TEXT(), autoincrement=False, nullable=True))
    op.add_column('kommune_profile', sa.Column('phone', sa.TEXT(), autoincrement=False, nullable=True))
    op.execute(RESTORE_PROFILES_SQL)
    op.execute(RESTORE_CONTACTS_SQL)
    op.drop_constraint('labour_figures_array', 'kommune_profile', type_='check')
    op.drop_column('kommune_profile', 'clusters')
    op.drop_column('kommune_profile', 'labour_figures')
    op.drop_table('kommune_contact')
