"""Plan for interactive requests: no JIT compilation and no parallel workers by default

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 02:00:00

The registry answers many short requests at once. PostgreSQL's JIT compiler switched itself on for a count
over 100 000 sites (a high planned cost) and spent a second compiling a 0.1 s scan; parallel workers cost
30–40 ms to start for a page that reads 100 index rows, and under load take the cores other requests need
(bench/README.md, "API load"). Set as the database's defaults, so every connection gets them — through a
pooler in transaction mode too, where a per-session SET would not hold. A role without the right to
alter the database keeps the server's defaults (a notice says so); a session may still SET them.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _alter(settings: str) -> None:
    op.execute(f"""
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I {settings}', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'not allowed to alter the database; JIT and parallel workers stay at the server defaults';
END $$;
""")


def upgrade() -> None:
    _alter("SET jit = off")
    _alter("SET max_parallel_workers_per_gather = 0")


def downgrade() -> None:
    _alter("RESET jit")
    _alter("RESET max_parallel_workers_per_gather")
