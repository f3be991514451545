"""OperatorState: the registry the workers write and the REST API reads."""

import json
import os
import sys
import threading

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from pgkube_watcher.state import REDACTED, OperatorState, is_secret_key, scrub, scrub_config

S3_SECRET = "s3-SECRET-value-9f8e7d"
S3_KEY_ID = "AKIA-KEYID-1234"


class FakeClock:
    def __init__(self, now=1700000000.0):
        self.now = now

    def __call__(self):
        return self.now


def make_config(**extra):
    data = {"logical_backup_s3_secret_access_key": S3_SECRET, "logical_backup_s3_access_key_id": S3_KEY_ID,
            "workers": "4", "ring_log_lines": "3", "cluster_history_entries": "2"}
    data.update(extra)
    return OperatorConfig.from_configmap(data)


@pytest.mark.parametrize("key", [
    "password", "PGPASSWORD", "s3_secret_access_key", "s3_access_key_id", "logical_backup_s3_secret_access_key",
    "scalyr_api_key", "apiKey", "token", "bearer_token", "client_secret", "storage_account_key", "privateKey", "passwd",
])
def test_secret_like_keys(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", [
    "secretName", "secret_name_template", "oauth_token_secret_name", "enable_password_rotation", "password_rotation_interval",
    "usersWithSecretRotation", "numberOfInstances", "teamId", "passwordkey", "userkey", "privateKeyFile", "additional_secret_mount_path",
    "pod_antiaffinity_topology_key", 7,
])
def test_not_secret_keys(key):
    assert not is_secret_key(key)


def test_scrub_drops_nested_secrets_and_redacts_secret_env_values():
    spec = {
        "teamId": "acid",
        "clone": {"cluster": "acid-src", "s3_secret_access_key": "x1", "s3_access_key_id": "x2"},
        "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "x3"}, {"name": "PGPASSWORD", "value": "x4"},
                {"name": "WALE_S3_PREFIX", "value": "s3://bucket"}],
        "sidecars": [{"name": "exporter", "env": [{"name": "API_TOKEN", "value": "x5"}]}],
        "tls": {"secretName": "acid-tls"},
        "password": "x6",
    }
    out = scrub(spec)
    text = json.dumps(out)
    for value in ("x1", "x2", "x3", "x4", "x5", "x6"):
        assert '"%s"' % value not in text
    assert out["clone"] == {"cluster": "acid-src"}
    assert out["env"][0] == {"name": "AWS_SECRET_ACCESS_KEY", "value": REDACTED}
    assert out["env"][2] == {"name": "WALE_S3_PREFIX", "value": "s3://bucket"}
    assert out["tls"] == {"secretName": "acid-tls"}
    assert "password" not in out
    assert spec["clone"]["s3_secret_access_key"] == "x1", "scrub must not mutate its input"


def test_scrub_keeps_user_chosen_names():
    spec = {"databases": {"secrets": "owner", "tokens": "owner"}, "users": {"api_token_reader": ["login"]},
            "postgresql": {"parameters": {"password_encryption": "scram-sha-256"}},
            "preparedDatabases": {"secret_db": {"schemas": {"token": {}}, "extensions": {"pgcrypto": "password"}}}}
    assert scrub(spec) == spec


def test_scrub_config_redacts_value_but_shows_key():
    values = make_config().as_dict(redact=False)
    assert values["logical_backup_s3_secret_access_key"] == S3_SECRET  # the test would prove nothing otherwise
    out = scrub_config(values)
    assert out["logical_backup_s3_secret_access_key"] == REDACTED
    assert out["logical_backup_s3_access_key_id"] == REDACTED
    assert out["scalyr_api_key"] == ""  # unset stays visibly unset
    assert out["secret_name_template"] == values["secret_name_template"]
    assert out["workers"] == 4


def test_set_config_keeps_only_redacted_values_even_from_a_raw_dict():
    state = OperatorState()
    state.set_config(make_config(), controller={"namespace": "ops", "token": "tok-123"})
    text = json.dumps(state.get_config())
    assert S3_SECRET not in text and S3_KEY_ID not in text and "tok-123" not in text
    assert state.get_config()["controller"] == {"namespace": "ops"}
    state.set_config(make_config().as_dict(redact=False))  # a careless caller
    text = json.dumps(state.get_config())
    assert S3_SECRET not in text and S3_KEY_ID not in text
    assert state.get_config()["operator"]["workers"] == 4


