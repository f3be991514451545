# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OperatorConfig: start-up validation, environment overrides, redaction, immutability."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError, ValidationErrors
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_env import config_location
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_parse import ConfigurationErrors


def cm_error(data):
    with pytest.raises(ConfigurationError) as err:
        OperatorConfig.from_configmap(data)
    return err.value


@pytest.mark.parametrize("data, path, fragment", [
    ({"workers": "abc"}, "workers", 'must be an integer, got "abc"'),
    ({"workers": "0"}, "workers", "must be greater than 0"),
    ({"min_instances": "5", "max_instances": "3"}, "min_instances", "must not be greater than max_instances (5 > 3)"),
    ({"connection_pooler_number_of_instances": "0"}, "connection_pooler_number_of_instances", "at least 1"),
    ({"connection_pooler_user": "postgres"}, "connection_pooler_user", 'must differ from super_username "postgres"'),
    ({"super_username": "admin", "connection_pooler_user": "admin"}, "connection_pooler_user", "must differ"),
    ({"pod_management_policy": "OrderedReady"}, "pod_management_policy", "must be one of ordered_ready, parallel"),
    ({"storage_resize_mode": "auto"}, "storage_resize_mode", "must be one of ebs, mixed, pvc, off"),
    ({"node_readiness_label_merge": "XOR"}, "node_readiness_label_merge", "must be one of AND, OR"),
    ({"external_traffic_policy": "local"}, "external_traffic_policy", "must be one of Cluster, Local"),
    ({"major_version_upgrade_mode": "auto"}, "major_version_upgrade_mode", "must be one of off, manual, full"),
    ({"logical_backup_provider": "swift"}, "logical_backup_provider", "must be one of s3, gcs, az"),
    ({"connection_pooler_mode": "statement"}, "connection_pooler_mode", "must be one of session, transaction"),
    ({"api_port": "70000"}, "api_port", "port number"),
    ({"resync_period": "0s"}, "resync_period", "greater than 0"),
    ({"target_major_version": "v18"}, "target_major_version", "major version number"),
    ({"enable_shm_volume": "yes"}, "enable_shm_volume", "must be a boolean"),
    ({"resync_period": "half an hour"}, "resync_period", "must be a duration"),
    ({"cluster_labels": "application"}, "cluster_labels", "has no colon"),
])
def test_validation_errors_name_the_key(data, path, fragment):
    error = cm_error(data)
    assert error.path == path
    assert fragment in str(error)
    assert str(error).startswith(path + ": ")


def test_instance_limits_only_checked_when_both_positive():
    assert OperatorConfig.from_configmap({"min_instances": "5", "max_instances": "-1"}).min_instances == 5
    assert OperatorConfig.from_configmap({"min_instances": "2", "max_instances": "2"}).max_instances == 2


def test_all_errors_reported_at_once():
    with pytest.raises(ConfigurationErrors) as err:
        OperatorConfig.from_configmap({"workers": "abc", "api_port": "0", "storage_resize_mode": "x"})
    paths = sorted(e.path for e in err.value.errors)
    assert paths == ["api_port", "storage_resize_mode", "workers"]
    assert isinstance(err.value, ConfigurationError) and isinstance(err.value, ValidationErrors)
    assert "workers: must be an integer" in str(err.value)


def test_crd_errors_carry_the_nested_path():
    with pytest.raises(ConfigurationError) as err:
        OperatorConfig.from_crd({"configuration": {"kubernetes": {"pod_management_policy": "random"}}})
    assert err.value.path == "configuration.kubernetes.pod_management_policy"
    with pytest.raises(ConfigurationError) as err:
        OperatorConfig.from_crd({"configuration": {"workers": "many"}})
    assert err.value.path == "configuration.workers"
    with pytest.raises(ConfigurationError) as err:
        OperatorConfig.from_crd({"configuration": {"users": {"super_username": "pooler"}}})
    assert err.value.path == "configuration.connection_pooler.connection_pooler_user"


def test_node_readiness_label_merge_empty_means_or():
    cfg = OperatorConfig.from_crd({"configuration": {"kubernetes": {"node_readiness_label_merge": ""}}})
    assert cfg.node_readiness_label_merge == "OR"


# environment ---------------------------------------------------------------------------------

def test_apply_env_overrides_and_runtime_attributes():
    base = OperatorConfig.from_configmap({"watched_namespace": "team-a", "scalyr_api_key": ""})
    env = {
        "WATCHED_NAMESPACE": "*", "OPERATOR_NAMESPACE": "postgres-operator", "CONTROLLER_ID": "pgkube-1",
        "SCALYR_API_KEY": "scalyr-secret", "CRD_READY_WAIT_TIMEOUT": "1m", "CRD_READY_WAIT_INTERVAL": "2s",
        "ENABLE_JSON_LOGGING": "true", "LOG_NOQUOTE": "TRUE", "UNRELATED": "x",
    }
    cfg = base.apply_env(env)
    assert cfg is not base
    assert cfg.watched_namespace == "*" and base.watched_namespace == "team-a"
    assert cfg.operator_namespace == "postgres-operator" and base.operator_namespace == ""
    assert cfg.controller_id == "pgkube-1"
    assert cfg.scalyr_api_key == "scalyr-secret"
    assert (cfg.crd_ready_wait_timeout, cfg.crd_ready_wait_interval) == (60, 2)
    assert cfg.enable_json_logging is True and cfg.log_noquote is True
    assert cfg.source == "configmap"


