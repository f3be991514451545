"""Status and condition building (plugins/module_utils/status.py): pure."""

import datetime

from ansible_collections.pgkube.operator.plugins.module_utils import status as st


def cr(generation=1, status=None):
    obj = {"metadata": {"name": "acid-a", "namespace": "ns", "generation": generation}}
    if status is not None:
        obj["status"] = status
    return obj


def test_phase_create_when_no_statefulset():
    assert st.phase_for(cr(status={"PostgresClusterStatus": "Running", "observedGeneration": 1}), False) == st.PHASE_CREATE


def test_phase_update_when_generation_changed():
    assert st.phase_for(cr(2, {"PostgresClusterStatus": "Running", "observedGeneration": 1}), True) == st.PHASE_UPDATE


def test_phase_sync_when_generation_observed_or_unknown():
    assert st.phase_for(cr(2, {"PostgresClusterStatus": "Running", "observedGeneration": 2}), True) == st.PHASE_SYNC
    # adopted from the Zalando operator: no observedGeneration, status Running
    assert st.phase_for(cr(5, {"PostgresClusterStatus": "Running"}), True) == st.PHASE_SYNC
    assert st.phase_for(cr(5), True) == st.PHASE_SYNC


def test_running_status_has_both_conditions_and_observed_generation():
    new = st.build_status(None, st.RUNNING, generation=3)
    assert new["PostgresClusterStatus"] == "Running"
    assert new["observedGeneration"] == 3
    ready = st.condition_of(new, "Ready")
    reconciled = st.condition_of(new, "Reconciled")
    assert (ready["status"], ready["reason"], ready["observedGeneration"]) == ("True", "Running", 3)
    assert (reconciled["status"], reconciled["reason"]) == ("True", "Synced")
    datetime.datetime.strptime(ready["lastTransitionTime"], "%Y-%m-%dT%H:%M:%SZ")


def test_same_status_twice_is_no_change():
    first = st.build_status(None, st.RUNNING, generation=3)
    second = st.build_status(first, st.RUNNING, generation=3)
    assert second == first
    assert not st.status_changed(first, second)
    assert st.status_patch(first, second) is None


def test_transition_time_kept_when_status_unchanged_and_moved_when_changed():
    old = st.build_status(None, st.RUNNING, generation=1)
    for cond in old["conditions"]:
        cond["lastTransitionTime"] = "2020-01-01T00:00:00Z"
    same = st.build_status(old, st.RUNNING, generation=2)
    assert all(c["lastTransitionTime"] == "2020-01-01T00:00:00Z" for c in same["conditions"])
    assert same["observedGeneration"] == 2
    failed = st.build_status(old, st.SYNC_FAILED, generation=2, message="boom", reason="SyncFailed")
    ready = st.condition_of(failed, "Ready")
    assert ready["status"] == "False" and ready["lastTransitionTime"] != "2020-01-01T00:00:00Z"
    reconciled = st.condition_of(failed, "Reconciled")
    assert (reconciled["status"], reconciled["reason"], reconciled["message"]) == ("False", "SyncFailed", "boom")


def test_in_progress_keeps_observed_generation():
    old = st.build_status(None, st.RUNNING, generation=1)
    updating = st.build_status(old, st.UPDATING, generation=2, observed=False)
    assert updating["observedGeneration"] == 1
    assert st.condition_of(updating, "Reconciled")["status"] == "Unknown"
    assert st.condition_of(updating, "Ready")["observedGeneration"] == 1


def test_other_keys_and_condition_types_are_kept():
    current = {"PostgresClusterStatus": "Running", "custom": {"x": 1},
               "conditions": [{"type": "Backup", "status": "True", "reason": "Done", "message": "", "lastTransitionTime": "2020-01-01T00:00:00Z"}]}
    new = st.build_status(current, st.INVALID, generation=4, message="spec.volume.size: bad", reason="InvalidManifest")
    assert new["custom"] == {"x": 1}
    assert [c["type"] for c in new["conditions"]] == ["Backup", "Ready", "Reconciled"]
    assert st.condition_of(new, "Reconciled")["message"] == "spec.volume.size: bad"
    patch = st.status_patch(current, new)
    assert patch["status"]["PostgresClusterStatus"] == "Invalid"


def test_status_patch_removes_dropped_keys():
    assert st.status_patch({"a": 1, "b": 2}, {"a": 1}) == {"status": {"a": 1, "b": None}}


def test_safe_message_masks_secrets_and_caps_length():
    text = 'failed: {"password": "hunter2"} url postgres://admin:s3cr3t@host/db token=abc123'
    safe = st.safe_message(text)
    for secret in ("hunter2", "s3cr3t", "abc123"):
        assert secret not in safe
    assert "<redacted>" in safe
    assert len(st.safe_message("x" * 5000)) == st.MAX_MESSAGE


def test_condition_messages_are_made_safe():
    new = st.build_status(None, st.SYNC_FAILED, generation=1, message="password=topsecret")
    assert "topsecret" not in str(new)


def _pod(name, ready, phase="Running", deleting=False):
    meta = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta, "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def test_pods_condition_counts_ready_pods():
    cond = st.pods_condition([_pod("c-0", True), _pod("c-1", False, "Pending")], 2, generation=3)
    assert (cond["type"], cond["status"], cond["reason"]) == ("PodsReady", "False", "PodsNotReady")
    assert cond["message"] == "1 of 2 pods ready"
    # a pending pod appearing does not change the condition (no status write on a no-op resync)
    assert st.pods_condition([_pod("c-0", True)], 2, generation=3) == cond
    assert cond["observedGeneration"] == 3


