"""The role step of the reconcile against the real kube-apiserver and a real PostgreSQL 15.

A cluster is reconciled while no pod is a ready master (Creating, RolesSynced Unknown /
WaitingForMaster, no SQL). Then pod-0 is made to look like a ready master whose podIP is the test
server's loopback address (the server listens on 127.0.0.N, the port comes from the documented
override): a reconcile before the server knows the superuser password fails the role step only
(Running, Reconciled False / RolesSyncFailed, requeue, no password in status or Events); with the
password of the superuser Secret set in the server, the manifest's roles and databases are created
and RolesSynced is True; one more reconcile through the native engine writes nothing to Kubernetes
and runs no modifying SQL. Last, postgres_cluster with reconcile: true (the ansible engine's path)
recreates a role dropped behind the operator's back.
"""

import os
import re
import sys

import pytest
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reconcile_helpers import NAME, condition, create_cr, events_for, kube_api, load_minimal, read_cr  # noqa: E402
from pg_loopback import LoopbackServer  # noqa: E402
from playbook_runner import run_module  # noqa: E402

from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import reconcile_cluster  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.roles_step import make_sync_roles  # noqa: E402

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
MODIFYING = re.compile(r"statement: (CREATE|ALTER|GRANT|REVOKE|DROP|COMMENT)", re.I)
SUPER_SECRET = "postgres.%s.credentials.postgresql.acid.zalan.do" % NAME


@pytest.fixture(scope="module")
def pg_loop():
    server = LoopbackServer()
    try:
        server.start()
    except Exception as exc:  # pylint: disable=broad-except
        server.stop()
        pytest.fail("cannot start the PostgreSQL test server: %s" % exc, pytrace=False)
    yield server
    server.stop()


def reconcile(kubeconfig, api_client, namespace, cfg, port):
    api = kube_api(kubeconfig)
    result = reconcile_cluster(api, read_cr(api_client, namespace), cfg, recorder=EventRecorder(api, instance="test"),
                               sync_roles=make_sync_roles(api, db_port=port))
    return result, api


def make_ready_master(api_client, namespace, pod_name, ip):
    core = k8s.CoreV1Api(api_client)
    core.patch_namespaced_pod(pod_name, namespace, {"metadata": {"labels": {"spilo-role": "master"}}})
    status = {"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                         "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}]}}
    core.patch_namespaced_pod_status(pod_name, namespace, status)
    return core.read_namespaced_pod(pod_name, namespace)


def superuser_password(api_client, namespace):
    import base64
    secret = k8s.CoreV1Api(api_client).read_namespaced_secret(SUPER_SECRET, namespace)
    return base64.b64decode(secret.data["password"]).decode()


def roles_in(server):
    return set(r[0] for r in server.query("SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%'"))


def databases_in(server):
    return dict(server.query("SELECT d.datname, r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba"))


