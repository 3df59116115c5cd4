#!/bin/sh
# Starts the server on deploy/temporal/config/postgres12.yaml (mounted at /etc/temporal/config/connector), as the
# image's own entrypoint starts it on its built-in config: every interface of the container, and the container's
# address as the one its services announce to each other. No port of it is published (docker-compose.yml).
set -eu
BIND_ON_IP=0.0.0.0
TEMPORAL_BROADCAST_ADDRESS="${TEMPORAL_BROADCAST_ADDRESS:-$(getent hosts "$(hostname)" | awk '{print $1; exit}')}"
export BIND_ON_IP TEMPORAL_BROADCAST_ADDRESS
exec temporal-server --config-file /etc/temporal/config/connector/postgres12.yaml --allow-no-auth start
