"""Child object names as the REST API shows them (reference §7)."""

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import child_object_names
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig


def test_configmap_mode_has_no_endpoints():
    names = child_object_names("acid-a", OperatorConfig.defaults())
    assert names == {
        "MasterService": "acid-a", "ReplicaService": "acid-a-repl", "StatefulSet": "acid-a",
        "PrimaryPodDisruptionBudget": "postgres-acid-a-pdb", "CriticalOpPodDisruptionBudget": "postgres-acid-a-critical-op-pdb",
    }


def test_endpoints_mode_and_custom_pdb_name():
    cfg = OperatorConfig.from_dict({"kubernetes_use_configmaps": False, "pdb_name_format": "pdb-{cluster}"})
    names = child_object_names("acid-a", cfg)
    assert names["MasterEndpoint"] == "acid-a" and names["ReplicaEndpoint"] == "acid-a-repl"
    assert names["PrimaryPodDisruptionBudget"] == "pdb-acid-a"
