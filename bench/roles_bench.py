"""Benchmark of the role sync: 1,000 manifest roles on a real PostgreSQL 15 (started here, in a temp dir).

Prints, for the first run (creates every role) and for a no-op run: wall time, statements executed,
catalog queries. No assertions. Run: .venv/bin/python bench/roles_bench.py [N]
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
# conftest makes ansible_collections.pgkube.operator importable
import conftest  # noqa: E402,F401  pylint: disable=unused-import

from ansible_collections.pgkube.operator.plugins.module_utils.roles.connection import connect  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.roles.settings import RoleSettings  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sync import sync  # noqa: E402

PG_BIN = os.environ.get("PGKUBE_PG_BIN", "/usr/lib/postgresql/15/bin")


def as_server_user(cmd):
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd


def start_server():
    base = tempfile.mkdtemp(prefix="pgkube-bench-")
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.makedirs(sock)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (base, sock):
            os.chown(path, user.pw_uid, user.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(as_server_user([os.path.join(PG_BIN, "initdb"), "-D", data, "-U", "postgres", "--auth=trust"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    opts = "-p %d -k %s -c listen_addresses='' -c password_encryption=scram-sha-256 -c fsync=off" % (port, sock)
    subprocess.run(as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-o", opts, "-l", os.path.join(base, "log"), "-w", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    return base, data, {"login_user": "postgres", "login_unix_socket": sock, "login_port": port, "login_db": "postgres", "ssl_mode": "disable"}


def run(params, manifest, settings, secrets, label):
    conn = connect(params)
    try:
        start = time.perf_counter()
        report = sync(conn, params, manifest, settings, secrets=secrets)
        elapsed = time.perf_counter() - start
    finally:
        conn.close()
    print("%-28s %8.3f s  %6d statements  %2d catalog queries  changed=%s"
          % (label, elapsed, report.statements, report.catalog_queries, report.changed))
    return report


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    base, data, params = start_server()
    try:
        settings = RoleSettings.from_config({"additional_owner_roles": "cron_admin"})
        for prefix, ndb in (("a", 0), ("b", 20)):
            users = dict(("%s_user_%04d" % (prefix, i), ["createdb"] if i % 3 == 0 else []) for i in range(count))
            databases = dict(("%s_db_%03d" % (prefix, i), "%s_user_%04d" % (prefix, i)) for i in range(min(count, ndb)))
            manifest = {"metadata": {"name": "bench"}, "spec": {"teamId": "acid", "users": users, "databases": databases}}
            secrets = dict((u, "password-%s-xyz" % u) for u in users)
            print("\n%d manifest roles, %d databases, SCRAM-SHA-256 passwords" % (count, len(databases)))
            run(params, manifest, settings, secrets, "first run (create)")
            run(params, manifest, settings, secrets, "no-op run")
            run(params, manifest, settings, secrets, "no-op run (again)")
            secrets["%s_user_0001" % prefix] = "changed-password"
            run(params, manifest, settings, secrets, "one password changed")
    finally:
        subprocess.run(as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
