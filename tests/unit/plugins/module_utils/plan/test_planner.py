"""plan_cluster over a whole cluster, and plan_delete (reference §5.11)."""

import base64

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import PlanError
from ansible_collections.pgkube.operator.plugins.module_utils.plan.object_meta import identity
from ansible_collections.pgkube.operator.plugins.module_utils.plan.planner import plan_cluster, plan_delete


def _meta(t, name, labels, owner=True):
    result = {"name": name, "namespace": t.NS, "labels": labels}
    if owner:
        result["ownerReferences"] = [dict(t.OWNER)]
    return result


def cluster_objects(t):
    labels = dict(t.OBJECT_LABELS)
    master = dict(labels, **{"spilo-role": "master"})
    replica = dict(labels, **{"spilo-role": "replica"})
    port = {"name": "postgresql", "port": 5432, "targetPort": 5432}
    secret_data = {"username": base64.b64encode(b"postgres").decode(), "password": base64.b64encode(b"generated-password").decode()}
    return [
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": _meta(t, t.C, master), "subsets": []},
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta(t, t.C, master), "spec": {"type": "ClusterIP", "ports": [dict(port)]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta(t, t.C + "-repl", replica),
         "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.0/8", "127.0.0.1/32"], "externalTrafficPolicy": "Cluster",
                  "selector": dict(t.SELECTOR, **{"spilo-role": "replica"}), "ports": [dict(port)]}},
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": _meta(t, "postgres.acid-test.credentials.postgresql.acid.zalan.do", labels),
         "data": secret_data},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(t, "postgres-acid-test-pdb", labels),
         "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(t.SELECTOR, **{"spilo-role": "master"})}}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "postgres-pod", "namespace": t.NS}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "postgres-pod", "namespace": t.NS},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "postgres-pod"},
         "subjects": [{"kind": "ServiceAccount", "name": "postgres-pod"}]},
        t.sts(),
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta(t, t.C + "-config", labels)},
    ]


def observed_as_server(t, objects):
    result = {}
    for obj in objects:
        if obj["metadata"]["name"] == t.C + "-config":
            continue  # Patroni creates it
        result[identity(obj)] = t.server(obj)
    return result


def test_cluster_as_returned_by_server_gives_empty_plan(t):
    objects = cluster_objects(t)
    pods = [t.pod(0, role="master"), t.pod(1)]
    plan = plan_cluster(objects, observed_as_server(t, objects), t.cfg(), pods=pods)
    assert plan.actions == [], plan.summary()
    assert not plan.changed
    assert plan.rolling_update_pods == []


def test_new_cluster_creates_everything_in_order_but_patroni_objects(t):
    objects = cluster_objects(t)
    plan = plan_cluster(objects, {}, t.cfg(), pods=[])
    assert plan.changed
    assert [(a.kind, a.name, a.action) for a in plan.actions] == [
        (o["kind"], o["metadata"]["name"], "create") for o in objects if o["metadata"]["name"] != t.C + "-config"]


def test_existing_secret_is_authoritative_unless_marked(t):
    objects = cluster_objects(t)
    observed = observed_as_server(t, objects)
    secret = objects[3]
    observed[identity(secret)]["data"]["password"] = base64.b64encode(b"user-chosen").decode()
    assert plan_cluster(objects, observed, t.cfg()).actions == []
    plan = plan_cluster(objects, observed, t.cfg(), secret_overwrites={secret["metadata"]["name"]})
    assert [(a.kind, a.action) for a in plan.actions] == [("Secret", "patch")]
    assert "generated-password" not in repr(plan.summary()) + repr(plan)


def test_changes_across_kinds_are_all_planned(t):
    objects = cluster_objects(t)
    observed = observed_as_server(t, objects)
    objects[4]["spec"]["minAvailable"] = 0
    objects[7]["spec"]["template"]["spec"]["containers"][0]["image"] = "spilo:new"
    plan = plan_cluster(objects, observed, t.cfg(), pods=[t.pod(0, role="master")])
    summary = plan.summary()
    assert [(s["kind"], s["action"]) for s in summary] == [
        ("PodDisruptionBudget", "recreate"), ("Pod", "flag_rolling_update"), ("StatefulSet", "patch")]
    assert set(summary[0]) == set(["kind", "name", "namespace", "action", "reason"])
    assert plan.rolling_update_pods == ["acid-test-0"]


def test_selector_adding_labels_raises(t):
    objects = cluster_objects(t)
    observed = observed_as_server(t, objects)
    objects[7]["spec"]["selector"]["matchLabels"]["team"] = "acid"
    with pytest.raises(PlanError):
        plan_cluster(objects, observed, t.cfg())


