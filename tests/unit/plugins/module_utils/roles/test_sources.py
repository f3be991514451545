"""Desired role sets: priorities, protected names, infrastructure formats, Teams roles, prepared databases (pure)."""

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.roles import infrastructure, prepared, teams
from ansible_collections.pgkube.operator.plugins.module_utils.roles.secrets_data import normalize_credentials
from ansible_collections.pgkube.operator.plugins.module_utils.roles.settings import RoleSettings
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sources import build_desired
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import (
    ORIGIN_INFRASTRUCTURE, ORIGIN_TEAMS_API, ORIGIN_BOOTSTRAP, ORIGIN_SYSTEM, ORIGIN_GROUP, RoleSpec,
)


def settings(**over):
    return RoleSettings.from_config(over)


def manifest(**spec):
    return {"metadata": {"name": "acid-x"}, "spec": spec}


def test_manifest_users_flags_admin_and_owner_roles():
    cfg = settings(additional_owner_roles="cron_admin")
    desired = build_desired(manifest(users={"foo": ["createdb"], "bar": ["nologin"]}, databases={"d": "foo"}), cfg,
                            normalize_credentials({"foo": "pw"}))
    owner = desired.roles["foo"]
    assert owner.flags == ["CREATEDB", "LOGIN"]
    assert owner.admin_role == "admin" and owner.member_of == ["cron_admin"] and owner.is_db_owner
    assert owner.password == "pw" and "pw" not in repr(owner) and "pw" not in str(owner.as_dict())
    assert desired.roles["bar"].flags == []
    assert desired.roles["admin"].origin == ORIGIN_GROUP and desired.roles["cron_admin"].origin == ORIGIN_GROUP
    assert desired.roles["postgres"].origin == ORIGIN_SYSTEM


def test_admin_role_disabled():
    desired = build_desired(manifest(users={"foo": []}), settings(enable_admin_role_for_users="false"))
    assert desired.roles["foo"].admin_role is None and "admin" not in desired.roles


def test_priority_order():
    cfg = settings()
    infra = [RoleSpec("shared", ORIGIN_INFRASTRUCTURE, flags=["LOGIN"], member_of=["infra_group"], password="i")]
    team = [RoleSpec("shared", ORIGIN_TEAMS_API, flags=["LOGIN"], member_of=["zalandos"])]
    desired = build_desired(manifest(users={"shared": ["superuser"]}), cfg, infra_roles=infra)
    assert desired.roles["shared"].origin == ORIGIN_INFRASTRUCTURE  # manifest < infrastructure
    desired = build_desired(manifest(users={"shared": []}), cfg, infra_roles=infra, team_roles=team)
    assert desired.roles["shared"].origin == ORIGIN_TEAMS_API
    # prepared database roles beat everything
    desired = build_desired(manifest(users={"db1_owner": ["superuser"]}, preparedDatabases={"db1": {}}), cfg)
    assert desired.roles["db1_owner"].origin == ORIGIN_BOOTSTRAP and desired.roles["db1_owner"].flags == []


def test_protected_and_system_names_warn():
    desired = build_desired(manifest(users={"admin": [], "postgres": ["nosuperuser"], "ok": []}), settings())
    assert any("'admin'" in w for w in desired.warnings) and any("'postgres'" in w for w in desired.warnings)
    assert desired.roles["postgres"].flags == ["LOGIN", "SUPERUSER"]


@pytest.mark.parametrize("users,path", [({"Bad": []}, "spec.users.Bad"), ({"ok": ["fly"]}, "spec.users.ok[0]"),
                                        ({"ok": ["login", "nologin"]}, "spec.users.ok[1]")])
def test_invalid_users(users, path):
    with pytest.raises(ValidationError) as err:
        build_desired(manifest(users=users), settings())
    assert err.value.path == path


def test_infrastructure_template_and_definitions():
    cfg = settings(infrastructure_roles_secret_name="legacy",
                   infrastructure_roles_secrets=[{"secretname": "s2", "userkey": "u", "passwordkey": "p", "defaultrolevalue": "grp"}])
    warnings = []
    roles = infrastructure.infrastructure_roles(cfg, {
        "legacy": {"user1": "r1", "password1": "x1", "inrole1": "g1", "user2": "r2", "password2": "", "user4": "never"},
        "s2": {"u": "r3", "p": "x3"},
    }, {}, warnings)
    assert [(r.name, r.member_of) for r in roles] == [("r1", ["g1"]), ("r3", ["grp"])]
    assert any("'r2'" in w and "no password" in w for w in warnings)


