#!/bin/sh
# Patroni bootstrap.post_init: post_init.sh HUMAN_ROLE CONNECTION_URL (creates the roles the operator expects).
exec /usr/bin/python3 -m pgkube_spilo.post_init "$@"
