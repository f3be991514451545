"""The REST API served by a real HTTP server on a free loopback port, called with urllib."""

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position,redefined-outer-name
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from pgkube_watcher.metrics import Metrics
from pgkube_watcher.rest_api import serve
from pgkube_watcher.state import OperatorState

S3_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
S3_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
CLONE_SECRET = "clone-s3-secret-value"
ENV_SECRET = "env-secret-value"


class FakeClock:
    now = 1700000000.0

    def __call__(self):
        return self.now


@pytest.fixture
def state():
    state = OperatorState(clock=FakeClock())
    state.set_config(OperatorConfig.from_configmap({
        "logical_backup_s3_secret_access_key": S3_SECRET,
        "logical_backup_s3_access_key_id": S3_KEY_ID,
        "infrastructure_roles_secret_name": "postgresql-infrastructure-roles",
        "workers": "2",
    }), controller={"namespace": "postgres-operator", "workers": 2})
    state.set_workers(2)
    return state


@pytest.fixture
def server(state):
    server = serve(state, 0, host="127.0.0.1", metrics=Metrics())
    yield server
    server.shutdown()


def call(server, path, method="GET"):
    """(status, content type, body bytes); HTTP errors are returned, not raised."""
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (server.port, path), method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        exc.close()
        return exc.code, exc.headers.get("Content-Type"), body


def get_json(server, path, expect=200):
    status, content_type, body = call(server, path)
    assert status == expect, (path, status, body)
    assert content_type == "application/json"
    return json.loads(body)


def add_cluster(state, namespace="default", name="acid-minimal", team="acid"):
    state.cluster_seen(namespace, name, team, {
        "teamId": team, "numberOfInstances": 2,
        "databases": {"foo": "zalando", "bar": "zalando"},
        "clone": {"cluster": "acid-source", "s3_secret_access_key": CLONE_SECRET},
        "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": ENV_SECRET}, {"name": "TZ", "value": "UTC"}],
    })


def test_readyz_follows_the_state(server, state):
    for path in ("/readyz/", "/readyz"):
        assert get_json(server, path, expect=503) == {"error": "not ready"}
    state.set_ready(True)
    for path in ("/readyz/", "/readyz"):
        assert get_json(server, path) == "OK"


def test_status(server, state):
    add_cluster(state)
    state.mark_synced(1700000123)
    state.set_queue(1, ["default/acid-minimal"])
    assert get_json(server, "/status/") == {"LastSyncTime": 1700000123, "Clusters": 1, "WorkerQueueSize": {"0": 0, "1": 1}}
    assert get_json(server, "/status") == get_json(server, "/status/")


def test_config_is_redacted(server):
    status, dummy, body = call(server, "/config/")
    assert status == 200
    text = body.decode("utf-8")
    assert S3_SECRET not in text and S3_KEY_ID not in text
    config = json.loads(text)
    assert set(config) == {"controller", "operator"}
    assert config["operator"]["logical_backup_s3_secret_access_key"] == "<redacted>"
    assert config["operator"]["workers"] == 2
    assert config["controller"] == {"namespace": "postgres-operator", "workers": 2}


def test_no_endpoint_leaks_a_secret(server, state):
    add_cluster(state)
    state.set_ready(True)
    state.cluster_history("default", "acid-minimal", [{"clone": {"s3_secret_access_key": CLONE_SECRET}}])
    state.set_queue("all", {"0": ["default/acid-minimal"]}, items={"0": [{"key": "default/acid-minimal", "token": ENV_SECRET}]})
    paths = ["/status/", "/readyz/", "/config/", "/clusters/", "/clusters/acid/", "/clusters/default/acid-minimal/",
             "/clusters/default/acid-minimal/logs/", "/clusters/default/acid-minimal/history/", "/workers/0/logs/",
             "/workers/0/queue/", "/workers/0/status/", "/workers/all/queue/", "/workers/all/status/", "/databases/", "/metrics"]
    for path in paths:
        status, dummy, body = call(server, path)
        assert status == 200, path
        for secret in (S3_SECRET, S3_KEY_ID, CLONE_SECRET, ENV_SECRET):
            assert secret.encode() not in body, (path, secret)


def test_clusters_and_teams(server, state):
    add_cluster(state)
    add_cluster(state, "other", "acid-second")
    add_cluster(state, "default", "bi_x-Cluster", team="B-team_2")
    assert get_json(server, "/clusters/") == {"acid": ["acid-minimal", "acid-second"], "B-team_2": ["bi_x-Cluster"]}
    assert get_json(server, "/clusters/acid/") == ["acid-minimal", "acid-second"]
    assert get_json(server, "/clusters/acid") == ["acid-minimal", "acid-second"]
    assert get_json(server, "/clusters/B-team_2/") == ["bi_x-Cluster"]
    assert get_json(server, "/clusters/nobody/", expect=500) == {"error": "could not find clusters for the team"}