def test_pods_condition_true_when_all_wanted_pods_are_ready_and_ignores_terminating_pods():
    cond = st.pods_condition([_pod("c-0", True), _pod("c-1", True), _pod("c-2", True, deleting=True)], 2)
    assert (cond["status"], cond["reason"], cond["message"]) == ("True", "PodsReady", "2 of 2 pods ready")


def test_pods_condition_without_pods_and_with_zero_instances():
    assert st.pods_condition([], 2)["status"] == "False"
    assert st.pods_condition([_pod("c-0", False, "Pending")], 0)["reason"] == "NoPodsWanted"


def test_running_status_with_pods_not_ready_keeps_running_but_says_so():
    status = st.build_status({}, st.RUNNING, 1, extra_conditions=[st.pods_condition([], 1, 1)])
    assert status["PostgresClusterStatus"] == st.RUNNING
    assert [c["type"] for c in status["conditions"]] == ["Ready", "Reconciled", "PodsReady"]
    again = st.build_status(status, st.RUNNING, 1, extra_conditions=[st.pods_condition([], 1, 1)])
    assert st.status_patch(status, again) is None


def test_settled_status_is_running_only_with_the_wanted_pods_ready():
    not_ready = st.pods_condition([_pod("c-0", True), _pod("c-1", False, "Pending")], 2)
    ready = st.pods_condition([_pod("c-0", True), _pod("c-1", True)], 2)
    # a new cluster stays Creating until its pods are up (upstream), whatever its objects
    assert st.settled_status({}, not_ready) == st.CREATING
    assert st.settled_status({"PostgresClusterStatus": st.CREATING}, not_ready) == st.CREATING
    assert st.settled_status({"PostgresClusterStatus": st.CREATE_FAILED}, not_ready) == st.CREATING
    # one that ran and lost a pod (recreated, failover) is Updating, not Running
    assert st.settled_status({"PostgresClusterStatus": st.RUNNING}, not_ready) == st.UPDATING
    assert st.settled_status({"PostgresClusterStatus": st.SYNC_FAILED}, not_ready) == st.UPDATING
    assert st.settled_status({"PostgresClusterStatus": st.CREATING}, ready) == st.RUNNING
    assert st.settled_status(None, st.pods_condition([], 0)) == st.RUNNING


def test_waiting_for_pods_is_reconciled_but_not_ready():
    pods = st.pods_condition([], 2, 1)
    status = st.build_status({}, st.CREATING, 1, extra_conditions=[pods], waiting_for=pods["message"])
    ready, reconciled = st.condition_of(status, "Ready"), st.condition_of(status, "Reconciled")
    assert (status["PostgresClusterStatus"], status["observedGeneration"]) == (st.CREATING, 1)
    assert (ready["status"], ready["reason"], ready["message"]) == ("False", "PodsNotReady", "Waiting for pods: 0 of 2 pods ready")
    assert (reconciled["status"], reconciled["reason"]) == ("True", "Synced")
    # the same state again writes nothing
    assert st.status_patch(status, st.build_status(status, st.CREATING, 1, extra_conditions=[pods],
                                                   waiting_for=pods["message"])) is None


def _member(name, role=None, deleting=False):
    pod = _pod(name, True, deleting=deleting)
    if role:
        pod["metadata"]["labels"] = {"spilo-role": role}
    return pod


def test_master_condition_names_the_one_master():
    cond = st.master_condition([_member("c-0", "replica"), _member("c-1", "master")], "spilo-role", 2, 4)
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == ("Master", "True", "Elected", "c-1 is the master")
    assert st.master_pod(cond) == "c-1" and cond["observedGeneration"] == 4


def test_master_condition_without_or_with_several_masters():
    none = st.master_condition([_member("c-0", "replica"), _member("c-1")], "spilo-role", 2)
    assert (none["status"], none["reason"]) == ("False", "NoMaster") and st.master_pod(none) is None
    # a terminating master does not count
    gone = st.master_condition([_member("c-0", "master", deleting=True)], "spilo-role", 2)
    assert gone["reason"] == "NoMaster"
    two = st.master_condition([_member("c-0", "master"), _member("c-1", "master")], "spilo-role", 2)
    assert (two["reason"], two["message"]) == ("MultipleMasters", "pods labelled master: c-0, c-1")
    assert st.master_condition([], "spilo-role", 0)["reason"] == "NoPodsWanted"
    # another role label
    assert st.master_pod(st.master_condition([_member("c-0", "master")], "role", 1)) is None


def test_settled_status_needs_a_master_too():
    ready = st.pods_condition([_pod("c-0", True)], 1)
    no_master = st.master_condition([_member("c-0", "replica")], "spilo-role", 1)
    master = st.master_condition([_member("c-0", "master")], "spilo-role", 1)
    assert st.settled_status({"PostgresClusterStatus": st.RUNNING}, ready, no_master) == st.UPDATING
    assert st.settled_status({}, ready, no_master) == st.CREATING
    assert st.settled_status({}, ready, master) == st.RUNNING


def test_master_condition_remembers_the_last_master_while_there_is_none():
    elected = st.master_condition([_member("c-0", "master")], "spilo-role", 2)
    during = st.master_condition([_member("c-1", "replica")], "spilo-role", 2, previous=elected)
    assert (during["reason"], during["message"]) == ("NoMaster", "no pod is labelled master (the last master was c-0)")
    assert st.last_master(during) == "c-0" and st.master_pod(during) is None
    # stable while it lasts (no status write on each reconcile)
    assert st.master_condition([_member("c-1", "replica")], "spilo-role", 2, previous=during)["message"] == during["message"]
    after = st.master_condition([_member("c-1", "master")], "spilo-role", 2, previous=during)
    assert st.last_master(during) != st.master_pod(after) == "c-1"
    assert st.last_master(st.master_condition([], "spilo-role", 2)) is None
