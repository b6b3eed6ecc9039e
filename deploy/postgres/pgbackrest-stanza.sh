#!/bin/sh
# First start only (docker-entrypoint-initdb.d): create the pgBackRest stanza while the temporary server
# runs, so that archive-push works from the first WAL segment; then the first full backup.
set -e
pgbackrest --stanza=naering stanza-create
pgbackrest --stanza=naering --type=full backup
