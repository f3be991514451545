"""Start and stop a throw-away PostgreSQL 15 server (shared by the test suites; not a test module).

``PgInstance(host, port, hba)`` initdb's a data directory in a new temporary directory, writes
``hba`` as its ``pg_hba.conf`` and starts the server on ``host:port`` and on a unix socket inside
the temporary directory, with ``password_encryption=scram-sha-256``, ``fsync=off`` and
``log_statement=all``. ``tls=True`` also turns TLS on with a self-signed certificate made by the
``openssl`` command. When the tests run as root, the server runs as the ``postgres`` user.
``query`` runs a statement as ``postgres`` through the unix socket (trust).
"""

import os
import pwd
import shutil
import subprocess
import tempfile

PG_BIN = os.environ.get("PGKUBE_PG_BIN", "/usr/lib/postgresql/15/bin")


def missing_binaries():
    """A message saying what to install when initdb / pg_ctl are not there, else None."""
    for tool in ("initdb", "pg_ctl"):
        if not os.access(os.path.join(PG_BIN, tool), os.X_OK):
            return "PostgreSQL 15 server binaries not found in %s: install the apt package postgresql-15 (apt-get install postgresql-15)" % PG_BIN
    return None


def as_server_user(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def _give_to_server_user(*paths):
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)


class PgInstance:
    def __init__(self, host, port, hba, tls=False, prefix="pgkube-pg-"):
        self.host, self.port, self.hba, self.tls = host, port, hba, tls
        self.base = tempfile.mkdtemp(prefix=prefix)
        self.data = os.path.join(self.base, "data")
        self.sockdir = os.path.join(self.base, "sock")
        self.log = os.path.join(self.base, "server.log")

    def start(self):
        problem = missing_binaries()
        if problem:
            raise RuntimeError(problem)
        os.makedirs(self.sockdir)
        _give_to_server_user(self.base, self.sockdir)
        subprocess.run(as_server_user([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                                       "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as handle:
            handle.write(self.hba)
        opts = "-p %d -k %s -c listen_addresses=%s -c password_encryption=scram-sha-256 -c fsync=off -c log_statement=all" % (
            self.port, self.sockdir, self.host)
        if self.tls:
            opts += " -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s" % self._certificate()
        subprocess.run(as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-o", opts, "-l", self.log, "-w", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        return self

    def _certificate(self):
        """A self-signed certificate and its key in the data directory, owned by the server user."""
        cert, key = os.path.join(self.data, "server.crt"), os.path.join(self.data, "server.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pgkube-test-server",
                        "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.chmod(key, 0o600)
        _give_to_server_user(cert, key)
        return cert, key

    def stop(self):
        subprocess.run(as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def connect(self, dbname="postgres"):
        """A psycopg2 connection as ``postgres`` through the unix socket (trust), autocommit."""
        import psycopg2
        conn = psycopg2.connect(dbname=dbname, user="postgres", host=self.sockdir, port=self.port)
        conn.autocommit = True
        return conn

    def query(self, text, args=None, dbname="postgres"):
        """Run one statement; its rows, or None when it returns none."""
        conn = self.connect(dbname)
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
