"""One test per row of the StatefulSet decision table (reference §5.6, §5.7)."""

import json

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import PlanError
from ansible_collections.pgkube.operator.plugins.module_utils.plan.merge_patch import apply_merge_patch
from ansible_collections.pgkube.operator.plugins.module_utils.plan.statefulset import decide_statefulset

FLAG = "zalando-postgres-operator-rolling-update-required"


def _decide(t, mutate=None, observed=None, pods=None, cfg=None, mutate_observed=None):
    desired = t.sts()
    current = observed if observed is not None else t.server(t.sts())
    if mutate:
        mutate(desired)
    if mutate_observed:
        mutate_observed(current)
    pods = pods if pods is not None else [t.pod(0, role="master"), t.pod(1)]
    return desired, current, decide_statefulset(desired, current, pods, cfg or t.cfg())


def _postgres(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]


def _pod_spec(obj):
    return obj["spec"]["template"]["spec"]


def _kinds(decision):
    return [(a.kind, a.action) for a in decision.actions]


# -- no-op and idempotency ---------------------------------------------------------------

def test_same_object_as_returned_by_server_is_noop(t):
    desired, current, decision = _decide(t)
    assert decision.decision == "noop"
    assert decision.actions == []
    assert decision.pods_to_flag == []


def test_create_when_missing_flags_leftover_pods(t):
    desired = t.sts()
    decision = decide_statefulset(desired, None, [t.pod(0), t.pod(1, flagged=True)], t.cfg())
    assert decision.decision == "create"
    assert _kinds(decision) == [("StatefulSet", "create"), ("Pod", "flag_rolling_update")]
    assert decision.actions[1].pods == ["acid-test-0"]
    assert decision.rolling_update_pods == ["acid-test-0", "acid-test-1"]


def test_create_without_pods_flags_nothing(t):
    decision = decide_statefulset(t.sts(), None, [], t.cfg())
    assert _kinds(decision) == [("StatefulSet", "create")]
    assert decision.actions[0].body == t.sts()


# -- replace list ------------------------------------------------------------------------

def test_owner_references_change_replaces_without_rolling(t):
    _d, current, decision = _decide(t, lambda d: d["metadata"].pop("ownerReferences"))
    assert decision.decision == "replace"
    assert not decision.rolling_update
    action = decision.action()
    assert action.action == "replace"
    assert "owner references changed" in action.reason
    assert action.body["metadata"]["resourceVersion"] == current["metadata"]["resourceVersion"]
    assert "ownerReferences" not in action.body["metadata"]


def test_statefulset_annotations_change_replaces(t):
    _d, _c, decision = _decide(t, lambda d: d["metadata"]["annotations"].update({"downscaler/exclude": "true"}))
    assert decision.decision == "replace"
    assert "StatefulSet annotations changed (added: downscaler/exclude)" in decision.action().reason
    assert decision.pods_to_flag == []


def test_statefulset_annotation_removed_replaces(t):
    _d, _c, decision = _decide(t, mutate_observed=lambda o: o["metadata"].setdefault("annotations", {}).update({"old": "x"}))
    assert decision.decision == "replace"
    assert "removed: old" in decision.action().reason


def test_pod_management_policy_change_recreates_with_orphan(t):
    _d, _c, decision = _decide(t, lambda d: d["spec"].update({"podManagementPolicy": "Parallel"}))
    assert decision.decision == "recreate"
    action = decision.action()
    assert action.action == "recreate"
    assert action.propagation_policy == "Orphan"
    assert "podManagementPolicy changed from OrderedReady to Parallel" in action.reason
    assert "resourceVersion" not in action.body["metadata"]
    assert decision.pods_to_flag == []


