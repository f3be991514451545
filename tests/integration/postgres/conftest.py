"""A real PostgreSQL 15 server for the role sync tests.

The server is initdb'd in a temporary directory, listens on a free loopback port and on a
unix socket inside that directory, with ``password_encryption = scram-sha-256``. It lives for
the test session; ``pg`` gives every test an empty cluster (all non-system roles and
databases dropped).
"""

import contextlib
import io
import json
import os
import socket
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from pg_instance import PgInstance, missing_binaries  # noqa: E402  pylint: disable=wrong-import-position

HBA = "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 md5\n"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.postgres)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(PgInstance):
    def __init__(self, port):
        super().__init__("127.0.0.1", port, HBA)

    @property
    def params(self):
        return {"login_user": "postgres", "login_unix_socket": self.sockdir, "login_port": self.port, "login_db": "postgres",
                "login_host": "", "login_password": "", "ssl_mode": "disable"}

    def connect(self, dbname="postgres", user="postgres", password=None, tcp=False, autocommit=True):
        import psycopg2
        kwargs = dict(dbname=dbname, user=user, port=self.port, host="127.0.0.1" if tcp else self.sockdir)
        if password is not None:
            kwargs["password"] = password
        conn = psycopg2.connect(**kwargs)
        conn.autocommit = autocommit
        return conn

    def reset(self):
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')")
                for (name,) in cur.fetchall():
                    cur.execute('DROP DATABASE "%s" WITH (FORCE)' % name.replace('"', '""'))
                cur.execute("SELECT rolname FROM pg_roles WHERE rolname <> 'postgres' AND rolname NOT LIKE 'pg\\_%'")
                names = [r[0] for r in cur.fetchall()]
                for name in names:
                    cur.execute('DROP OWNED BY "%s" CASCADE' % name.replace('"', '""'))
                for name in names:
                    cur.execute('DROP ROLE "%s"' % name.replace('"', '""'))
                cur.execute("ALTER ROLE postgres RESET ALL")
                cur.execute("COMMENT ON ROLE postgres IS NULL")
        finally:
            conn.close()


@pytest.fixture(scope="session")
def pg_server():
    problem = missing_binaries()
    if problem:
        pytest.fail(problem, pytrace=False)
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.fail("psycopg2 is missing: install psycopg2-binary into the virtualenv", pytrace=False)
    server = Server(_free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg(pg_server):
    pg_server.reset()
    return pg_server


@pytest.fixture
def run_module(pg):
    """Run ``pgkube.operator.postgres_roles`` in-process with the given args; returns its result dict."""
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.pgkube.operator.plugins.modules import postgres_roles

    def run(args, check_mode=False, diff=False, expect_failure=False):
        full = dict(pg.params)
        full.update(args)
        if check_mode:
            full["_ansible_check_mode"] = True
        if diff:
            full["_ansible_diff"] = True
        out = io.StringIO()
        with patch_module_args(full), contextlib.redirect_stdout(out):
            with pytest.raises(SystemExit):
                postgres_roles.main()
        result = json.loads(out.getvalue())
        # ansible-core 2.19 returns structured warnings; tests read the messages
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
        if expect_failure:
            assert result.get("failed"), result
        else:
            assert not result.get("failed"), result.get("msg")
        result["_raw"] = out.getvalue()
        return result

    return run
