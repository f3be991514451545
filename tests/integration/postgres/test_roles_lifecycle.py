"""Roles and databases leaving the manifest (keep / rename / drop) and password rotation, on a real server."""

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.roles.connection import connect
from ansible_collections.pgkube.operator.plugins.module_utils.roles.settings import RoleSettings
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sync import sync

CONFIG = {"enable_teams_api": "false"}


def manifest(**spec):
    body = {"teamId": "acid", "postgresql": {"version": "15"}}
    body.update(spec)
    return {"metadata": {"name": "acid-test", "namespace": "default"}, "spec": body}


def roles(pg):
    return dict(pg.query("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname !~ '^pg_'"))


def databases(pg):
    return set(r[0] for r in pg.query("SELECT datname FROM pg_database"))


FULL = manifest(users={"keep_me": [], "leaver": []}, databases={"db_keep": "keep_me", "db_leave": "leaver"})
LESS = manifest(users={"keep_me": []}, databases={"db_keep": "keep_me"})


def test_absent_keep_is_default(pg, run_module):
    run_module({"definition": FULL, "operator_config": CONFIG})
    result = run_module({"definition": LESS, "operator_config": CONFIG})
    assert not result["changed"]
    assert "leaver" in roles(pg) and "db_leave" in databases(pg)


def test_absent_rename(pg, run_module):
    pg.query("CREATE ROLE outsider LOGIN")  # not created by us: never touched
    run_module({"definition": FULL, "operator_config": CONFIG})
    result = run_module({"definition": LESS, "operator_config": CONFIG, "absent_roles": "rename"})
    assert result["roles_renamed"] == ["leaver"]
    assert result["databases_renamed"] == ["db_leave"]
    current = roles(pg)
    assert "leaver" not in current and current["leaver_deleted"] is False
    assert current["outsider"] is True
    assert "db_leave_deleted" in databases(pg)
    assert not run_module({"definition": LESS, "operator_config": CONFIG, "absent_roles": "rename"})["changed"]
    # coming back: a new role is created; the renamed one stays for a person to inspect
    back = run_module({"definition": FULL, "operator_config": CONFIG, "absent_roles": "rename"})
    assert "leaver" in back["roles_created"]


def test_absent_drop(pg, run_module):
    run_module({"definition": FULL, "operator_config": CONFIG})
    check = run_module({"definition": LESS, "operator_config": CONFIG, "absent_roles": "drop"}, check_mode=True)
    assert 'DROP DATABASE "db_leave"' in check["queries"]
    assert "db_leave" in databases(pg) and "leaver" in roles(pg)
    result = run_module({"definition": LESS, "operator_config": CONFIG, "absent_roles": "drop"})
    assert result["databases_dropped"] == ["db_leave"]
    assert "db_leave" not in databases(pg)
    assert result["roles_dropped"] == ["leaver"]
    assert "leaver" not in roles(pg)
    assert not run_module({"definition": LESS, "operator_config": CONFIG, "absent_roles": "drop"})["changed"]


@pytest.fixture
def lib(pg):
    conn = connect(pg.params)
    yield conn
    conn.close()


def rotate(conn, pg, spec, secrets, now, config=None):
    settings = RoleSettings.from_config(dict({"enable_password_rotation": "false", "password_rotation_interval": "30",
                                              "password_rotation_user_retention": "60"}, **(config or {})))
    report = sync(conn, pg.params, manifest(**spec), settings, secrets=secrets, now=now)
    for user, cred in report.credential_updates.items():
        secrets[user] = cred.as_secret_data()
    return report


def test_rotation_new_user(pg, lib):
    now = datetime(2026, 1, 10, tzinfo=timezone.utc)
    spec = {"users": {"app": ["createdb"]}, "usersWithSecretRotation": ["app"]}
    secrets = {"app": {"username": "app", "password": "first-pass"}}
    first = rotate(lib, pg, spec, secrets, now)
    assert secrets["app"]["nextRotation"] == "2026-02-09T00:00:00Z"
    assert "app" in first.summary["roles_created"]
    # not due yet: nothing to do
    assert rotate(lib, pg, spec, secrets, now + timedelta(days=1)).queries == []
    pg.query("CREATE ROLE app251001 LOGIN IN ROLE app")  # an old rotation user, past retention
    pg.query("CREATE ROLE app260101 LOGIN IN ROLE app")  # a recent one, kept
    due = now + timedelta(days=31)
    report = rotate(lib, pg, spec, secrets, due)
    assert secrets["app"]["username"] == "app260210"
    assert secrets["app"]["password"] != "first-pass"
    assert report.summary["roles_created"] == ["app260210"]
    assert report.summary["roles_dropped"] == ["app251001"]
    assert all(secrets["app"]["password"] not in q for q in report.queries)
    pg.connect(user="app260210", password=secrets["app"]["password"], tcp=True).close()
    members = pg.query("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = 'app260210'::regrole")
    assert members == [("app",)]
    assert {"app", "app260101", "app260210"} <= set(roles(pg))
    assert rotate(lib, pg, spec, secrets, due).queries == []


def test_rotation_in_place_and_disable(pg, lib):
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    spec = {"users": {"svc": []}, "usersWithInPlaceSecretRotation": ["svc"]}
    secrets = {"svc": {"username": "svc", "password": "svc-pass", "nextRotation": "2026-02-01T00:00:00Z"}}
    rotate(lib, pg, spec, secrets, now)
    assert secrets["svc"]["username"] == "svc"
    assert secrets["svc"]["password"] != "svc-pass"
    assert secrets["svc"]["nextRotation"] == "2026-03-31T00:00:00Z"
    pg.connect(user="svc", password=secrets["svc"]["password"], tcp=True).close()
    # rotation switched off again: credentials reset, nextRotation cleared
    report = rotate(lib, pg, {"users": {"svc": []}}, secrets, now)
    assert "nextRotation" not in secrets["svc"]
    assert report.summary["roles_altered"] == ["svc"]
    pg.connect(user="svc", password=secrets["svc"]["password"], tcp=True).close()


def test_global_rotation_skips_owners_and_superuser(pg, lib):
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    spec = {"users": {"owner_u": [], "plain": []}, "databases": {"d1": "owner_u"}, "usersWithSecretRotation": ["postgres"]}
    secrets = {"owner_u": {"password": "o-pass"}, "plain": {"password": "p-pass"}, "postgres": {"password": "pg-pass"}}
    report = rotate(lib, pg, spec, secrets, now, {"enable_password_rotation": "true"})
    assert sorted(report.credential_updates) == ["plain"]
    assert any("superuser" in w for w in report.warnings)
