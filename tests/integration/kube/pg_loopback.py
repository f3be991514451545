"""A real PostgreSQL 15 server on a loopback address other than 127.0.0.1 (not a test module).

A ``pg_instance.PgInstance`` that listens on ``127.0.0.N`` (N random in 2..254) on a free port,
where TCP logins need TLS and a SCRAM password, so a test can stand it in for a master pod
(``status.podIP``) and prove the password of the superuser Secret is the one used. Like Spilo, the
server has TLS on with a self-signed certificate; ``pg_hba.conf`` has ``hostssl`` lines only, so a
client that does not use TLS is refused. ``query`` goes through the unix socket (trust).
"""

import os
import random
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pg_instance import PgInstance  # noqa: E402  pylint: disable=wrong-import-position

HBA = "local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\n"


def _free_address():
    for _attempt in range(20):
        host = "127.0.0.%d" % random.randint(2, 254)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((host, 0))
                return host, sock.getsockname()[1]
        except OSError:
            continue
    raise RuntimeError("no free loopback address")


class LoopbackServer(PgInstance):
    def __init__(self):
        host, port = _free_address()
        super().__init__(host, port, HBA, tls=True, prefix="pgkube-pg-loop-")