def test_config_resizes_ring_buffers():
    clock = FakeClock()
    state = OperatorState(ring_log_lines=100, cluster_history_entries=100, clock=clock)
    for i in range(10):
        state.cluster_log("default", "acid-a", "info", "line %d" % i)
        state.cluster_history("default", "acid-a", ["d%d" % i])
    state.set_config(make_config())  # ring_log_lines 3, cluster_history_entries 2
    assert [e["Message"] for e in state.get_cluster_logs("default", "acid-a")] == ["line 7", "line 8", "line 9"]
    assert [e["Diff"] for e in state.get_cluster_history("default", "acid-a")] == [["d8"], ["d9"]]
    state.cluster_log("default", "acid-b", "info", "new cluster")
    for i in range(5):
        state.worker_log(0, "info", "w%d" % i)
    assert len(state.get_worker_logs(0)) == 3


def test_ring_buffers_keep_the_newest_entries():
    clock = FakeClock()
    state = OperatorState(ring_log_lines=5, cluster_history_entries=3, clock=clock)
    state.cluster_seen("default", "acid-a", "acid", {})
    for i in range(12):
        clock.now += 1
        state.cluster_log("default", "acid-a", "info", "m%d" % i, worker=1)
        state.cluster_history("default", "acid-a", "-a\n+b%d" % i)
        state.worker_log(1, "debug", "w%d" % i, cluster="default/acid-a")
    logs = state.get_cluster_logs("default", "acid-a")
    assert [e["Message"] for e in logs] == ["m7", "m8", "m9", "m10", "m11"]
    assert logs[-1] == {"Time": "2023-11-14T22:13:32Z", "Level": "info", "Worker": "1", "ClusterName": "default/acid-a", "Message": "m11"}
    history = state.get_cluster_history("default", "acid-a")
    assert [h["Diff"] for h in history] == [["-a", "+b9"], ["-a", "+b10"], ["-a", "+b11"]]
    assert set(history[0]) == {"EventTime", "ProcessTime", "Diff"}
    assert [e["Message"] for e in state.get_worker_logs(1)] == ["w7", "w8", "w9", "w10", "w11"]


def test_history_diff_is_scrubbed():
    state = OperatorState()
    state.cluster_history("default", "acid-a", [{"path": "spec.clone", "old": {"s3_secret_access_key": "old-s"}, "new": {"cluster": "c"}}])
    assert "old-s" not in json.dumps(state.get_cluster_history("default", "acid-a"))


def test_cluster_lifecycle_teams_databases_status():
    clock = FakeClock()
    state = OperatorState(clock=clock)
    state.cluster_seen("default", "acid-a", "acid", {"databases": {"foo": "zalando", "bar": "zalando"},
                                                     "clone": {"cluster": "x", "s3_secret_access_key": "cs"}})
    state.cluster_seen("other", "acid-b", "acid", {})
    state.cluster_seen("default", "bi-c", "bi", {"databases": {}})
    assert state.get_teams() == {"acid": ["acid-a", "acid-b"], "bi": ["bi-c"]}
    assert state.get_team_clusters("bi") == ["bi-c"]
    with pytest.raises(KeyError):
        state.get_team_clusters("nobody")
    assert state.get_databases() == {"default/acid-a": ["bar", "foo"], "other/acid-b": [], "default/bi-c": []}

    state.cluster_status("default", "acid-a", "SyncFailed", error="could not create statefulset", objects={"StatefulSet": "default/acid-a"})
    status = state.get_cluster("default", "acid-a")
    assert status["Status"] == "SyncFailed" and status["Error"] == "could not create statefulset"
    assert status["StatefulSet"] == "default/acid-a" and status["MasterService"] is None
    assert status["Spec"]["clone"] == {"cluster": "x"}
    assert status["Team"] == "acid" and status["Namespace"] == "default" and status["Cluster"] == "acid-a"
    state.cluster_status("default", "acid-a", "Running")
    assert state.get_cluster("default", "acid-a")["Error"] is None
    assert state.get_cluster_counts() == {"Running": 1, "Unknown": 2}
    assert state.get_status()["Clusters"] == 3

    state.cluster_forgotten("default", "acid-a")
    with pytest.raises(KeyError):
        state.get_cluster("default", "acid-a")
    with pytest.raises(KeyError):
        state.get_cluster_logs("default", "acid-a")
    assert state.get_teams() == {"acid": ["acid-b"], "bi": ["bi-c"]}
    assert state.get_status()["Clusters"] == 2


def test_reads_are_copies():
    state = OperatorState()
    state.cluster_seen("default", "acid-a", "acid", {"databases": {"foo": "x"}})
    state.get_cluster("default", "acid-a")["Spec"]["databases"]["evil"] = "y"
    assert state.get_databases() == {"default/acid-a": ["foo"]}


