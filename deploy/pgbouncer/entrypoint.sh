#!/bin/sh
# Write pgbouncer's configuration from the environment, then run it in the foreground.
set -e
conf=/tmp/pgbouncer
mkdir -p "$conf"
cat > "$conf/pgbouncer.ini" <<INI
[databases]
naering = host=db port=5432 dbname=naering
naering_read = host=replica port=5432 dbname=naering

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
auth_type = scram-sha-256
auth_file = $conf/users.txt
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_client_conn = ${PGBOUNCER_MAX_CLIENTS:-500}
ignore_startup_parameters = extra_float_digits,options
INI
printf '"%s" "%s"\n' "$NAERING_DB_USER" "$NAERING_DB_PASSWORD" > "$conf/users.txt"
chmod 600 "$conf/users.txt"
exec pgbouncer "$conf/pgbouncer.ini"
