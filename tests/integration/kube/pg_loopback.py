"""A real PostgreSQL 15 server on a loopback address other than 127.0.0.1 (not a test module).

Same approach as tests/integration/postgres/conftest.py (initdb in a temporary directory, pg_ctl,
run as the ``postgres`` user when the tests run as root), but the server listens on
``127.0.0.N`` (N random in 2..254) on a free port and TCP logins need TLS and a SCRAM password, so
a test can stand it in for a master pod (``status.podIP``) and prove the password of the superuser
Secret is the one used. Like Spilo, the server has TLS on with a self-signed certificate (made with
the ``openssl`` command); ``pg_hba.conf`` has ``hostssl`` lines only, so a client that does not
use TLS is refused. ``query`` goes through the unix socket (trust) to look at the result.
"""

import os
import pwd
import random
import shutil
import socket
import subprocess
import tempfile

PG_BIN = os.environ.get("PGKUBE_PG_BIN", "/usr/lib/postgresql/15/bin")


def _as_server_user(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


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


class LoopbackServer:
    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="pgkube-pg-loop-")
        self.data = os.path.join(self.base, "data")
        self.sockdir = os.path.join(self.base, "sock")
        self.log = os.path.join(self.base, "server.log")
        self.host, self.port = _free_address()

    def start(self):
        initdb, pg_ctl = os.path.join(PG_BIN, "initdb"), os.path.join(PG_BIN, "pg_ctl")
        if not (os.access(initdb, os.X_OK) and os.access(pg_ctl, os.X_OK)):
            raise RuntimeError("PostgreSQL 15 server binaries not found in %s (apt-get install postgresql-15)" % PG_BIN)
        os.makedirs(self.sockdir)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (self.base, self.sockdir):
                os.chown(path, user.pw_uid, user.pw_gid)
        subprocess.run(_as_server_user([initdb, "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as hba:
            hba.write("local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\n")
        cert, key = self._certificate()
        opts = ("-p %d -k %s -c listen_addresses=%s -c password_encryption=scram-sha-256 -c fsync=off -c log_statement=all"
                " -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s") % (self.port, self.sockdir, self.host, cert, key)
        subprocess.run(_as_server_user([pg_ctl, "-D", self.data, "-o", opts, "-l", self.log, "-w", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        return self

    def _certificate(self):
        """A self-signed certificate and its key in the data directory, owned by the server user."""
        cert, key = os.path.join(self.data, "server.crt"), os.path.join(self.data, "server.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pgkube-test-master",
                        "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.chmod(key, 0o600)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (cert, key):
                os.chown(path, user.pw_uid, user.pw_gid)
        return cert, key

    def stop(self):
        subprocess.run(_as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def query(self, text, args=None, dbname="postgres"):
        import psycopg2
        conn = psycopg2.connect(dbname=dbname, user="postgres", host=self.sockdir, port=self.port)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(text, args)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def statements_logged(self):
        """Lines of the server log with a logged statement (log_statement=all)."""
        with open(self.log) as handle:
            return [line for line in handle if "statement: " in line]