def test_workers_busy_idle_and_cluster_current_process():
    clock = FakeClock()
    state = OperatorState(clock=clock)
    state.set_workers(2)
    assert state.get_all_worker_status() == {"0": "idle", "1": "idle"}
    state.cluster_seen("default", "acid-a", "acid", {})
    state.worker_busy(1, "default", "acid-a", "sync")
    assert state.get_worker_status("1") == {"CurrentCluster": "default/acid-a",
                                            "CurrentProcess": {"Name": "sync", "StartTime": "2023-11-14T22:13:20Z"}}
    cluster = state.get_cluster("default", "acid-a")
    assert cluster["Worker"] == "1" and cluster["CurrentProcess"]["Name"] == "sync"
    state.worker_idle(1)
    assert state.get_all_worker_status() == {"0": "idle", "1": "idle"}
    assert state.get_cluster("default", "acid-a")["CurrentProcess"] == {"Name": None, "StartTime": None}
    with pytest.raises(KeyError):
        state.get_worker_status(7)
    state.set_workers([0])
    assert state.get_all_worker_status() == {"0": "idle"}


def test_queues_set_and_snapshot():
    state = OperatorState()
    state.set_workers(2)
    state.set_queue(0, ["default/acid-a", "default/acid-b"])
    assert state.get_worker_queue(0) == {"Keys": ["default/acid-a", "default/acid-b"], "List": []}
    assert state.get_status()["WorkerQueueSize"] == {"0": 2, "1": 0}
    state.set_queue("all", {"0": [], "1": ["ns/x"]}, items={"1": [{"type": "sync", "key": "ns/x", "password": "p"}]})
    assert state.get_all_queues() == {"0": {"Keys": [], "List": []}, "1": {"Keys": ["ns/x"], "List": [{"type": "sync", "key": "ns/x"}]}}
    state.set_queue_snapshot(lambda: {0: ["a/b", "c/d"]})
    assert state.get_all_queues() == {"0": {"Keys": ["a/b", "c/d"], "List": ["a/b", "c/d"]}, "1": {"Keys": [], "List": []}}
    assert state.get_status()["WorkerQueueSize"] == {"0": 2, "1": 0}
    with pytest.raises(KeyError):
        state.get_worker_queue(5)
    state.set_queue_snapshot(None)
    assert state.get_worker_queue(1)["Keys"] == ["ns/x"]

    def broken():
        raise RuntimeError("queue gone")

    state.set_queue_snapshot(broken)
    assert state.get_status()["WorkerQueueSize"] == {"0": 0, "1": 1}


def test_ready_and_last_sync():
    clock = FakeClock(1234.9)
    state = OperatorState(clock=clock)
    assert not state.is_ready() and state.get_status()["LastSyncTime"] == 0
    state.set_ready(True)
    state.mark_synced()
    assert state.is_ready() and state.get_status()["LastSyncTime"] == 1234
    state.mark_synced(99)
    assert state.get_status()["LastSyncTime"] == 99


def test_concurrent_writers_and_readers():
    state = OperatorState(ring_log_lines=50, cluster_history_entries=20)
    state.set_workers(4)
    errors = []
    stop = threading.Event()

    def writer(worker_id):
        try:
            for i in range(300):
                name = "acid-%d-%d" % (worker_id, i % 10)
                state.cluster_seen("default", name, "acid", {"databases": {"db%d" % i: "o"}})
                state.worker_busy(worker_id, "default", name, "sync")
                state.cluster_log("default", name, "info", "m%d" % i, worker=worker_id)
                state.cluster_history("default", name, ["+%d" % i])
                state.worker_log(worker_id, "info", "w%d" % i)
                state.cluster_status("default", name, "Running")
                state.set_queue(worker_id, [name])
                state.worker_idle(worker_id)
                if i % 7 == 0:
                    state.cluster_forgotten("default", name)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    def reader():
        try:
            while not stop.is_set():
                json.dumps([state.get_status(), state.get_teams(), state.get_databases(), state.get_all_queues(),
                            state.get_all_worker_status(), state.get_cluster_counts(), state.get_worker_logs(0)])
                for team_name in state.get_teams().get("acid", []):
                    try:
                        json.dumps([state.get_cluster("default", team_name), state.get_cluster_logs("default", team_name)])
                    except KeyError:
                        pass  # forgotten between the two calls
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    readers = [threading.Thread(target=reader) for dummy in range(3)]
    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert state.get_all_worker_status() == {"0": "idle", "1": "idle", "2": "idle", "3": "idle"}
    # each name's last iteration is i = 290 + j; it was forgotten there when i % 7 == 0
    survivors = sum(1 for j in range(10) if (290 + j) % 7 != 0)
    assert state.get_status()["Clusters"] == 4 * survivors
    for worker_id in range(4):
        assert len(state.get_worker_logs(worker_id)) == 50
    histories = [state.get_cluster_history("default", "acid-0-%d" % j) for j in range(10) if (290 + j) % 7 != 0]
    assert all(1 <= len(history) <= 20 for history in histories)
