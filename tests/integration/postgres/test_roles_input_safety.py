"""Bad input is refused or quoted, never executed; no password reaches output, queries or the server log."""

import pytest

CONFIG = {"enable_teams_api": "false"}
NASTY = ['bad"name', "bad;name", "bad\\name", "bäd", "x'; DROP ROLE postgres; --", "Upper"]


def manifest(**spec):
    body = {"teamId": "acid", "postgresql": {"version": "15"}}
    body.update(spec)
    return {"metadata": {"name": "acid-test", "namespace": "default"}, "spec": body}


def role_names(pg):
    return set(r[0] for r in pg.query("SELECT rolname FROM pg_roles"))


@pytest.mark.parametrize("name", NASTY)
def test_bad_user_name_refused(pg, run_module, name):
    before = role_names(pg)
    result = run_module({"definition": manifest(users={name: [], "good": []}), "operator_config": CONFIG}, expect_failure=True)
    assert ("spec.users.%s" % name) in result["msg"]
    assert role_names(pg) == before


def test_mixed_case_database_created_exactly(pg, run_module):
    run_module({"definition": manifest(users={"good": []}, databases={"Upper_Db": "good"}), "operator_config": CONFIG})
    assert pg.query("SELECT datname FROM pg_database WHERE lower(datname) = 'upper_db'") == [("Upper_Db",)]


@pytest.mark.parametrize("name", NASTY[:5])
def test_bad_database_name_refused(pg, run_module, name):
    result = run_module({"definition": manifest(users={"good": []}, databases={name: "good"}), "operator_config": CONFIG},
                        expect_failure=True)
    assert ("spec.databases.%s" % name) in result["msg"]
    assert "good" not in role_names(pg)


@pytest.mark.parametrize("name", NASTY[:5])
def test_bad_schema_name_refused(pg, run_module, name):
    result = run_module({"definition": manifest(preparedDatabases={"db1": {"schemas": {name: {}}}}), "operator_config": CONFIG},
                        expect_failure=True)
    assert ("spec.preparedDatabases.db1.schemas.%s" % name) in result["msg"]


def test_bad_flag_refused(pg, run_module):
    result = run_module({"definition": manifest(users={"good": ["login; drop"]}), "operator_config": CONFIG}, expect_failure=True)
    assert "spec.users.good[0]" in result["msg"]


def test_unknown_owner_refused(pg, run_module):
    result = run_module({"definition": manifest(databases={"db1": "nobody"}), "operator_config": CONFIG}, expect_failure=True)
    assert "spec.databases.db1" in result["msg"] and "nobody" in result["msg"]


@pytest.mark.parametrize("value", ["it's", "a;b", "back\\slash", "non-ASCII: é漢字", "x'; RESET ALL; --", '"quoted"'])
def test_parameter_values_quoted_exactly(pg, run_module, value):
    config = dict(CONFIG, infrastructure_roles_secret_name="infra")
    secrets = {"infra": {"robot": "r-pass"}}
    configmaps = {"infra": {"robot": {"db_parameters": {"application_name": value}}}}
    args = {"definition": manifest(), "operator_config": config, "infrastructure_secrets": secrets, "infrastructure_configmaps": configmaps}
    run_module(args)
    rows = pg.query("SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'robot'::regrole AND setdatabase = 0")
    assert rows == [(["application_name=" + value],)]
    assert not run_module(args)["changed"]


def test_bad_parameter_name_refused(pg, run_module):
    config = dict(CONFIG, infrastructure_roles_secret_name="infra")
    args = {"definition": manifest(), "operator_config": config, "infrastructure_secrets": {"infra": {"robot": "robot-pass-1"}},
            "infrastructure_configmaps": {"infra": {"robot": {"db_parameters": {"work_mem; DROP ROLE x": "1MB"}}}}}
    result = run_module(args, expect_failure=True)
    assert "robot" in result["msg"] and "invalid role parameter name" in result["msg"]
    assert "robot" not in role_names(pg)


def test_extension_name_quoted(pg, run_module):
    result = run_module({"definition": manifest(preparedDatabases={"db1": {"extensions": {'pg_trgm"; DROP DATABASE postgres; --': "data"}}}),
                         "operator_config": CONFIG}, expect_failure=True)
    assert 'CREATE EXTENSION IF NOT EXISTS "pg_trgm""; DROP DATABASE postgres; --"' in result["msg"]
    assert pg.query("SELECT count(*) FROM pg_database WHERE datname = 'postgres'") == [(1,)]