def test_cluster_status(server, state):
    add_cluster(state)
    state.cluster_status("default", "acid-minimal", "SyncFailed", error="could not sync statefulset",
                         objects={"MasterService": "default/acid-minimal", "StatefulSet": "default/acid-minimal"})
    state.worker_busy(0, "default", "acid-minimal", "sync")
    body = get_json(server, "/clusters/default/acid-minimal/")
    assert set(body) == {"Team", "Cluster", "Namespace", "MasterService", "ReplicaService", "MasterEndpoint", "ReplicaEndpoint",
                         "StatefulSet", "PrimaryPodDisruptionBudget", "CriticalOpPodDisruptionBudget", "CurrentProcess",
                         "Worker", "Status", "Spec", "Error"}
    assert body["Status"] == "SyncFailed" and body["Error"] == "could not sync statefulset"
    assert body["MasterService"] == "default/acid-minimal" and body["ReplicaService"] is None
    assert body["CurrentProcess"] == {"Name": "sync", "StartTime": "2023-11-14T22:13:20Z"}
    assert body["Worker"] == "0" and body["Team"] == "acid"
    assert body["Spec"]["clone"] == {"cluster": "acid-source"}
    assert body["Spec"]["env"] == [{"name": "AWS_SECRET_ACCESS_KEY", "value": "<redacted>"}, {"name": "TZ", "value": "UTC"}]
    assert get_json(server, "/clusters/default/acid-minimal") == body
    assert get_json(server, "/clusters/default/acid-missing/", expect=500) == {"error": "could not find cluster default/acid-missing"}


def test_cluster_logs_and_history(server, state):
    add_cluster(state)
    state.cluster_log("default", "acid-minimal", "info", "cluster created", worker=1)
    state.cluster_history("default", "acid-minimal", "-numberOfInstances: 1\n+numberOfInstances: 2")
    assert get_json(server, "/clusters/default/acid-minimal/logs/") == [
        {"Time": "2023-11-14T22:13:20Z", "Level": "info", "Worker": "1", "ClusterName": "default/acid-minimal", "Message": "cluster created"}]
    assert get_json(server, "/clusters/default/acid-minimal/history/") == [
        {"EventTime": "2023-11-14T22:13:20Z", "ProcessTime": "2023-11-14T22:13:20Z",
         "Diff": ["-numberOfInstances: 1", "+numberOfInstances: 2"]}]
    assert get_json(server, "/clusters/default/acid-minimal/logs") == get_json(server, "/clusters/default/acid-minimal/logs/")
    assert "error" in get_json(server, "/clusters/default/nope/logs/", expect=500)
    assert "error" in get_json(server, "/clusters/default/nope/history/", expect=500)


def test_workers(server, state):
    add_cluster(state)
    assert get_json(server, "/workers/all/status/") == {"0": "idle", "1": "idle"}
    state.worker_busy(1, "default", "acid-minimal", "sync")
    state.worker_log(1, "info", "syncing", cluster="default/acid-minimal")
    state.set_queue(1, ["default/acid-minimal", "default/acid-other"])
    assert get_json(server, "/workers/1/status/") == {"CurrentCluster": "default/acid-minimal",
                                                      "CurrentProcess": {"Name": "sync", "StartTime": "2023-11-14T22:13:20Z"}}
    assert get_json(server, "/workers/0/status/") == "idle"
    assert get_json(server, "/workers/1/logs/")[0]["Message"] == "syncing"
    assert get_json(server, "/workers/0/logs/") == []
    assert get_json(server, "/workers/1/queue/") == {"Keys": ["default/acid-minimal", "default/acid-other"], "List": []}
    assert get_json(server, "/workers/all/queue/") == {"0": {"Keys": [], "List": []},
                                                       "1": {"Keys": ["default/acid-minimal", "default/acid-other"], "List": []}}
    assert get_json(server, "/workers/all/status/") == {"0": "idle", "1": {"CurrentCluster": "default/acid-minimal",
                                                                           "CurrentProcess": {"Name": "sync", "StartTime": "2023-11-14T22:13:20Z"}}}
    state.worker_idle(1)
    assert get_json(server, "/workers/all/status/") == {"0": "idle", "1": "idle"}
    assert get_json(server, "/workers/9/status/", expect=500) == {"error": "could not find worker 9"}
    assert get_json(server, "/workers/9/queue/", expect=500) == {"error": "could not find worker 9"}


def test_databases(server, state):
    add_cluster(state)
    state.cluster_seen("other", "acid-empty", "acid", {})
    assert get_json(server, "/databases/") == {"default/acid-minimal": ["bar", "foo"], "other/acid-empty": []}


