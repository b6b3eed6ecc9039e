#!/bin/sh
# Run once by the PostGIS image when it creates the primary's cluster: let the replica stream over the
# compose network with the application role's password (scram-sha-256).
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
