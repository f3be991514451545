"""PodDisruptionBudget rules (reference §4.6): any spec/ownerRef/annotation change means delete + create."""

from ansible_collections.pgkube.operator.plugins.module_utils.plan.pdb import plan_pdb


def pdb(t, min_available=1, annotations=None, owner=True):
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "postgres-acid-test-pdb", "namespace": t.NS, "labels": dict(t.OBJECT_LABELS),
                     "annotations": dict(annotations or {}), "ownerReferences": [dict(t.OWNER)] if owner else []},
        "spec": {"minAvailable": min_available, "selector": {"matchLabels": dict(t.SELECTOR, **{"spilo-role": "master"})}},
    }


def test_same_pdb_as_returned_by_server_is_noop(t):
    assert plan_pdb(pdb(t), t.server(pdb(t)), t.cfg()) == []


def test_missing_pdb_is_created(t):
    assert [a.action for a in plan_pdb(pdb(t), None, t.cfg())] == ["create"]


def test_min_available_change_recreates(t):
    actions = plan_pdb(pdb(t, min_available=0), t.server(pdb(t)), t.cfg())
    assert [a.action for a in actions] == ["recreate"]
    assert actions[0].reason == "PodDisruptionBudget minAvailable changed from 1 to 0: recreated"
    assert "resourceVersion" not in actions[0].body["metadata"]


def test_min_available_to_max_unavailable_recreates(t):
    desired = pdb(t)
    desired["spec"] = {"maxUnavailable": 0, "selector": desired["spec"]["selector"]}
    actions = plan_pdb(desired, t.server(pdb(t)), t.cfg())
    assert actions[0].action == "recreate"
    assert "minAvailable 1 removed" in actions[0].reason and "maxUnavailable 0 added" in actions[0].reason


def test_selector_change_recreates(t):
    desired = pdb(t)
    desired["spec"]["selector"]["matchLabels"].pop("spilo-role")
    actions = plan_pdb(desired, t.server(pdb(t)), t.cfg())
    assert actions[0].action == "recreate" and "selector changed" in actions[0].reason


def test_owner_reference_change_recreates(t):
    actions = plan_pdb(pdb(t, owner=False), t.server(pdb(t)), t.cfg())
    assert actions[0].action == "recreate" and "owner references changed" in actions[0].reason


def test_annotation_change_recreates(t):
    actions = plan_pdb(pdb(t, annotations={"team": "db"}), t.server(pdb(t)), t.cfg())
    assert actions[0].action == "recreate" and "annotations changed (added: team)" in actions[0].reason


def test_label_drift_is_patched(t):
    desired = pdb(t)
    desired["metadata"]["labels"]["environment"] = "test"
    actions = plan_pdb(desired, t.server(pdb(t)), t.cfg())
    assert [a.action for a in actions] == ["patch"]
    assert actions[0].patch == {"metadata": {"labels": {"environment": "test"}}}