# -- delete ----------------------------------------------------------------------------------

def delete_observed(t):
    objects = cluster_objects(t)
    observed = observed_as_server(t, objects)
    extra = [
        {"kind": "Pod", "metadata": {"name": "acid-test-0", "namespace": t.NS, "labels": dict(t.OBJECT_LABELS)}},
        {"kind": "Pod", "metadata": {"name": "acid-test-1", "namespace": t.NS, "labels": dict(t.OBJECT_LABELS)}},
        {"kind": "PersistentVolumeClaim", "metadata": {"name": "pgdata-acid-test-0", "namespace": t.NS, "labels": dict(t.OBJECT_LABELS)}},
        {"kind": "ConfigMap", "metadata": {"name": "acid-test-leader", "namespace": t.NS, "labels": dict(t.SELECTOR)}},
        {"kind": "ConfigMap", "metadata": {"name": "pod-env", "namespace": t.NS, "labels": dict(t.SELECTOR)}},
        {"kind": "Service", "metadata": {"name": "acid-test-config", "namespace": t.NS}},
        {"kind": "CronJob", "metadata": {"name": "logical-backup-acid-test", "namespace": t.NS, "labels": dict(t.OBJECT_LABELS)}},
        {"kind": "Service", "metadata": {"name": "unrelated", "namespace": t.NS}},
        {"kind": "Secret", "metadata": {"name": "other.foo.credentials.postgresql.acid.zalan.do", "namespace": t.NS}},
    ]
    for obj in extra:
        observed[identity(obj)] = obj
    return observed


def test_delete_order_and_scope_with_pvc_and_secret_deletion_enabled(t):
    cfg = t.cfg(enable_persistent_volume_claim_deletion=True, enable_secrets_deletion=True)
    plan = plan_delete(delete_observed(t), cfg, t.C)
    assert [(a.kind, a.name) for a in plan.actions] == [
        ("CronJob", "logical-backup-acid-test"),
        ("StatefulSet", "acid-test"),
        ("Pod", "acid-test-0"),
        ("Pod", "acid-test-1"),
        ("PersistentVolumeClaim", "pgdata-acid-test-0"),
        ("Secret", "postgres.acid-test.credentials.postgresql.acid.zalan.do"),
        ("PodDisruptionBudget", "postgres-acid-test-pdb"),
        ("Endpoints", "acid-test"),
        ("Service", "acid-test"),
        ("Service", "acid-test-repl"),
        ("Service", "acid-test-config"),
        ("ConfigMap", "acid-test-leader"),
    ]
    assert all(a.action == "delete" for a in plan.actions)
    assert plan.actions[1].propagation_policy == "Orphan"
    assert plan.notes == []


def test_delete_keeps_pvcs_and_secrets_when_configured(t):
    cfg = t.cfg(enable_persistent_volume_claim_deletion=False, enable_secrets_deletion=False)
    plan = plan_delete(delete_observed(t), cfg, t.C)
    kinds = [a.kind for a in plan.actions]
    assert "PersistentVolumeClaim" not in kinds and "Secret" not in kinds
    assert plan.notes == [
        "PersistentVolumeClaims kept because enable_persistent_volume_claim_deletion is false: pgdata-acid-test-0",
        "Secrets kept because enable_secrets_deletion is false: postgres.acid-test.credentials.postgresql.acid.zalan.do",
    ]


def test_kept_volumes_keep_their_secrets_even_with_secrets_deletion_on(t):
    """Issue 12, defect 7: a cluster re-created on kept volumes needs the old credentials."""
    cfg = t.cfg(enable_persistent_volume_claim_deletion=False, enable_secrets_deletion=True)
    plan = plan_delete(delete_observed(t), cfg, t.C)
    kinds = [a.kind for a in plan.actions]
    assert "PersistentVolumeClaim" not in kinds and "Secret" not in kinds
    assert plan.notes[1].startswith("Secrets kept because the data volumes are kept (enable_persistent_volume_claim_deletion is false)")


def test_delete_honours_the_configured_pvc_default(t):
    cfg = t.cfg()
    plan = plan_delete(delete_observed(t), cfg, t.C)
    deleted = [a.name for a in plan.actions if a.kind == "PersistentVolumeClaim"]
    if cfg.enable_persistent_volume_claim_deletion:
        assert deleted == ["pgdata-acid-test-0"]
    else:
        assert deleted == [] and plan.notes[0].startswith("PersistentVolumeClaims kept")


def test_delete_of_nothing_is_empty(t):
    plan = plan_delete({}, t.cfg(), t.C)
    assert not plan.changed and plan.actions == []
