"""The role step of a reconcile (plugins/module_utils/roles_step.py): skip logic, connection
parameters and the RolesSynced condition, with a fake KubeApi and a fake connect (no server)."""

import base64

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils import roles_step as rs
from ansible_collections.pgkube.operator.plugins.module_utils import status as st
from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec

NAME = "acid-test"
NS = "ns1"
SUPER_SECRET = "postgres.%s.credentials.postgresql.acid.zalan.do" % NAME


def manifest(**spec):
    base = {"teamId": "acid", "numberOfInstances": 2, "volume": {"size": "1Gi"}, "postgresql": {"version": "15"},
            "users": {"app": []}, "databases": {"app": "app"}}
    base.update(spec)
    return {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": NAME, "namespace": NS, "generation": 1},
            "spec": base}


def pod(name, role="master", ready=True, ip="10.0.0.5", deleting=False):
    meta = {"name": name, "namespace": NS, "labels": {"application": "spilo", "cluster-name": NAME, "spilo-role": role}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
    return {"metadata": meta, "status": status}


def b64(text):
    return base64.b64encode(text.encode()).decode()


class FakeApi:
    def __init__(self, pods=(), secrets=None):
        self.pods = list(pods)
        self.secrets = dict(secrets or {})
        self.requests = {"read": 0, "write": 0}
        self.selectors = []

    def list(self, kind, api_version, namespace=None, label_selector=None):
        self.requests["read"] += 1
        self.selectors.append((kind, namespace, label_selector))
        wanted = dict(item.split("=", 1) for item in (label_selector or "").split(",") if item)
        return [p for p in self.pods if all(p["metadata"]["labels"].get(k) == v for k, v in wanted.items())]

    def get(self, kind, api_version, namespace, name):
        self.requests["read"] += 1
        if kind == "Secret" and (namespace, name) in self.secrets:
            return {"data": self.secrets[(namespace, name)]}
        return None

    def patch(self, *args, **kwargs):
        self.requests["write"] += 1


def cluster(**spec):
    return ClusterSpec.from_manifest(manifest(**spec))


CFG = OperatorConfig.defaults()


def test_skip_reasons_in_order():
    pods = [pod("acid-test-0")]
    off = OperatorConfig.from_dict({"enable_database_access": False})
    assert rs.skip_reason(cluster(), off, pods).reason == rs.DATABASE_ACCESS_DISABLED
    assert rs.skip_reason(cluster(numberOfInstances=0), CFG, pods).reason == rs.NO_INSTANCES
    assert rs.skip_reason(cluster(standby={"s3_wal_path": "s3://bucket/wal"}), CFG, pods).reason == rs.STANDBY
    env = [{"name": "STANDBY_WALE_S3_PREFIX", "value": "s3://b/p"}]
    assert rs.skip_reason(cluster(env=env), CFG, pods).reason == rs.STANDBY
    assert rs.skip_reason(cluster(), CFG, []).reason == rs.WAITING_FOR_MASTER
    assert rs.skip_reason(cluster(), CFG, pods) is None


def test_skipped_outcome_is_unknown_and_stable():
    first = rs.skip_reason(cluster(), CFG, [])
    second = rs.skip_reason(cluster(), CFG, [pod("acid-test-0", ready=False)])
    assert (first.status, first.skipped, first.changed, first.queries) == ("Unknown", True, False, [])
    assert first.message == second.message and "spilo-role=master" in first.message


@pytest.mark.parametrize("candidate", [
    pod("acid-test-0", role="replica"),
    pod("acid-test-0", ready=False),
    pod("acid-test-0", ip=None),
    pod("acid-test-0", deleting=True),
])
def test_not_a_ready_master(candidate):
    assert rs.ready_master([candidate], CFG) is None


def test_ready_master_uses_configured_role_label():
    cfg = OperatorConfig.from_dict({"pod_role_label": "role"})
    master = pod("acid-test-1")
    master["metadata"]["labels"]["role"] = "master"
    assert rs.ready_master([pod("acid-test-0"), master], cfg) is not None
    assert rs.ready_master([pod("acid-test-0")], cfg) is None


def test_db_port_argument_env_default():
    assert rs.db_port(None, {}) == 5432
    assert rs.db_port(None, {"PGKUBE_DB_PORT": "15432"}) == 15432
    assert rs.db_port(6543, {"PGKUBE_DB_PORT": "15432"}) == 6543
    with pytest.raises(PgkubeError):
        rs.db_port(None, {"PGKUBE_DB_PORT": "nope"})
    with pytest.raises(PgkubeError):
        rs.db_port(None, {"PGKUBE_DB_PORT": "70000"})


def test_step_skips_without_connecting_and_without_writes():
    calls = []
    api = FakeApi(pods=[pod("acid-test-0", role="replica")])
    outcome = rs.make_sync_roles(api, connect=calls.append)(manifest(), CFG)
    assert outcome.reason == rs.WAITING_FOR_MASTER and calls == []
    assert api.requests["write"] == 0
    kind, namespace, selector = api.selectors[0]
    assert (kind, namespace) == ("Pod", NS)
    assert "spilo-role=master" in selector and "cluster-name=%s" % NAME in selector


def test_step_database_access_off_reads_nothing():
    api = FakeApi(pods=[pod("acid-test-0")])
    off = OperatorConfig.from_dict({"enable_database_access": False})
    assert rs.make_sync_roles(api)(manifest(), off).reason == rs.DATABASE_ACCESS_DISABLED
    assert api.requests == {"read": 0, "write": 0}


class Refused(Exception):
    pass


def test_step_connects_to_master_ip_as_superuser():
    seen = []

    def connect(params):
        seen.append(dict(params))
        raise Refused("connection refused")
    secrets = {(NS, SUPER_SECRET): {"username": b64("postgres"), "password": b64("s3cret-pw")}}
    api = FakeApi(pods=[pod("acid-test-0", role="replica", ip="10.0.0.4"), pod("acid-test-1", ip="10.0.0.7")], secrets=secrets)
    with pytest.raises(Refused):
        rs.make_sync_roles(api, db_port=15432, connect=connect)(manifest(), CFG)
    params = seen[0]
    assert (params["login_host"], params["login_port"], params["login_user"], params["login_password"]) == ("10.0.0.7", 15432, "postgres", "s3cret-pw")
    assert params["login_db"] == "postgres"
    assert (params["ssl_mode"], params["connect_timeout"]) == ("require", 15)  # upstream's superuser connection


def test_ssl_mode_env_default_and_refusal():
    assert rs.ssl_mode({}) == "require"
    assert rs.ssl_mode({"PGKUBE_DB_SSLMODE": "verify-ca"}) == "verify-ca"
    with pytest.raises(PgkubeError) as info:
        rs.ssl_mode({"PGKUBE_DB_SSLMODE": "sometimes"})
    assert "PGKUBE_DB_SSLMODE" in str(info.value)


def test_step_without_superuser_password_fails_without_connecting():
    calls = []
    api = FakeApi(pods=[pod("acid-test-0")])
    with pytest.raises(PgkubeError) as info:
        rs.make_sync_roles(api, connect=calls.append)(manifest(), CFG)
    assert "superuser" in str(info.value) and calls == []


def test_roles_condition_from_outcomes():
    waiting = st.roles_condition(rs.skip_reason(cluster(), CFG, []), 3)
    assert (waiting["type"], waiting["status"], waiting["reason"], waiting["observedGeneration"]) == ("RolesSynced", "Unknown", "WaitingForMaster", 3)
    done = st.roles_condition(rs.RolesOutcome("True", rs.SYNCED, "Roles and databases are in sync", changed=True, queries=["CREATE ROLE x"]))
    assert (done["status"], done["reason"]) == ("True", "Synced")
    assert st.roles_condition({"changed": False})["status"] == "True"
    failed = st.roles_condition(None, error="cannot connect: password=hunter2")
    assert (failed["status"], failed["reason"]) == ("False", "RolesSyncFailed") and "hunter2" not in failed["message"]


def test_waiting_status_is_write_free_on_resync():
    pods = st.pods_condition([], 2, 1)
    roles = st.roles_condition(rs.skip_reason(cluster(), CFG, []), 1)
    first = st.build_status({}, st.RUNNING, 1, extra_conditions=[pods, roles])
    again = st.build_status(first, st.RUNNING, 1, extra_conditions=[st.pods_condition([], 2, 1),
                                                                    st.roles_condition(rs.skip_reason(cluster(), CFG, []), 1)])
    assert st.status_patch(first, again) is None


def test_outcome_summary_counts_statement_kinds_and_names_no_statement():
    outcome = rs.RolesOutcome("True", rs.SYNCED, "in sync", changed=True,
                              queries=['CREATE ROLE "a" LOGIN PASSWORD \'********\'', 'CREATE ROLE "b"', 'GRANT "a" TO "b"',
                                       'ALTER DATABASE "foo" OWNER TO "a"', 'COMMENT ON ROLE "a" IS \'x\'',
                                       'ALTER DEFAULT PRIVILEGES FOR ROLE "a" GRANT SELECT ON TABLES TO "b"'],
                              secrets_updated=["ns/a.acid-test.credentials.postgresql.acid.zalan.do"])
    text = outcome.summary()
    assert text == ("Roles and databases synced: 1 ALTER DATABASE, 1 ALTER DEFAULT PRIVILEGES, 1 COMMENT ON, 2 CREATE ROLE, 1 GRANT; "
                    "rotated credentials written to ns/a.acid-test.credentials.postgresql.acid.zalan.do")
    assert '"a"' not in text and "****" not in text
    assert rs.RolesOutcome("True", rs.SYNCED, "in sync").summary() == "Roles and databases synced: no statement"
