"""Golden objects: every example manifest builds exactly the objects recorded in tests/unit/fixtures/golden.

The golden files were generated once (PGKUBE_UPDATE_GOLDEN=1) and then read line by line
against the Zalando operator's behaviour (reference §4). A change to any builder that
alters a child object shows up here as a diff to review; regenerate only on purpose.
Secret passwords are random, so Secret data is compared by key names only.
"""

import glob
import os

import pytest
import yaml

from ansible_collections.pgkube.operator.plugins.module_utils.desired.cluster import build_cluster
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "manifests", "examples", "*.yaml")))
GOLDEN = os.path.join(ROOT, "tests", "unit", "fixtures", "golden")

CONFIGS = {
    # the built-in defaults (ConfigMap semantics), owner references on
    "defaults": {"enable_owner_references": True},
    # Endpoints mode, load balancers from the configuration, anti-affinity, readiness label
    "endpoints": {
        "kubernetes_use_configmaps": False,
        "enable_master_load_balancer": True,
        "enable_pod_antiaffinity": True,
        "node_readiness_label": {"lifecycle-status": "ready"},
        "inherited_labels": ["environment"],
        "inherited_annotations": ["owner"],
    },
}


def comparable(obj):
    """The object with Secret data reduced to its keys (passwords are random)."""
    obj = dict(obj)
    if obj.get("kind") == "Secret":
        obj["data"] = dict((key, "<%s>" % key) for key in sorted(obj["data"]))
    return obj


def build(example, config_name):
    with open(example) as handle:
        manifest = yaml.safe_load(handle)
    manifest["metadata"].setdefault("namespace", "default")
    manifest["metadata"].setdefault("uid", "11111111-2222-3333-4444-555555555555")
    cluster = ClusterSpec.from_manifest(manifest)
    cfg = OperatorConfig.from_dict(CONFIGS[config_name])
    desired = build_cluster(cluster, cfg)
    return {"objects": [comparable(o) for o in desired.objects], "warnings": desired.warnings}


def test_examples_exist():
    names = [os.path.basename(p) for p in EXAMPLES]
    assert "minimal-postgres-manifest.yaml" in names and "complete-postgres-manifest.yaml" in names


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
@pytest.mark.parametrize("example", EXAMPLES, ids=[os.path.basename(p)[:-5] for p in EXAMPLES])
def test_golden_objects(example, config_name):
    got = build(example, config_name)
    path = os.path.join(GOLDEN, "%s.%s.yaml" % (os.path.basename(example)[:-5], config_name))
    if os.environ.get("PGKUBE_UPDATE_GOLDEN"):
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w") as handle:
            yaml.safe_dump(got, handle, sort_keys=False, width=200)
    with open(path) as handle:
        expected = yaml.safe_load(handle)
    assert [(o["kind"], o["metadata"]["name"]) for o in got["objects"]] == [(o["kind"], o["metadata"]["name"]) for o in expected["objects"]]
    for got_obj, expected_obj in zip(got["objects"], expected["objects"]):
        assert got_obj == expected_obj, "%s %s differs from its golden form" % (got_obj["kind"], got_obj["metadata"]["name"])
    assert got["warnings"] == expected["warnings"]
