# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""post_init: the roles the operator assumes, created idempotently."""

import pytest

from pgkube_spilo import post_init


def test_script_creates_each_role_only_when_missing():
    script = post_init.script("zalandos")
    for role in ("'admin'", "'cron_admin'", "'robot_zmon'", ":'human_role'"):
        assert "WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s)" % role in script
    assert "format('CREATE ROLE %I CREATEDB NOLOGIN', 'admin')" in script
    assert "ALTER ROLE admin CREATEDB NOLOGIN NOCREATEROLE NOSUPERUSER NOREPLICATION INHERIT;" in script
    assert "GRANT cron_admin TO admin" in script
    assert script.count("\\gexec") == 5


def test_without_a_human_role():
    script = post_init.script("")
    assert ":'human_role'" not in script
    assert "-v" not in " ".join(post_init.command("", "postgres://x")).split("ON_ERROR_STOP=1", 1)[1]


def test_command_passes_the_role_as_a_psql_variable():
    argv = post_init.command("team admins", "postgres://postgres@/postgres?host=/var/run/postgresql")
    assert argv[:5] == ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    assert "human_role=team admins" in argv
    assert argv[-4:] == ["-d", "postgres://postgres@/postgres?host=/var/run/postgresql", "-f", "-"]


def test_arguments_as_patroni_passes_them():
    assert post_init.parse_args(["zalandos", "postgres://conn"]) == ("zalandos", "postgres://conn")
    assert post_init.parse_args(["", "postgres://conn"]) == ("", "postgres://conn")
    assert post_init.parse_args(["postgres://conn"]) == ("", "postgres://conn")
    with pytest.raises(SystemExit):
        post_init.parse_args([])