PASSWORDS = {"u_quote": "pa'ss\"word", "u_semi": "a;b--c", "u_bs": "back\\slash\\", "u_utf": "pässwörd-漢字", "u_space": " lead and trail "}


def test_passwords_never_leak_and_work(pg, run_module):
    users = dict((u, []) for u in PASSWORDS)
    log_start = open(pg.log, "rb").seek(0, 2)
    args = {"definition": manifest(users=users), "operator_config": CONFIG, "secrets": PASSWORDS}
    first = run_module(args)
    second = run_module(args, check_mode=True, diff=True)
    assert not second["changed"]
    for user, password in PASSWORDS.items():
        pg.connect(user=user, password=password, tcp=True).close()
    with open(pg.log, "rb") as handle:
        handle.seek(log_start)
        server_log = handle.read().decode("utf-8", "replace")
    assert "CREATE ROLE" in server_log
    for password in PASSWORDS.values():
        assert password not in first["_raw"]
        assert password not in second["_raw"]
        assert all(password not in q for q in first["queries"])
        assert password not in server_log
    changed = dict(PASSWORDS, u_utf="nöuveau")
    third = run_module({"definition": manifest(users=users), "operator_config": CONFIG, "secrets": changed})
    assert third["queries"] == ['ALTER ROLE "u_utf" PASSWORD \'********\'']
    pg.connect(user="u_utf", password="nöuveau", tcp=True).close()


def test_connection_error_masks_password(pg, run_module):
    result = run_module({"definition": manifest(), "operator_config": CONFIG, "login_unix_socket": "", "login_host": "127.0.0.1",
                         "login_user": "nosuchuser", "login_password": "Sup3r-s3cret"}, expect_failure=True)
    assert "Sup3r-s3cret" not in result["_raw"]
    assert "cannot connect" in result["msg"]


def test_a_name_postgresql_would_truncate_is_refused_before_any_statement(pg, run_module):
    # 64 bytes: PostgreSQL would create the first 63, and every later run would fail with "already exists"
    long_user, long_db = "u" * 64, "d" * 64
    before = role_names(pg)
    result = run_module({"definition": manifest(users={long_user: [], "good": []}), "operator_config": CONFIG}, expect_failure=True)
    assert ("spec.users.%s" % long_user) in result["msg"] and "63 bytes" in result["msg"]
    assert role_names(pg) == before
    result = run_module({"definition": manifest(users={"good": []}, databases={long_db: "good"}), "operator_config": CONFIG},
                        expect_failure=True)
    assert ("spec.databases.%s" % long_db) in result["msg"]
    assert pg.query("SELECT count(*) FROM pg_database WHERE datname LIKE 'ddd%'") == [(0,)]


@pytest.mark.parametrize("database", ["postgres", "template1", "template0"])
def test_system_databases_are_never_re_owned(pg, run_module, database):
    owners = dict(pg.query("SELECT datname, pg_get_userbyid(datdba) FROM pg_database"))
    result = run_module({"definition": manifest(users={"owner1": []}, databases={database: "owner1"}), "operator_config": CONFIG},
                        expect_failure=True)
    assert ("spec.databases.%s" % database) in result["msg"] and "system database" in result["msg"]
    assert dict(pg.query("SELECT datname, pg_get_userbyid(datdba) FROM pg_database")) == owners
    assert "owner1" not in role_names(pg)


def test_a_statement_that_waits_too_long_fails_naming_the_server(pg, run_module):
    """Every statement is bounded (statement_timeout): a sync stuck behind a lock on the role catalog
    fails with a message naming the server instead of hanging (issue 12, defect 12)."""
    blocker = pg.connect(autocommit=False)
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE pg_auth_members IN ACCESS EXCLUSIVE MODE")  # the catalog query reads it; logging in does not
        result = run_module({"definition": manifest(users={"good": []}), "operator_config": CONFIG, "statement_timeout": 1},
                            expect_failure=True)
    finally:
        blocker.rollback()
        blocker.close()
    assert "statement timeout" in result["msg"], result["msg"]
    assert "PostgreSQL at %s:%d" % (pg.sockdir, pg.port) in result["msg"], result["msg"]
    assert "good" not in role_names(pg)
