#!/bin/sh
# Entry point of the pgkube Spilo-compatible image (CMD ["/bin/sh", "/launch.sh", "init"]).
# init: prepare and exec Patroni; prepare: everything but the exec; print-config: the
# generated Patroni configuration, passwords redacted.
exec /usr/bin/python3 -m pgkube_spilo "$@"