def test_pvc_retention_policy_change_replaces(t):
    _d, _c, decision = _decide(t, lambda d: d["spec"].update({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"}}))
    assert decision.decision == "replace"
    assert "persistentVolumeClaimRetentionPolicy changed" in decision.action().reason


def test_pod_template_annotation_change_replaces_and_patches_running_pods(t):
    def mutate(d):
        d["spec"]["template"]["metadata"]["annotations"] = {"team/cost-center": "42"}
    pods = [t.pod(0, role="master"), t.pod(1)]
    _d, _c, decision = _decide(t, mutate, pods=pods)
    assert decision.decision == "pod_annotations"
    assert not decision.rolling_update
    assert _kinds(decision) == [("StatefulSet", "replace"), ("Pod", "patch"), ("Pod", "patch")]
    patch = decision.actions[1].patch
    # added key set, key dropped from the template removed, Patroni's "status" untouched
    assert patch == {"metadata": {"annotations": {"team/cost-center": "42", "prometheus.io/scrape": None}}}
    assert "removed: prometheus.io/scrape" in decision.actions[1].reason


def test_pods_lagging_behind_template_annotations_are_patched_only(t):
    pods = [t.pod(0, role="master", annotations={}), t.pod(1)]
    del pods[0]["metadata"]["annotations"]["prometheus.io/scrape"]
    _d, _c, decision = _decide(t, pods=pods)
    assert decision.decision == "pod_annotations"
    assert _kinds(decision) == [("Pod", "patch")]
    assert decision.actions[0].name == "acid-test-0"
    assert decision.actions[0].patch == {"metadata": {"annotations": {"prometheus.io/scrape": "true"}}}


def test_selector_change_removing_labels_recreates(t):
    def mutate_observed(o):
        o["spec"]["selector"]["matchLabels"]["extra"] = "x"
        o["spec"]["template"]["metadata"]["labels"]["extra"] = "x"

    def mutate(d):
        d["spec"]["template"]["metadata"]["labels"]["extra"] = "x"
    _d, _c, decision = _decide(t, mutate, mutate_observed=mutate_observed)
    assert decision.decision == "recreate"
    assert "selector changed" in decision.action().reason


def test_selector_that_adds_labels_aborts(t):
    with pytest.raises(PlanError) as error:
        _decide(t, lambda d: d["spec"]["selector"]["matchLabels"].update({"team": "acid"}))
    assert "adds or changes label(s) team" in str(error.value)


def test_volume_size_change_recreates_without_rolling_update(t):
    def mutate(d):
        d["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "5Gi"
    _d, _c, decision = _decide(t, mutate)
    assert decision.decision == "recreate"
    assert "volumeClaimTemplate pgdata size changed from 1Gi to 5Gi" in decision.action().reason
    assert decision.pods_to_flag == []


def test_volume_size_in_other_notation_is_equal(t):
    _d, _c, decision = _decide(t, lambda d: d["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"].update({"storage": "1024Mi"}))
    assert decision.decision == "noop"


def test_volume_claim_template_count_change_recreates(t):
    def mutate(d):
        d["spec"]["volumeClaimTemplates"].append({"metadata": {"name": "wal"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                  "resources": {"requests": {"storage": "1Gi"}}}})
    _d, _c, decision = _decide(t, mutate)
    assert decision.decision == "recreate"
    assert "number of volumeClaimTemplates changed from 1 to 2" in decision.action().reason


def test_volume_claim_template_name_change_recreates(t):
    _d, _c, decision = _decide(t, lambda d: d["spec"]["volumeClaimTemplates"][0]["metadata"].update({"name": "data"}))
    assert decision.decision == "recreate"
    assert "volumeClaimTemplate name changed from pgdata to data" in decision.action().reason


def test_volume_claim_template_annotations_change_recreates(t):
    _d, _c, decision = _decide(t, lambda d: d["spec"]["volumeClaimTemplates"][0]["metadata"].update({"annotations": {"backup": "yes"}}))
    assert decision.decision == "recreate"
    assert "volumeClaimTemplate pgdata annotations changed (added: backup)" in decision.action().reason


def test_volume_claim_template_storage_class_change_recreates(t):
    _d, _c, decision = _decide(t, lambda d: d["spec"]["volumeClaimTemplates"][0]["spec"].update({"storageClassName": "fast"}))
    assert decision.decision == "recreate"
    assert "spec.storageClassName" in decision.action().reason


def test_number_of_pod_volumes_change_replaces(t):
    _d, _c, decision = _decide(t, lambda d: _pod_spec(d)["volumes"].append({"name": "extra", "emptyDir": {}}))
    assert decision.decision == "replace"
    assert "number of pod volumes changed from 1 to 2" in decision.action().reason


def test_pod_volume_content_change_with_same_count_rolls(t):
    # our choice: upstream compares the count only
    _d, _c, decision = _decide(t, lambda d: _pod_spec(d)["volumes"][0].update({"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}))
    assert decision.decision == "rolling_update_replace"
    assert "pod volumes changed" in decision.action().reason


def test_lazy_upgrade_image_change_replaces_without_flagging(t):
    new = "ghcr.io/zalando/spilo-17:4.0-p3"
    pods = [t.pod(0, role="master"), t.pod(1)]
    _d, _c, decision = _decide(t, lambda d: _postgres(d).update({"image": new}), pods=pods, cfg=t.cfg(enable_lazy_spilo_upgrade=True))
    assert decision.decision == "replace"
    assert not decision.rolling_update
    assert decision.pods_to_flag == []
    assert "lazy Spilo upgrade" in decision.action().reason
    assert _postgres(decision.action().body)["image"] == new


def test_lazy_upgrade_does_not_flag_pods_on_old_image(t):
    pods = [t.pod(0, image="ghcr.io/zalando/spilo-17:4.0-p1", role="master"), t.pod(1)]
    _d, _c, decision = _decide(t, pods=pods, cfg=t.cfg(enable_lazy_spilo_upgrade=True))
    assert decision.decision == "noop"
    assert decision.actions == []


# -- container-level changes: rolling update + merge patch ---------------------------------

CONTAINER_CHANGES = [
    ("containers_count", lambda d: _pod_spec(d)["containers"].append({"name": "exporter", "image": "exporter:1"}), "number of containers changed from 1 to 2"),
    ("init_containers_count", lambda d: _pod_spec(d).update({"initContainers": [{"name": "init", "image": "busybox"}]}),
     "number of init containers changed from 0 to 1"),
    ("container_name", lambda d: _postgres(d).update({"name": "pg"}), "name changed from postgres to pg"),
    ("image", lambda d: _postgres(d).update({"image": "spilo:new"}), "image changed from %s to spilo:new"),
    ("ports", lambda d: _postgres(d)["ports"].append({"containerPort": 9187}), "container postgres ports changed"),
    ("resources_cpu", lambda d: _postgres(d)["resources"]["requests"].update({"cpu": "250m"}), "container postgres resources changed"),
    ("resources_memory", lambda d: _postgres(d)["resources"]["limits"].update({"memory": "2Gi"}), "container postgres resources changed"),
    ("resources_limit_removed", lambda d: _postgres(d)["resources"]["limits"].pop("cpu"), "container postgres resources changed"),
    ("env_added", lambda d: _postgres(d)["env"].append({"name": "ALLOW_NOSSL", "value": "true"}), "container postgres env ALLOW_NOSSL changed"),
    ("env_value", lambda d: _postgres(d)["env"][0].update({"value": "other"}), "container postgres env SCOPE changed"),
    ("env_from", lambda d: _postgres(d).update({"envFrom": [{"configMapRef": {"name": "pg-env"}}]}), "container postgres envFrom changed"),
    ("security_context", lambda d: _postgres(d)["securityContext"].update({"privileged": True}), "container postgres securityContext changed"),
    ("volume_mounts", lambda d: _postgres(d)["volumeMounts"].append({"name": "extra", "mountPath": "/extra"}),
     "container postgres volumeMounts changed"),
    ("readiness_probe_removed", lambda d: _postgres(d).pop("readinessProbe"), "container postgres readinessProbe changed"),
    ("liveness_probe_added", lambda d: _postgres(d).update({"livenessProbe": {"httpGet": {"path": "/liveness", "port": 8008}}}),
     "container postgres livenessProbe changed"),
    ("other_container_field", lambda d: _postgres(d).update({"args": ["--debug"]}), "container postgres args changed"),
]


@pytest.mark.parametrize("mutate,expected", [(m, e) for _i, m, e in CONTAINER_CHANGES], ids=[i for i, _m, _e in CONTAINER_CHANGES])
def test_container_level_change_rolls_pods_and_patches(t, mutate, expected):
    pods = [t.pod(0, role="master"), t.pod(1)]
    desired, current, decision = _decide(t, mutate, pods=pods)
    assert decision.decision == "rolling_update_patch"
    assert decision.rolling_update
    assert _kinds(decision) == [("Pod", "flag_rolling_update"), ("StatefulSet", "patch")]
    flag = decision.actions[0]
    assert flag.pods == ["acid-test-0", "acid-test-1"]
    assert "pods need a rolling update" in flag.reason
    assert (expected % t.SPILO if "%s" in expected else expected) in flag.reason
    patched = apply_merge_patch(current, decision.actions[1].patch)
    again = decide_statefulset(desired, patched, [t.pod(0, role="master", flagged=True), t.pod(1, flagged=True)], t.cfg())
    assert again.actions == [], "the merge patch must bring the StatefulSet to the desired state"


def test_spilo_configuration_dcs_only_change_does_not_roll(t):
    def mutate(d):
        env = _postgres(d)["env"][-1]
        config = json.loads(env["value"])
        config["bootstrap"]["dcs"]["postgresql"]["parameters"]["max_connections"] = "200"
        config["bootstrap"]["dcs"]["ttl"] = 20
        env["value"] = json.dumps(config, indent=2)
    _d, _c, decision = _decide(t, mutate)
    assert decision.decision == "noop"
    assert decision.actions == []


def test_spilo_configuration_local_parameter_change_rolls(t):
    def mutate(d):
        env = _postgres(d)["env"][-1]
        config = json.loads(env["value"])
        config["postgresql"]["parameters"]["shared_buffers"] = "256MB"
        env["value"] = json.dumps(config)
    _d, _c, decision = _decide(t, mutate)
    assert decision.decision == "rolling_update_patch"
    assert "env SPILO_CONFIGURATION changed: pods need a rolling update" in decision.actions[0].reason


@pytest.mark.parametrize("section,value", [("pg_hba", ["host all all 0.0.0.0/0 md5"]), ("bin_dir", "/usr/lib/postgresql/16/bin")])
def test_spilo_configuration_local_section_change_rolls(t, section, value):
    def mutate(d):
        env = _postgres(d)["env"][-1]
        config = json.loads(env["value"])
        config["postgresql"][section] = value
        env["value"] = json.dumps(config)
    _d, _c, decision = _decide(t, mutate)
    assert decision.rolling_update


def test_spilo_configuration_initdb_change_rolls(t):
    def mutate(d):
        env = _postgres(d)["env"][-1]
        config = json.loads(env["value"])
        config["bootstrap"]["initdb"].append({"encoding": "UTF8"})
        env["value"] = json.dumps(config)
    _d, _c, decision = _decide(t, mutate)
    assert decision.decision == "rolling_update_patch"


# -- pod-level changes: rolling update + replace -------------------------------------------

POD_CHANGES = [
    ("service_account", lambda d: _pod_spec(d).update({"serviceAccountName": "other-sa"}), "pod serviceAccountName changed from postgres-pod to other-sa"),
    ("termination_grace", lambda d: _pod_spec(d).update({"terminationGracePeriodSeconds": 60}), "pod terminationGracePeriodSeconds changed from 300 to 60"),
    ("affinity", lambda d: _pod_spec(d).update({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "lifecycle", "operator": "In", "values": ["ready"]}]}]}}}}), "pod affinity changed"),
    ("topology_spread", lambda d: _pod_spec(d).update({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                                                                      "whenUnsatisfiable": "DoNotSchedule"}]}),
     "pod topologySpreadConstraints changed"),
    ("tolerations_count", lambda d: _pod_spec(d)["tolerations"].append({"key": "x", "operator": "Exists"}), "number of tolerations changed from 1 to 2"),
    ("tolerations_content", lambda d: _pod_spec(d)["tolerations"][0].update({"key": "other"}), "tolerations changed"),
    ("template_labels", lambda d: d["spec"]["template"]["metadata"]["labels"].update({"environment": "test"}),
     "pod template labels changed (added: environment)"),
    ("pod_security_context", lambda d: _pod_spec(d)["securityContext"].update({"runAsUser": 101}), "pod securityContext changed"),
    ("priority_class", lambda d: _pod_spec(d).update({"priorityClassName": "db-critical"}), "pod priorityClassName changed from None to db-critical"),
    ("other_pod_field", lambda d: _pod_spec(d).update({"nodeSelector": {"disk": "ssd"}}), "pod nodeSelector changed"),
]


