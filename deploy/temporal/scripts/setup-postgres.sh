#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to date (idempotent),
# as the official admin-tools image documents; the temporalio/server image does not do it itself.
set -eu
until nc -z -w 2 postgresql 5432; do echo 'waiting for PostgreSQL'; sleep 1; done
for db in temporal temporal_visibility; do
  kind=temporal
  [ "$db" = temporal_visibility ] && kind=visibility
  temporal-sql-tool --plugin postgres12 --ep postgresql -u "$POSTGRES_USER" -p 5432 --db "$db" create || true
  temporal-sql-tool --plugin postgres12 --ep postgresql -u "$POSTGRES_USER" -p 5432 --db "$db" setup-schema -v 0.0 || true
  temporal-sql-tool --plugin postgres12 --ep postgresql -u "$POSTGRES_USER" -p 5432 --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$kind/versioned"
done
echo 'Temporal schemas ready'
