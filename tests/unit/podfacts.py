"""Pods as the API server returns them, for the lifecycle tests (import as
``from ansible_collections.pgkube.operator.tests.unit.podfacts import pod``)."""

ROLE = "spilo-role"
FLAG = "zalando-postgres-operator-rolling-update-required"


def pod(name, role="replica", ready=True, flagged=False, terminating=False, node="node-1", created="2026-12-03T10:00:00Z", ip=None,
        pending_restart=False):
    meta = {"name": name, "namespace": "ns", "uid": "uid-" + name, "labels": {"cluster-name": "pg"}, "annotations": {},
            "creationTimestamp": created}
    if role:
        meta["labels"][ROLE] = role
    if flagged:
        meta["annotations"][FLAG] = "true"
    if pending_restart:
        meta["annotations"]["status"] = '{"state": "running", "role": "replica", "pending_restart": true}'
    if terminating:
        meta["deletionTimestamp"] = "2026-12-03T10:05:00Z"
    return {"metadata": meta, "spec": {"nodeName": node},
            "status": {"podIP": ip or "10.0.0.%s" % name.rsplit("-", 1)[-1],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}