@pytest.mark.parametrize("mutate,expected", [(m, e) for _i, m, e in POD_CHANGES], ids=[i for i, _m, _e in POD_CHANGES])
def test_pod_level_change_rolls_pods_and_replaces(t, mutate, expected):
    desired, current, decision = _decide(t, mutate)
    assert decision.decision == "rolling_update_replace"
    assert _kinds(decision) == [("Pod", "flag_rolling_update"), ("StatefulSet", "replace")]
    assert expected in decision.actions[0].reason
    assert decision.actions[0].pods == ["acid-test-0", "acid-test-1"]
    body = decision.actions[1].body
    assert body["metadata"]["resourceVersion"] == "4711"
    again = decide_statefulset(desired, t.server(body), [], t.cfg())
    assert again.actions == []


def test_pod_level_and_immutable_change_flag_and_recreate(t):
    def mutate(d):
        _pod_spec(d)["serviceAccountName"] = "other"
        d["spec"]["podManagementPolicy"] = "Parallel"
    _d, _c, decision = _decide(t, mutate)
    assert decision.decision == "rolling_update_recreate"
    assert _kinds(decision) == [("Pod", "flag_rolling_update"), ("StatefulSet", "recreate")]


# -- replicas, flags, annotations ----------------------------------------------------------

def test_replicas_only_change_is_a_merge_patch(t):
    _d, _c, decision = _decide(t, lambda d: d["spec"].update({"replicas": 3}))
    assert decision.decision == "patch"
    assert _kinds(decision) == [("StatefulSet", "patch")]
    assert decision.actions[0].patch == {"spec": {"replicas": 3}}
    assert "replicas changed from 2 to 3" in decision.actions[0].reason
    assert not decision.rolling_update


