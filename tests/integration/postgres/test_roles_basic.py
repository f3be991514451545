"""Role sync against a real PostgreSQL 15: create, idempotency, check mode, passwords."""

import psycopg2
import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.roles.observe import observe

MANIFEST = {
    "apiVersion": "acid.zalan.do/v1",
    "kind": "postgresql",
    "metadata": {"name": "acid-test", "namespace": "default"},
    "spec": {
        "teamId": "acid",
        "users": {"zalando": ["superuser", "createdb"], "foo_user": [], "reader": ["nologin"]},
        "databases": {"foo": "zalando", "bar": "foo_user"},
        "postgresql": {"version": "15"},
    },
}
CONFIG = {"enable_teams_api": "false", "additional_owner_roles": "cron_admin"}
SECRETS = {"zalando": "Zal-pass-1", "foo_user": "foo'pass\\;--", "postgres": "superpw"}


def roles(pg):
    rows = pg.query("SELECT rolname, rolsuper, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname !~ '^pg_'")
    return dict((r[0], r[1:]) for r in rows)


def members(pg, role):
    rows = pg.query("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                    "WHERE u.rolname = %s ORDER BY 1", (role,))
    return [r[0] for r in rows]


def test_create_then_noop(pg, run_module):
    first = run_module({"definition": MANIFEST, "operator_config": CONFIG, "secrets": SECRETS})
    assert first["changed"]
    assert set(first["roles_created"]) >= {"zalando", "foo_user", "reader", "standby", "admin", "cron_admin"}
    assert sorted(first["databases_created"]) == ["bar", "foo"]
    got = roles(pg)
    assert got["zalando"] == (True, True, True)
    assert got["reader"] == (False, False, False)
    assert got["foo_user"] == (False, False, True)
    assert members(pg, "zalando") == ["cron_admin"]
    assert pg.query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'foo'") == [("zalando",)]
    # admin role gets ADMIN OPTION on manifest roles
    assert pg.query("SELECT m.admin_option FROM pg_auth_members m WHERE m.roleid = 'foo_user'::regrole AND m.member = 'admin'::regrole") == [(True,)]
    # passwords are stored as SCRAM verifiers and work
    stored = pg.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'foo_user'")[0][0]
    assert stored.startswith("SCRAM-SHA-256$4096:")
    pg.connect(user="foo_user", password=SECRETS["foo_user"], tcp=True).close()
    # nothing secret in the output
    for secret in SECRETS.values():
        assert secret not in first["_raw"]
    assert any("PASSWORD '********'" in q for q in first["queries"])

    second = run_module({"definition": MANIFEST, "operator_config": CONFIG, "secrets": SECRETS})
    assert not second["changed"], second["queries"]
    assert second["queries"] == []


def test_check_mode_changes_nothing(pg, run_module):
    before = roles(pg)
    result = run_module({"definition": MANIFEST, "operator_config": CONFIG, "secrets": SECRETS}, check_mode=True, diff=True)
    assert result["changed"]
    assert any(q.startswith('CREATE ROLE "zalando"') for q in result["queries"])
    assert any(q.startswith('CREATE DATABASE "foo"') for q in result["queries"])
    assert "CREATE ROLE" in result["diff"]["prepared"]
    assert roles(pg) == before
    assert pg.query("SELECT count(*) FROM pg_database WHERE datname IN ('foo', 'bar')") == [(0,)]


def test_password_change_and_md5(pg, run_module):
    run_module({"definition": MANIFEST, "operator_config": CONFIG, "secrets": SECRETS})
    changed = dict(SECRETS, foo_user="new-password")
    result = run_module({"definition": MANIFEST, "operator_config": CONFIG, "secrets": changed})
    assert result["queries"] == ['ALTER ROLE "foo_user" PASSWORD \'********\'']
    pg.connect(user="foo_user", password="new-password", tcp=True).close()
    with pytest.raises(psycopg2.OperationalError):
        pg.connect(user="foo_user", password=SECRETS["foo_user"], tcp=True)
    md5_spec = dict(MANIFEST["spec"], postgresql={"version": "15", "parameters": {"password_encryption": "md5"}})
    md5_manifest = {"metadata": MANIFEST["metadata"], "spec": md5_spec}
    result = run_module({"definition": md5_manifest, "operator_config": CONFIG, "secrets": changed})
    # the superuser's password is never changed by the sync (its Secret's value only matters at creation)
    assert set(result["roles_altered"]) == {"zalando", "foo_user"}
    assert pg.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'foo_user'")[0][0].startswith("md5")
    pg.connect(user="foo_user", password="new-password", tcp=True).close()
    assert not run_module({"definition": md5_manifest, "operator_config": CONFIG, "secrets": changed})["changed"]


@pytest.mark.parametrize("password", ["pencil", "pässwörd-漢字", "with space and 'quote'"])
def test_server_made_scram_verifier_accepted(pg, run_module, password):
    """A verifier PostgreSQL built itself (random salt) is recognised: no ALTER ROLE on the first sync."""
    from ansible_collections.pgkube.operator.plugins.module_utils.roles.scram import verify_scram
    conn = pg.connect()
    with conn.cursor() as cur:
        cur.execute("CREATE ROLE srv_user LOGIN PASSWORD %s", (password,))
    conn.close()
    stored = pg.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'srv_user'")[0][0]
    assert verify_scram(stored, password)
    assert not verify_scram(stored, password + "x")
    result = run_module({"definition": {"metadata": {"name": "c"}, "spec": {"users": {"srv_user": []}}},
                         "operator_config": CONFIG, "secrets": {"srv_user": password}})
    assert not any(q.startswith('ALTER ROLE "srv_user"') for q in result["queries"]), result["queries"]


def test_system_users_passwords_are_never_changed(pg, run_module):
    """secrets {postgres: ..., standby: ...} must not change the superuser's password (the module's own
    login, Patroni's) nor the replication user's (every replica's environment) (issue 12, defect 5)."""
    pg.query("ALTER ROLE postgres PASSWORD 'the-superuser-password'")

    def stored(role):
        return pg.query("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,))[0][0]
    superuser = stored("postgres")
    first = run_module({"definition": MANIFEST, "operator_config": CONFIG, "secrets": dict(SECRETS, standby="standby-1")})
    assert "standby" in first["roles_created"]  # a missing system user is created with its Secret's password
    standby = stored("standby")
    pg.connect(user="standby", password="standby-1", tcp=True).close()
    second = run_module({"definition": MANIFEST, "operator_config": CONFIG,
                         "secrets": dict(SECRETS, postgres="an-attacker-password", standby="standby-2")})
    assert not second["changed"], second["queries"]
    assert stored("postgres") == superuser and stored("standby") == standby
    pg.connect(user="standby", password="standby-1", tcp=True).close()
    assert "postgres" not in first["roles_altered"] + second["roles_altered"]


def test_roles_and_databases_are_read_in_one_catalog_query(pg):
    pg.query("CREATE ROLE observed_member LOGIN CREATEDB PASSWORD 'x'")
    pg.query("CREATE ROLE observed_group")
    pg.query("GRANT observed_group TO observed_member WITH ADMIN OPTION")
    pg.query("ALTER ROLE observed_member SET work_mem TO '8MB'")
    pg.query("CREATE DATABASE observed_db OWNER observed_member")
    conn = pg.connect()
    try:
        with conn.cursor() as cursor:
            observed = observe(cursor)
    finally:
        conn.close()
    assert observed.queries == 1
    member = observed.roles["observed_member"]
    assert {"LOGIN", "CREATEDB", "INHERIT"} <= member.flags and "SUPERUSER" not in member.flags
    assert member.member_of == {"observed_group"} and member.settings == {"work_mem": "8MB"}
    assert member.password.startswith("SCRAM-SHA-256$")
    assert observed.roles["observed_group"].admins == {"observed_member"}
    assert observed.databases["observed_db"].owner == "observed_member"
    assert "template0" not in observed.databases and "postgres" in observed.databases
