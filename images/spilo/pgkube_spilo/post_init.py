# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Patroni's ``bootstrap.post_init``: the roles the operator assumes exist, created idempotently.

Called once by Patroni on the initialising primary as
``/scripts/post_init.sh <HUMAN_ROLE> <connection URL>``. Creates ``admin`` (CREATEDB NOLOGIN;
an existing one is reset to that), ``cron_admin`` (NOLOGIN, granted to admin), the
``HUMAN_ROLE`` group (NOLOGIN) and ``robot_zmon`` (NOLOGIN). Spilo's extensions, schemas and
helper functions are not created (docs/spilo-image.md).
"""

import subprocess
import sys


def _create_role(name_sql, options):
    """A psql ``\\gexec`` statement creating the role unless it exists; ``name_sql`` is an SQL expression."""
    return ("SELECT format('CREATE ROLE %%I %s', %s) WHERE NOT EXISTS "
            "(SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s)\n\\gexec\n" % (options, name_sql, name_sql))


def script(human_role):
    """The psql script; the human role comes in as the psql variable ``human_role``."""
    parts = [
        "SET synchronous_commit = 'local';\n",
        "SET search_path = pg_catalog;\n",
        _create_role("'admin'", "CREATEDB NOLOGIN"),
        "ALTER ROLE admin CREATEDB NOLOGIN NOCREATEROLE NOSUPERUSER NOREPLICATION INHERIT;\n",
        _create_role("'cron_admin'", "NOLOGIN"),
        "SELECT 'GRANT cron_admin TO admin' WHERE NOT pg_catalog.pg_has_role('admin', 'cron_admin', 'MEMBER')\n\\gexec\n",
    ]
    if human_role:
        parts.append(_create_role(":'human_role'", "NOLOGIN"))
    parts.append(_create_role("'robot_zmon'", "NOLOGIN"))
    return "".join(parts)


def command(human_role, connection):
    argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    if human_role:
        argv += ["-v", "human_role=" + human_role]
    return argv + ["-d", connection, "-f", "-"]


def parse_args(args):
    """``(human_role, connection)`` from ``[human_role] connection``."""
    if not args:
        raise SystemExit("usage: post_init.sh HUMAN_ROLE CONNECTION_URL")
    connection = args[-1]
    human_role = args[0] if len(args) >= 2 else ""
    return human_role, connection


def main(argv=None):
    human_role, connection = parse_args(list(sys.argv[1:] if argv is None else argv))
    proc = subprocess.run(command(human_role, connection), input=script(human_role), text=True, check=False)
    if proc.returncode == 0:
        sys.stderr.write("pgkube-spilo post_init: roles admin, cron_admin, %srobot_zmon are in place\n"
                         % ((human_role + ", ") if human_role else ""))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