def test_scale_down_removing_master_mentions_switchover(t):
    pods = [t.pod(0), t.pod(1, role="master")]
    _d, _c, decision = _decide(t, lambda d: d["spec"].update({"replicas": 1}), pods=pods)
    assert decision.decision == "patch"
    assert "master acid-test-1 would be removed: switch over to acid-test-0 first" in decision.actions[0].reason


def test_pods_on_other_image_are_flagged_without_lazy_upgrade(t):
    pods = [t.pod(0, role="master"), t.pod(1, image="ghcr.io/zalando/spilo-17:4.0-p1")]
    _d, _c, decision = _decide(t, pods=pods)
    assert decision.decision == "flag_pods"
    assert _kinds(decision) == [("Pod", "flag_rolling_update")]
    assert decision.actions[0].pods == ["acid-test-1"]
    assert decision.rolling_update_pods == ["acid-test-1"]


def test_already_flagged_pods_stay_flagged_and_are_not_rewritten(t):
    pods = [t.pod(0, role="master"), t.pod(1, flagged=True)]
    _d, _c, decision = _decide(t, pods=pods)
    assert decision.actions == []
    assert decision.rolling_update_pods == ["acid-test-1"]
    assert decision.rolling_update


def test_already_flagged_pods_are_not_flagged_again_on_rolling_update(t):
    pods = [t.pod(0, role="master"), t.pod(1, flagged=True)]
    _d, _c, decision = _decide(t, lambda d: _postgres(d).update({"image": "spilo:new"}), pods=pods)
    assert decision.actions[0].pods == ["acid-test-0"]
    assert decision.rolling_update_pods == ["acid-test-0", "acid-test-1"]


