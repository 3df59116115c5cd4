#!/bin/sh
# Brings Temporal's two databases to the schema of this server version, as dev/temporalServer/setupSchemas.ts
# does: `setup-schema -v 0.0` (only the version tables, idempotent), then `update-schema`, which applies just the
# versions a database lacks. Safe on every start; it is how an upgrade migrates. The password comes from
# SQL_PASSWORD (environment, never argv). The databases themselves come from deploy/postgres/init.
set -eu
until nc -z -w 2 postgresql 5432; do echo 'waiting for PostgreSQL'; sleep 1; done
for db in temporal temporal_visibility; do
  kind=temporal
  [ "$db" = temporal_visibility ] && kind=visibility
  common="--plugin postgres12 --ep postgresql --port 5432 --user $POSTGRES_USER --db $db"
  # shellcheck disable=SC2086
  temporal-sql-tool $common setup-schema -v 0.0
  # shellcheck disable=SC2086
  temporal-sql-tool $common update-schema -d "/etc/temporal/schema/postgresql/v12/$kind/versioned"
done
echo 'Temporal schemas ready'