def test_roles_and_databases_synced_once_a_master_is_ready(kubeconfig, api_client, namespace, crds, pg_loop, wait_for, monkeypatch):
    cfg = OperatorConfig.defaults()
    manifest = load_minimal(namespace)
    manifest["spec"]["numberOfInstances"] = 1
    create_cr(api_client, manifest)

    # 1. no ready master: the objects are created, the role step waits without failing
    first, _api = reconcile(kubeconfig, api_client, namespace, cfg, pg_loop.port)
    assert first.error is None, first.error
    assert (first.status, first.phase, first.requeue) == ("Creating", "Create", False)
    status = read_cr(api_client, namespace)["status"]
    roles = condition(status, "RolesSynced")
    assert (roles["status"], roles["reason"]) == ("Unknown", "WaitingForMaster")
    assert condition(status, "Reconciled")["status"] == "True"
    assert pg_loop.statements_logged() == []

    # 2. pod-0 (created by the StatefulSet controller) becomes a ready master at the server's address;
    #    the server does not know the superuser password yet: the role step fails, the cluster stays Running
    core = k8s.CoreV1Api(api_client)
    pod_name = NAME + "-0"
    wait_for(lambda: any(p.metadata.name == pod_name for p in core.list_namespaced_pod(namespace).items), what="pod-0")
    pod = make_ready_master(api_client, namespace, pod_name, pg_loop.host)
    assert pod.status.pod_ip == pg_loop.host, "the API server did not keep the loopback podIP"
    failed, _api = reconcile(kubeconfig, api_client, namespace, cfg, pg_loop.port)
    password = superuser_password(api_client, namespace)
    assert failed.requeue is True and failed.error and password not in failed.error
    assert "%s:%d" % (pg_loop.host, pg_loop.port) in failed.error
    status = read_cr(api_client, namespace)["status"]
    assert status["PostgresClusterStatus"] == "Running"
    # consistent: the reconcile did not finish (it read Reconciled=True with reason RolesSyncFailed before)
    assert (condition(status, "Reconciled")["status"], condition(status, "Reconciled")["reason"]) == ("False", "RolesSyncFailed")
    assert (condition(status, "RolesSynced")["status"], condition(status, "RolesSynced")["reason"]) == ("False", "RolesSyncFailed")
    assert password not in str(status)
    assert all(password not in (e.message or "") for e in events_for(api_client, namespace))
    assert condition(status, "PodsReady")["status"] == "True"
    ready_events = [(e.type, e.message) for e in events_for(api_client, namespace) if "Pods are ready" in (e.message or "")]
    assert ready_events == [("Normal", "Pods are ready (1 of 1 pods ready)")]

    # 3. the superuser Secret's password in the server: roles and databases of the manifest are created
    pg_loop.query("ALTER ROLE postgres PASSWORD %s", (password,))
    done, _api = reconcile(kubeconfig, api_client, namespace, cfg, pg_loop.port)
    assert done.error is None, done.error
    assert done.changed is True and done.roles_result.changed is True
    assert done.roles_result.queries and all(password not in q for q in done.roles_result.queries)
    assert {"zalando", "foo_user", "bar_owner", "bar_reader", "bar_writer", "standby"} <= roles_in(pg_loop)
    databases = databases_in(pg_loop)
    assert databases.get("foo") == "zalando" and databases.get("bar") == "bar_owner"
    status = read_cr(api_client, namespace)["status"]
    assert (condition(status, "RolesSynced")["status"], condition(status, "RolesSynced")["reason"]) == ("True", "Synced")
    assert (condition(status, "Reconciled")["status"], status["PostgresClusterStatus"]) == ("True", "Running")
    roles_events = [e for e in events_for(api_client, namespace) if e.reason == "Roles"]
    normal = [e.message for e in roles_events if e.type == "Normal"]
    assert len(normal) == 1 and "CREATE ROLE" in normal[0] and "CREATE DATABASE" in normal[0], normal
    # the default configuration enables the Teams API; without its token Secret that is a Warning
    warnings = [e.message for e in roles_events if e.type == "Warning"]
    assert warnings and all("Teams API" in w for w in warnings), warnings
    assert all(password not in e.message for e in roles_events)
    events_before = sorted((e.metadata.name, e.count) for e in events_for(api_client, namespace))

    # 4. once more through the native engine as the watcher wires it (port from PGKUBE_DB_PORT):
    #    no Kubernetes write, no modifying SQL
    sys.path.insert(0, WATCHER)
    from pgkube_watcher.engines.native import NativeEngine  # pylint: disable=import-outside-toplevel
    monkeypatch.setenv("PGKUBE_DB_PORT", str(pg_loop.port))
    engine = NativeEngine(lambda: kube_api(kubeconfig), sync_roles_factory=make_sync_roles)
    logged = len(pg_loop.statements_logged())
    outcome = engine.reconcile(read_cr(api_client, namespace), cfg)
    assert outcome.error is None, outcome.error
    assert (outcome.status, outcome.changed) == ("Running", False)
    assert engine.request_counts()["write"] == 0
    new_lines = pg_loop.statements_logged()[logged:]
    assert new_lines, "the engine did not look at the catalog"
    assert [line for line in new_lines if MODIFYING.search(line)] == []
    assert sorted((e.metadata.name, e.count) for e in events_for(api_client, namespace)) == events_before

    # 5. the ansible engine's path: postgres_cluster reconcile: true recreates a role dropped behind our back
    pg_loop.query('DROP ROLE "foo_user"')
    run = run_module("postgres_cluster", {"name": NAME, "namespace": namespace, "reconcile": True}, kubeconfig,
                     extra_env={"PGKUBE_DB_PORT": str(pg_loop.port)})
    assert not run.failed, run.output[-3000:]
    assert run.result["roles"]["status"] == "True" and run.result["roles"]["changed"] is True
    assert any('"foo_user"' in q for q in run.result["roles"]["queries"])
    assert password not in run.output
    assert "foo_user" in roles_in(pg_loop)

    # 6. the master stops being ready: PodsReady False and one Warning Event, not repeated on a resync
    core.patch_namespaced_pod_status(pod_name, namespace, {"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
    for _attempt in range(2):
        unready, _api = reconcile(kubeconfig, api_client, namespace, cfg, pg_loop.port)
        assert unready.error is None, unready.error
    assert condition(read_cr(api_client, namespace)["status"], "PodsReady")["status"] == "False"
    not_ready = [e for e in events_for(api_client, namespace) if e.reason == "PodsNotReady"]
    assert [(e.type, e.message, e.count) for e in not_ready] == [("Warning", "Pods are not ready: 0 of 1 pods ready", 1)]