def test_terminating_pods_are_not_flagged(t):
    pods = [t.pod(0, role="master"), t.pod(1)]
    pods[1]["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    _d, _c, decision = _decide(t, lambda d: _postgres(d).update({"image": "spilo:new"}), pods=pods)
    assert decision.actions[0].pods == ["acid-test-0"]


def test_ignored_annotations_are_not_compared(t):
    cfg = t.cfg(ignored_annotations=["k8s.v1.cni.cncf.io/network-status", "argocd.argoproj.io/tracking-id"])

    def mutate_observed(o):
        o["metadata"]["annotations"] = {"argocd.argoproj.io/tracking-id": "abc", "kubectl.kubernetes.io/last-applied-configuration": "{}"}
        o["spec"]["template"]["metadata"]["annotations"]["k8s.v1.cni.cncf.io/network-status"] = "[]"
    pods = [t.pod(0, role="master", annotations={"k8s.v1.cni.cncf.io/network-status": "[]"})]
    _d, _c, decision = _decide(t, mutate_observed=mutate_observed, pods=pods, cfg=cfg)
    assert decision.decision == "noop"
    assert decision.actions == []


def test_ignored_annotations_survive_a_replace(t):
    cfg = t.cfg(ignored_annotations=["argocd.argoproj.io/tracking-id"])

    def mutate_observed(o):
        o["metadata"]["annotations"] = {"argocd.argoproj.io/tracking-id": "abc"}
        o["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] = "2026-01-01"
    _d, _c, decision = _decide(t, lambda d: d["metadata"]["annotations"].update({"a": "b"}), mutate_observed=mutate_observed, cfg=cfg)
    body = decision.action().body
    assert body["metadata"]["annotations"] == {"a": "b", "argocd.argoproj.io/tracking-id": "abc"}
    assert body["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] == "2026-01-01"


def test_labels_added_by_other_tools_are_kept(t):
    _d, _c, decision = _decide(t, mutate_observed=lambda o: o["metadata"]["labels"].update({"app.kubernetes.io/instance": "x"}))
    assert decision.decision == "noop"


def test_statefulset_label_drift_is_a_merge_patch(t):
    _d, _c, decision = _decide(t, lambda d: d["metadata"]["labels"].update({"environment": "test"}))
    assert decision.decision == "patch"
    assert decision.actions[0].patch == {"metadata": {"labels": {"environment": "test"}}}
