"""Pure parts of plugins/module_utils/operator_config.py and reconcile.delete_protection_reason."""

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils import operator_config as oc
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import delete_protection_reason


def test_configmap_syntax_round_trips_through_the_parser():
    values = {"workers": 4, "enable_owner_references": True, "protected_role_names": ["admin", "ops"],
              "cluster_labels": {"application": "spilo", "env": "prod"}, "resync_period": "45m", "docker_image": "img:1"}
    data = oc.configmap_data(values)
    assert data == {"workers": "4", "enable_owner_references": "true", "protected_role_names": "admin,ops",
                    "cluster_labels": "application:spilo,env:prod", "resync_period": "45m", "docker_image": "img:1"}
    cfg = OperatorConfig.from_configmap(data)
    assert cfg.workers == 4 and cfg.enable_owner_references is True
    assert cfg.protected_role_names == ["admin", "ops"] and cfg.cluster_labels == {"application": "spilo", "env": "prod"}
    assert cfg.resync_period == 45 * 60


def test_configmap_data_must_be_a_mapping():
    with pytest.raises(ConfigurationError):
        oc.configmap_data(["workers"])


def test_redaction_of_flat_and_nested_configuration():
    assert oc.redact_data({"scalyr_api_key": "s3cret", "workers": "4"}) == {"scalyr_api_key": "<redacted>", "workers": "4"}
    nested = oc.redact_configuration({"scalyr": {"scalyr_api_key": "s3cret"}, "workers": 4})
    assert nested == {"scalyr": {"scalyr_api_key": "<redacted>"}, "workers": 4}


def test_subset_comparison_ignores_server_defaults():
    assert oc._is_subset({"kubernetes": {"a": 1}}, {"kubernetes": {"a": 1, "b": 2}, "workers": 8})
    assert not oc._is_subset({"kubernetes": {"a": 1}}, {"kubernetes": {"a": 2}})
    assert not oc._is_subset({"workers": 8}, {})


def test_location_for():
    assert oc.location_for(config_map="cm", namespace="ops") == {"kind": "configmap", "namespace": "ops", "name": "cm"}
    assert oc.location_for(operator_configuration="x/oc") == {"kind": "crd", "namespace": "x", "name": "oc"}
    assert oc.location_for() == {"kind": "defaults"}
    with pytest.raises(ConfigurationError):
        oc.location_for(config_map="a", operator_configuration="b")


def cr(annotations=None):
    return {"metadata": {"name": "acid-a", "namespace": "ns", "annotations": annotations or {}}}


def test_delete_protection():
    none = OperatorConfig.defaults()
    assert delete_protection_reason(cr(), none) is None
    by_name = OperatorConfig.from_dict({"delete_annotation_name_key": "delete-clustername"})
    assert "delete-clustername" in delete_protection_reason(cr(), by_name)
    assert delete_protection_reason(cr({"delete-clustername": "acid-a"}), by_name) is None
    assert delete_protection_reason(cr({"delete-clustername": "other"}), by_name)
    by_date = OperatorConfig.from_dict({"delete_annotation_date_key": "delete-date"})
    assert delete_protection_reason(cr({"delete-date": "2026-01-02"}), by_date, today="2026-01-02") is None
    assert delete_protection_reason(cr({"delete-date": "2026-01-01"}), by_date, today="2026-01-02")
    # with owner references the protection does not apply (garbage collection deletes anyway)
    owned = OperatorConfig.from_dict({"delete_annotation_name_key": "delete-clustername", "enable_owner_references": True})
    assert delete_protection_reason(cr(), owned) is None
