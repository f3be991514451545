"""Which pod changes queue a cluster: not Patroni's own status annotation, rewritten every loop."""

import copy
import os
import sys

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from pgkube_watcher.controller import pod_changed


def _pod(role="replica", status='{"state":"running","xlog_location":100}', ready=True, annotations=None):
    notes = {"status": status}
    notes.update(annotations or {})
    return {"metadata": {"name": "c-0", "labels": {"cluster-name": "c", "spilo-role": role}, "annotations": notes},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def test_patroni_status_annotation_alone_does_not_count():
    old = _pod()
    assert not pod_changed(old, _pod(status='{"state":"running","xlog_location":200}'))
    assert not pod_changed(old, copy.deepcopy(old))


def test_role_readiness_and_other_annotations_count():
    old = _pod()
    assert pod_changed(old, _pod(role="master"))
    assert pod_changed(old, _pod(ready=False))
    assert pod_changed(old, _pod(annotations={"zalando-postgres-operator-rolling-update-required": "true"}))
    assert pod_changed(None, old)
