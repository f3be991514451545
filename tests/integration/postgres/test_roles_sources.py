"""Role sources against a real PostgreSQL 15: prepared databases, infrastructure roles, Teams API, priorities."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

CONFIG = {"enable_teams_api": "false"}


def manifest(**spec):
    body = {"teamId": "acid", "postgresql": {"version": "15"}}
    body.update(spec)
    return {"metadata": {"name": "acid-test", "namespace": "default"}, "spec": body}


def role_row(pg, name):
    rows = pg.query("SELECT rolcanlogin, rolsuper, rolcreatedb, (SELECT setconfig FROM pg_db_role_setting s WHERE s.setrole = r.oid "
                    "AND s.setdatabase = 0) FROM pg_roles r WHERE rolname = %s", (name,))
    return rows[0] if rows else None


def member_of(pg, name):
    return [r[0] for r in pg.query("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                                   "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = %s) ORDER BY 1", (name,))]


def test_prepared_databases(pg, run_module):
    prepared = {"shop": {"defaultUsers": True, "schemas": {"data": {}, "history": {"defaultRoles": False}},
                         "extensions": {"pg_trgm": "data"}}}
    args = {"definition": manifest(preparedDatabases=prepared), "operator_config": CONFIG,
            "secrets": {"shop_owner_user": "o-pass", "shop_writer_user": "w-pass"}}
    result = run_module(args)
    assert "shop" in result["databases_created"]
    for name in ("shop_owner", "shop_reader", "shop_writer", "shop_data_owner", "shop_data_reader", "shop_data_writer",
                 "shop_owner_user", "shop_reader_user", "shop_writer_user"):
        assert role_row(pg, name) is not None, name
    assert "shop_history_owner" not in [r[0] for r in pg.query("SELECT rolname FROM pg_roles")]
    assert role_row(pg, "shop_owner")[0] is False
    assert role_row(pg, "shop_owner_user")[0] is True
    assert role_row(pg, "shop_owner")[3] == ['search_path="$user", data, history']
    assert role_row(pg, "shop_data_reader")[3] == ['search_path="$user", data']
    assert member_of(pg, "shop_writer") == ["shop_reader"]
    assert member_of(pg, "shop_writer_user") == ["shop_writer"]
    assert pg.query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'") == [("shop_owner",)]
    schemas = dict(pg.query("SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace", dbname="shop"))
    assert schemas["data"] == "shop_data_owner" and schemas["history"] == "shop_owner"
    assert pg.query("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'pg_trgm'",
                    dbname="shop") == [("data",)]
    # default privileges: a table created by the schema owner is readable by the schema reader
    conn = pg.connect("shop")
    with conn.cursor() as cur:
        cur.execute("SET ROLE shop_data_owner")
        cur.execute("CREATE TABLE data.t (x int)")
        cur.execute("RESET ROLE")
        cur.execute("SELECT has_table_privilege('shop_data_reader', 'data.t', 'SELECT'), "
                    "has_table_privilege('shop_data_writer', 'data.t', 'INSERT'), has_table_privilege('shop_data_reader', 'data.t', 'INSERT')")
        assert cur.fetchone() == (True, True, False)
    conn.close()
    pg.connect("shop", user="shop_owner_user", password="o-pass", tcp=True).close()
    again = run_module(args)
    assert not again["changed"], again["queries"]
    # extension moved to another schema is moved back
    pg.query("ALTER EXTENSION pg_trgm SET SCHEMA public", dbname="shop")
    fixed = run_module(args)
    assert fixed["queries"] == ['ALTER EXTENSION "pg_trgm" SET SCHEMA "data"']


def test_prepared_empty_map_uses_cluster_name(pg, run_module):
    result = run_module({"definition": manifest(preparedDatabases={}), "operator_config": CONFIG})
    assert result["databases_created"] == ["acid_test"]
    assert pg.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'data'", dbname="acid_test") == [(1,)]


def test_infrastructure_formats(pg, run_module):
    config = dict(CONFIG, infrastructure_roles_secret_name="legacy-infra",
                  infrastructure_roles_secrets="secretname:new-infra,userkey:user,passwordkey:password,rolekey:inrole")
    infra_secrets = {
        "legacy-infra": {"user1": "robot_one", "password1": "r1-pass", "inrole1": "robot_group",
                         "user2": "robot_two", "password2": "r2-pass"},
        "new-infra": {"user": "robot_new", "password": "rn-pass", "inrole": "robot_group"},
    }
    result = run_module({"definition": manifest(), "operator_config": config, "infrastructure_secrets": infra_secrets})
    assert {"robot_one", "robot_two", "robot_new", "robot_group"} <= set(result["roles_created"])
    assert member_of(pg, "robot_one") == ["robot_group"]
    assert member_of(pg, "robot_new") == ["robot_group"]
    pg.connect(user="robot_two", password="r2-pass", tcp=True).close()
    assert not run_module({"definition": manifest(), "operator_config": config, "infrastructure_secrets": infra_secrets})["changed"]


def test_infrastructure_secret_and_configmap(pg, run_module):
    config = dict(CONFIG, infrastructure_roles_secret_name="infra")
    secrets = {"infra": {"monitor": "m-pass", "batch": "b-pass", "nopass": ""}}
    configmaps = {"infra": {
        "monitor": "inrole: [pg_monitor]\nuser_flags: [createdb]\ndb_parameters:\n  statement_timeout: '5min'\n  search_path: '\"$user\", public'\n",
        "batch": "user_flags: [nologin]\n",
        "nopass": "user_flags: []\n",
        "admin": "user_flags: [superuser]\n",
    }}
    secrets["infra"]["admin"] = "x"
    result = run_module({"definition": manifest(), "operator_config": config, "infrastructure_secrets": secrets,
                         "infrastructure_configmaps": configmaps})
    row = role_row(pg, "monitor")
    assert row[0] is True and row[2] is True
    assert sorted(row[3]) == ['search_path="$user", public', "statement_timeout=5min"]
    assert member_of(pg, "monitor") == ["pg_monitor"]
    assert role_row(pg, "batch")[0] is False
    assert role_row(pg, "nopass") is None
    assert pg.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'admin'") == []  # protected name: refused
    warnings = " ".join(result.get("warnings", []))
    assert "nopass" in warnings and "'admin'" in warnings
    assert not run_module({"definition": manifest(), "operator_config": config, "infrastructure_secrets": secrets,
                           "infrastructure_configmaps": configmaps})["changed"]


class _Teams(BaseHTTPRequestHandler):
    teams = {"acid": ["alice", "bob"], "dba": ["carol"]}
    seen_auth = []

    def do_GET(self):
        type(self).seen_auth.append(self.headers.get("Authorization"))
        team = self.path.rsplit("/", 1)[-1]
        if not self.path.startswith("/api/teams/") or team not in self.teams:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps({"id": team, "member": self.teams[team]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def teams_api():
    server = HTTPServer(("127.0.0.1", 0), _Teams)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Teams.seen_auth = []
    yield "http://127.0.0.1:%d/api/" % server.server_port
    server.shutdown()
    server.server_close()


def test_teams_api(pg, run_module, teams_api):
    config = {"enable_teams_api": "true", "teams_api_url": teams_api, "postgres_superuser_teams": "dba"}
    result = run_module({"definition": manifest(users={"alice": ["createdb"]}), "operator_config": config,
                         "teams_api_token": "tok-123"})
    assert _Teams.seen_auth and set(_Teams.seen_auth) == {"Bearer tok-123"}
    assert "tok-123" not in result["_raw"]
    alice = role_row(pg, "alice")
    assert alice[0] is True and alice[1] is False
    assert alice[3] == ["log_statement=all"]
    assert member_of(pg, "alice") == ["admin", "zalandos"]  # team role wins over the manifest user of the same name
    carol = role_row(pg, "carol")
    assert carol[1] is True
    assert member_of(pg, "carol") == ["zalandos"]  # superusers get no admin role
    assert pg.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'bob'") == [(None,)]
    assert not run_module({"definition": manifest(users={"alice": ["createdb"]}), "operator_config": config,
                           "teams_api_token": "tok-123"})["changed"]


def test_teams_api_unknown_team_warns(pg, run_module, teams_api):
    config = {"enable_teams_api": "true", "teams_api_url": teams_api}
    body = manifest()
    body["spec"]["teamId"] = "nobody"
    result = run_module({"definition": body, "operator_config": config, "teams_api_token": "t"})
    assert any("not found" in w for w in result.get("warnings", []))


def test_teams_token_secret_format():
    from ansible_collections.pgkube.operator.plugins.module_utils.roles.teams import token_from_secret, TeamsAPIError
    assert token_from_secret({"read-only-token-type": "Bearer", "read-only-token-secret": "abc"}) == "abc"
    with pytest.raises(TeamsAPIError):
        token_from_secret({"read-only-token-type": "Basic", "read-only-token-secret": "abc"})


def test_protected_and_system_names_refused(pg, run_module):
    result = run_module({"definition": manifest(users={"cron_admin": [], "standby": ["superuser"], "ok_user": []}),
                         "operator_config": CONFIG})
    warnings = " ".join(result.get("warnings", []))
    assert "cron_admin" in warnings and "standby" in warnings
    assert pg.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'standby'") == [(False,)]


def test_additive_alter(pg, run_module):
    pg.query("CREATE ROLE extra_group NOLOGIN")
    pg.query("CREATE ROLE app LOGIN CREATEROLE IN ROLE extra_group")
    result = run_module({"definition": manifest(users={"app": ["createdb", "nocreaterole"]}), "operator_config": CONFIG})
    assert 'ALTER ROLE "app" WITH CREATEDB NOCREATEROLE' in result["queries"]
    assert pg.query("SELECT rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'app'") == [(True, False)]
    assert member_of(pg, "app") == ["extra_group"]  # never revoked
    pg.query("ALTER ROLE app WITH SUPERUSER")
    assert not run_module({"definition": manifest(users={"app": ["createdb", "nocreaterole"]}), "operator_config": CONFIG})["changed"]
    result = run_module({"definition": manifest(users={"app": ["nologin"]}), "operator_config": CONFIG})
    assert 'ALTER ROLE "app" WITH NOLOGIN' in result["queries"]