def test_metrics(server, state):
    add_cluster(state)
    state.cluster_status("default", "acid-minimal", "Running")
    server.metrics.observe_reconcile("native", 0.5, "ok")
    status, content_type, body = call(server, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    names = set(family.name for family in text_string_to_metric_families(body.decode("utf-8")))
    assert {"pgkube_reconcile", "pgkube_reconcile_duration_seconds", "pgkube_reconcile_errors", "pgkube_queue_depth",
            "pgkube_clusters", "pgkube_watch_restarts", "pgkube_leader"} <= names
    assert b'pgkube_clusters{status="Running"} 1.0' in body  # refreshed from the state on each scrape
    assert b'pgkube_reconcile_total{engine="native",result="ok"} 1.0' in body


@pytest.mark.parametrize("path", [
    "/clusters/Default/acid-minimal/",       # namespace: lower case only
    "/clusters/-default/acid-minimal/",      # namespace starts with [a-z0-9]
    "/clusters/default-/acid-minimal/",      # ... and ends with one
    "/clusters/default/1acid/",              # cluster starts with a letter
    "/clusters/default/acid.minimal/",       # no dots in cluster names
    "/clusters/default/acid-minimal/pods/",  # unknown sub-resource
    "/clusters/default/acid-minimal/logs/x/",
    "/workers/x/status/",                    # worker ids are numbers
    "/workers/-1/queue/",
    "/workers/0/unknown/",
    "/workers/all/logs/",
    "/status/extra",
    "/databases/foo/",
    "/config/x",
])
def test_paths_under_a_handler_that_match_no_regex_are_500(server, path):
    assert get_json(server, path, expect=500) == {"error": "page not found"}


@pytest.mark.parametrize("path", ["/", "/debug/pprof/", "/debug/pprof/heap", "/nothing", "/statusx/", "/metricsx"])
def test_unknown_paths_are_404(server, path):
    assert get_json(server, path, expect=404) == {"error": "page not found"}


def test_team_regex_accepts_the_documented_characters(server, state):
    state.cluster_seen("default", "x", "Team_1-a", {})
    assert get_json(server, "/clusters/Team_1-a/") == ["x"]
    assert get_json(server, "/clusters/1Team/", expect=500) == {"error": "page not found"}  # no route
    assert get_json(server, "/clusters/team_1-a/", expect=500) == {"error": "could not find clusters for the team"}


def test_namespace_and_cluster_regex_accept_valid_names(server, state):
    state.cluster_seen("n", "C", "t", {})
    state.cluster_seen("9ns-with_underscore-0", "c_1-X", "t", {})
    assert get_json(server, "/clusters/n/C/")["Cluster"] == "C"
    assert get_json(server, "/clusters/9ns-with_underscore-0/c_1-X/")["Namespace"] == "9ns-with_underscore-0"


def test_query_string_is_ignored(server, state):
    state.set_ready(True)
    assert get_json(server, "/readyz/?verbose=1") == "OK"


def test_write_methods_are_refused(server):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        status, dummy, body = call(server, "/status/", method=method)
        assert status == 405 and json.loads(body) == {"error": "method not allowed"}


def test_head(server, state):
    state.set_ready(True)
    status, content_type, body = call(server, "/readyz/", method="HEAD")
    assert status == 200 and content_type == "application/json" and body == b""


def test_internal_error_is_json_500(state):
    class Broken(OperatorState):
        def get_status(self):
            raise RuntimeError("boom with a detail")

    server = serve(Broken(), 0, host="127.0.0.1", metrics=Metrics())
    try:
        assert get_json(server, "/status/", expect=500) == {"error": "internal error: RuntimeError"}
        assert get_json(server, "/workers/all/status/") == {}
    finally:
        server.shutdown()


def test_concurrent_requests_while_workers_write(server, state):
    errors = []
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            name = "acid-%d" % (i % 5)
            add_cluster(state, "default", name)
            state.worker_busy(i % 2, "default", name, "sync")
            state.cluster_log("default", name, "info", "m%d" % i)
            state.worker_idle(i % 2)
            if i % 3 == 0:
                state.cluster_forgotten("default", name)
            i += 1
            time.sleep(0.0005)  # let the server threads have the GIL too

    def client():
        try:
            for dummy in range(20):
                for path in ("/status/", "/clusters/", "/workers/all/status/", "/databases/", "/metrics"):
                    status = call(server, path)[0]
                    assert status == 200, path
                status, dummy, body = call(server, "/clusters/default/acid-1/")
                assert status in (200, 500), body
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    writer_thread = threading.Thread(target=writer)
    writer_thread.start()
    clients = [threading.Thread(target=client) for dummy in range(4)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    stop.set()
    writer_thread.join()
    assert errors == []


def test_shutdown_closes_the_port(state):
    server = serve(state, 0, host="127.0.0.1", metrics=Metrics())
    port = server.port
    assert call(server, "/status/")[0] == 200
    server.shutdown()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen("http://127.0.0.1:%d/status/" % port, timeout=5)
