#!/bin/sh
# Runs once, on an empty data volume (the postgres image's docker-entrypoint-initdb.d): Temporal's two
# databases, owned by the superuser the image creates (temporal), and the connector's own role and
# database, which the connector's migrations fill at start. The same three databases as `npm run topology`.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v connector_password="$CONNECTOR_POSTGRES_PASSWORD" <<'SQL'
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
CREATE ROLE connector LOGIN PASSWORD :'connector_password';
CREATE DATABASE connector OWNER connector;
SQL