def test_infrastructure_configmap_format_and_bad_entries():
    cfg = settings(infrastructure_roles_secret_name="combo")
    warnings = []
    roles = infrastructure.infrastructure_roles(cfg, {"combo": {"a": "pa", "b": "pb", "c": "pc", "d": "pd"}}, {"combo": {
        "a": "inrole: [g]\nuser_flags: [createdb]\ndb_parameters: {work_mem: 8MB}",
        "b": "user_flags: [bogus]",
        "c": "[not, a, map]",
        "d": "user_flags: [nologin]",
    }}, warnings)
    assert [(r.name, r.flags, r.member_of, r.parameters) for r in roles] == [
        ("a", ["CREATEDB", "LOGIN"], ["g"], {"work_mem": "8MB"}), ("d", [], [], {})]
    assert len(warnings) == 2


def test_infrastructure_definition_string():
    cfg = settings(infrastructure_roles_secrets="secretname:s,userkey:user,passwordkey:password,rolekey:inrole")
    assert infrastructure.parse_definitions(cfg)[0]["userkey"] == "user"
    warnings = []
    assert infrastructure.infrastructure_roles(cfg, {}, {}, warnings) == [] and "not found" in warnings[0]


def test_team_roles():
    cfg = settings(postgres_superuser_teams="dba")
    warnings = []
    roles = teams.team_roles(cfg, "acid", ["alice", "admin", "Bad Name"], ["carol"], warnings)
    by = dict((r.name, r) for r in roles)
    assert sorted(by) == ["alice", "carol"]
    assert by["alice"].member_of == ["admin", "zalandos"] and by["alice"].parameters == {"log_statement": "all"}
    assert by["carol"].flags == ["LOGIN", "SUPERUSER"] and by["carol"].member_of == ["zalandos"]
    assert len(warnings) == 2
    # owning team is a superuser team: no admin roles
    roles = teams.team_roles(settings(enable_team_superuser="true"), "acid", ["alice"])
    assert roles[0].flags == ["LOGIN", "SUPERUSER"] and roles[0].member_of == ["zalandos"]


def test_prepared_role_sets():
    roles, dbs = prepared.prepared_databases({"shop": {"defaultUsers": True, "schemas": {"s1": {"defaultUsers": True}, "s2": {"defaultRoles": False}}}},
                                             "c", "admin")
    by = dict((r.name, r) for r in roles)
    assert sorted(by) == sorted(["shop_owner", "shop_reader", "shop_writer", "shop_owner_user", "shop_reader_user", "shop_writer_user",
                                 "shop_s1_owner", "shop_s1_reader", "shop_s1_writer", "shop_s1_owner_user", "shop_s1_reader_user",
                                 "shop_s1_writer_user"])
    assert by["shop_owner"].admin_role == "admin" and by["shop_reader"].admin_role == "shop_owner"
    assert by["shop_writer"].member_of == ["shop_reader"] and by["shop_s1_owner"].admin_role == "shop_owner"
    assert by["shop_s1_reader"].admin_role == "shop_s1_owner"
    assert by["shop_owner"].parameters == {"search_path": '"$user", s1, s2'}
    assert by["shop_s1_writer_user"].parameters == {"search_path": '"$user", s1'} and by["shop_s1_writer_user"].login
    db = dbs[0]
    assert db.owner == "shop_owner" and [s.owner for s in db.schemas] == ["shop_s1_owner", "shop_owner"]
    assert [p[0] for p in db.default_privileges] == ["shop_owner", "shop_owner_user"]


def test_prepared_defaults():
    roles, dbs = prepared.prepared_databases({}, "acid-minimal", "admin")
    assert dbs[0].name == "acid_minimal" and [s.name for s in dbs[0].schemas] == ["data"]
    assert "acid_minimal_data_owner" in [r.name for r in roles]
    assert prepared.prepared_databases(None, "c", "admin") == ([], [])


def test_settings_parse_configmap_strings():
    cfg = settings(enable_password_rotation="true", password_rotation_interval="30", protected_role_names="a, b",
                   team_api_role_configuration="log_statement:ddl,work_mem:4MB")
    assert cfg.enable_password_rotation is True and cfg.password_rotation_interval == 30
    assert cfg.protected_role_names == ["a", "b"]
    assert cfg.team_api_role_configuration == {"log_statement": "ddl", "work_mem": "4MB"}
    with pytest.raises(ValidationError):
        settings(enable_teams_api="maybe")
