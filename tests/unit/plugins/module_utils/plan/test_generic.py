"""Endpoints, Patroni objects, ServiceAccount, RoleBinding and the generic rule."""

from ansible_collections.pgkube.operator.plugins.module_utils.plan.generic import (
    plan_create_only,
    plan_endpoints,
    plan_generic,
    plan_patroni_object,
    plan_service_account,
)


def endpoints(t, name="acid-test", annotations=None):
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": name, "namespace": t.NS, "labels": dict(t.OBJECT_LABELS), "annotations": dict(annotations or {}),
                         "ownerReferences": [dict(t.OWNER)]},
            "subsets": []}


def service_account(annotations=None):
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "postgres-pod", "namespace": "default",
                                                                       "annotations": dict(annotations or {})}}


def role_binding(role="postgres-pod"):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "postgres-pod", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": "postgres-pod"}]}


def test_missing_endpoints_are_created(t):
    assert [a.action for a in plan_endpoints(endpoints(t), None, t.cfg())] == ["create"]


def test_endpoints_filled_by_patroni_are_left_alone(t):
    observed = t.server(endpoints(t))
    observed["subsets"] = [{"addresses": [{"ip": "10.0.0.5"}], "ports": [{"name": "postgresql", "port": 5432, "protocol": "TCP"}]}]
    observed["metadata"]["annotations"] = {"leader": "acid-test-0", "optime": "123"}
    assert plan_endpoints(endpoints(t), observed, t.cfg()) == []


def test_endpoints_annotations_are_added_never_removed(t):
    observed = t.server(endpoints(t, annotations={"leader": "acid-test-0"}))
    actions = plan_endpoints(endpoints(t, annotations={"team": "db"}), observed, t.cfg())
    assert actions[0].patch == {"metadata": {"annotations": {"team": "db"}}}


def test_patroni_object_is_not_created_but_owner_refs_synced(t):
    assert plan_patroni_object(endpoints(t, "acid-test-config"), None, t.cfg()) == []
    observed = t.server(endpoints(t, "acid-test-config"))
    del observed["metadata"]["ownerReferences"]
    actions = plan_patroni_object(endpoints(t, "acid-test-config"), observed, t.cfg())
    assert actions[0].patch == {"metadata": {"ownerReferences": [t.OWNER]}}
    assert "owner references changed" in actions[0].reason


def test_service_account_created_then_only_irsa_annotation_synced(t):
    assert [a.action for a in plan_service_account(service_account(), None, t.cfg())] == ["create"]
    observed = t.server(service_account({"someone": "else"}))
    assert plan_service_account(service_account(), observed, t.cfg()) == []
    wanted = service_account({"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/pg"})
    actions = plan_service_account(wanted, observed, t.cfg())
    assert actions[0].patch == {"metadata": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/pg"}}}


def test_role_binding_is_never_updated(t):
    assert [a.action for a in plan_create_only(role_binding(), None, t.cfg())] == ["create"]
    assert plan_create_only(role_binding(), t.server(role_binding("something-else")), t.cfg()) == []


def test_generic_object_is_merge_patched(t):
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "logical-backup-acid-test", "namespace": t.NS},
            "spec": {"schedule": "30 00 * * *", "concurrencyPolicy": "Forbid"}}
    observed = t.server(cron)
    observed["spec"]["suspend"] = False
    assert plan_generic(cron, observed, t.cfg()) == []
    changed = t.deepcopy(cron)
    changed["spec"]["schedule"] = "0 1 * * *"
    actions = plan_generic(changed, observed, t.cfg())
    assert actions[0].patch == {"spec": {"schedule": "0 1 * * *"}}
    assert "spec.schedule changed" in actions[0].reason