def test_apply_env_empty_and_missing_variables_keep_values():
    base = OperatorConfig.from_configmap({"watched_namespace": "team-a"})
    cfg = base.apply_env({"WATCHED_NAMESPACE": "", "CONTROLLER_ID": ""})
    assert cfg == base
    assert cfg.crd_ready_wait_timeout == 30 and cfg.crd_ready_wait_interval == 4
    assert cfg.effective_watched_namespace == "team-a"
    assert OperatorConfig.defaults().apply_env({"OPERATOR_NAMESPACE": "ops"}).effective_watched_namespace == "ops"


def test_apply_env_invalid_value_names_the_variable():
    with pytest.raises(ConfigurationError) as err:
        OperatorConfig.defaults().apply_env({"CRD_READY_WAIT_TIMEOUT": "soon"})
    assert err.value.path == "CRD_READY_WAIT_TIMEOUT"


def test_namespaced_name_defaults_to_operator_namespace():
    cfg = OperatorConfig.defaults().apply_env({"OPERATOR_NAMESPACE": "ops"})
    assert cfg.namespaced_name("oauth_token_secret_name") == ("ops", "postgresql-operator")
    assert cfg.namespaced_name("pod_environment_configmap") is None


@pytest.mark.parametrize("env, expected", [
    ({"POSTGRES_OPERATOR_CONFIGURATION_OBJECT": "pgconf", "CONFIG_MAP_NAME": "cm", "OPERATOR_NAMESPACE": "ops"},
     {"kind": "crd", "namespace": "ops", "name": "pgconf"}),
    ({"CONFIG_MAP_NAME": "other/postgres-operator", "OPERATOR_NAMESPACE": "ops"},
     {"kind": "configmap", "namespace": "other", "name": "postgres-operator"}),
    ({"CONFIG_MAP_NAME": "postgres-operator"}, {"kind": "configmap", "namespace": None, "name": "postgres-operator"}),
    ({}, {"kind": "defaults"}),
])
def test_config_location(env, expected):
    assert config_location(env) == expected


# redaction, immutability, access ------------------------------------------------------------

def test_as_dict_redacts_secrets():
    cfg = OperatorConfig.from_configmap({
        "logical_backup_s3_secret_access_key": "s3-secret", "logical_backup_s3_access_key_id": "AKIA",
        "logical_backup_azure_storage_account_key": "az-secret", "gcp_credentials": "/var/secrets/gcp.json",
    }).apply_env({"SCALYR_API_KEY": "scalyr-secret"})
    shown = cfg.as_dict()
    for key in ("logical_backup_s3_secret_access_key", "logical_backup_s3_access_key_id",
                "logical_backup_azure_storage_account_key", "scalyr_api_key"):
        assert shown[key] == "<redacted>"
    assert "s3-secret" not in repr(shown) and "scalyr-secret" not in repr(shown) and "az-secret" not in repr(shown)
    assert shown["gcp_credentials"] == "/var/secrets/gcp.json"
    assert cfg.as_dict(redact=False)["logical_backup_s3_secret_access_key"] == "s3-secret"
    assert OperatorConfig.defaults().as_dict()["scalyr_api_key"] == ""
    assert "secret" not in repr(cfg)


def test_immutable():
    cfg = OperatorConfig.defaults()
    with pytest.raises(AttributeError):
        cfg.workers = 3
    with pytest.raises(AttributeError):
        cfg.source = "crd"
    with pytest.raises(AttributeError):
        del cfg.workers
    labels = cfg.cluster_labels
    labels["x"] = "y"
    cfg.protected_role_names.append("z")
    cfg.as_dict()["cluster_labels"]["q"] = "r"
    assert cfg.cluster_labels == {"application": "spilo"}
    assert cfg.protected_role_names == ["admin", "cron_admin"]
    assert isinstance(cfg.warnings, tuple)


def test_get_and_attributes():
    cfg = OperatorConfig.from_configmap({"workers": "4"})
    assert cfg.get("workers") == 4
    assert cfg.get("controller_id") == ""
    assert cfg.get("nope") is None and cfg.get("nope", 7) == 7
    with pytest.raises(AttributeError):
        cfg.nope
    assert "workers" in dir(cfg)
    assert cfg != OperatorConfig.defaults()
    assert OperatorConfig.from_configmap({}) == OperatorConfig.defaults()
