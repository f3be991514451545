# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OperatorConfig from a ConfigMap and from an OperatorConfiguration: values, defaults (§3.3), quirks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "unit", "fixtures", "config")


def load(*parts):
    with open(os.path.join(*parts)) as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def cm_cfg():
    return OperatorConfig.from_configmap(load(FIXTURES, "configmap-zalando.yaml"))


@pytest.fixture(scope="module")
def crd_cfg():
    return OperatorConfig.from_crd(load(FIXTURES, "operatorconfiguration-zalando.yaml"))


def test_configmap_fixture_values(cm_cfg):
    cfg = cm_cfg
    assert cfg.source == "configmap"
    assert cfg.workers == 8
    assert cfg.resync_period == 1800
    assert cfg.repair_period == 300
    assert cfg.ready_wait_interval == 3
    assert cfg.pod_terminate_grace_period == 300
    assert cfg.master_pod_move_timeout == 1200
    assert cfg.kubernetes_use_configmaps is False
    assert cfg.enable_spilo_wal_path_compat is True
    assert cfg.enable_master_load_balancer is False
    assert cfg.watched_namespace == "*"
    assert cfg.cluster_labels == {"application": "spilo"}
    assert cfg.custom_service_annotations == {"keyx": "valuez", "keya": "value,with,commas"}
    assert cfg.protected_role_names == ["admin", "cron_admin"]
    assert cfg.inherited_labels == ["application", "environment"]
    assert cfg.downscaler_annotations == ["deployment-time", "downscaler/*"]
    assert cfg.postgres_superuser_teams == ["postgres_superusers"]
    assert cfg.team_api_role_configuration == {"log_statement": "all"}
    assert cfg.pam_configuration == "https://info.example.com/oauth2/tokeninfo?access_token= uid realm=/employees\n"
    assert cfg.infrastructure_roles_secrets == [
        {"secretname": "monitoring-roles", "userkey": "user", "passwordkey": "password", "rolekey": "inrole"}]
    assert cfg.persistent_volume_claim_retention_policy == {"when_deleted": "retain", "when_scaled": "retain"}
    assert cfg.pod_environment_configmap == "default/my-custom-config"
    assert cfg.namespaced_name("pod_environment_configmap") == ("default", "my-custom-config")
    assert cfg.default_cpu_request == "100m"
    assert cfg.minimal_major_version == "14"
    assert cfg.max_instances == -1
    assert cfg.spilo_runasuser is None
    assert cfg.warnings == ()


def test_configmap_data_only_equals_whole_object():
    whole = load(FIXTURES, "configmap-zalando.yaml")
    assert OperatorConfig.from_configmap(whole["data"]) == OperatorConfig.from_configmap(whole)


def test_crd_fixture_values(crd_cfg):
    cfg = crd_cfg
    assert cfg.source == "crd"
    assert cfg.workers == 8
    assert cfg.resync_period == 1800
    assert cfg.maintenance_windows == ["Sat:01:00-06:00"]
    assert cfg.sidecars == [{"name": "global-sidecar-1", "image": "image:123", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]
    assert cfg.liveness_probe == {"httpGet": {"path": "/readiness", "port": 8008}, "initialDelaySeconds": 30}
    assert cfg.toleration == {"key": "db-only", "operator": "Exists", "effect": "NoSchedule"}
    assert cfg.node_readiness_label == {"status": "ready"}
    assert cfg.persistent_volume_claim_retention_policy == {"when_deleted": "retain", "when_scaled": "delete"}
    assert cfg.spilo_runasuser == 101 and cfg.spilo_fsgroup == 103
    assert cfg.additional_pod_capabilities == ["SYS_NICE"]
    assert cfg.major_version_upgrade_team_allow_list == ["acid"]
    assert cfg.min_cpu_limit == "250m"
    assert cfg.default_cpu_limit == "1"
    assert cfg.scalyr_cpu_limit == "1"
    assert cfg.oauth_token_secret_name == "postgresql-operator"


def test_crd_infrastructure_roles_keep_only_four_fields(crd_cfg):
    assert crd_cfg.infrastructure_roles_secrets == [
        {"secretname": "monitoring-roles", "userkey": "user", "passwordkey": "password", "rolekey": "inrole"},
        {"secretname": "other-infrastructure-role", "userkey": "other-user-key", "passwordkey": "other-password-key"},
    ]
    assert any("infrastructure_roles_secrets[1]" in w and "defaultrolevalue" in w for w in crd_cfg.warnings)


def test_crd_pooler_instances_forced_to_two(crd_cfg):
    assert crd_cfg.connection_pooler_number_of_instances == 2
    assert any("connection_pooler_number_of_instances" in w for w in crd_cfg.warnings)
    assert OperatorConfig.from_configmap({"connection_pooler_number_of_instances": "1"}).connection_pooler_number_of_instances == 1


def test_crd_removed_key_warns(crd_cfg):
    assert any(w.startswith("configuration.aws_or_gcp.enable_ebs_gp3_migration:") for w in crd_cfg.warnings)


def test_crd_accepts_configuration_part_only():
    part = load(FIXTURES, "operatorconfiguration-zalando.yaml")["configuration"]
    assert OperatorConfig.from_crd(part) == OperatorConfig.from_crd({"configuration": part})


def test_crd_wrong_kind_or_shape():
    with pytest.raises(ConfigurationError) as err:
        OperatorConfig.from_crd({"kind": "ConfigMap", "data": {}})
    assert err.value.path == "kind"
    with pytest.raises(ConfigurationError) as err:
        OperatorConfig.from_crd({"configuration": {"kubernetes": "nope"}})
    assert err.value.path == "configuration.kubernetes"


# reference §3.3: defaults that differ between the two sources -----------------------------

DIFFERING = {
    # key: (ConfigMap default, CRD default with the group present, CRD default with the group absent)
    "enable_master_load_balancer": (True, False, False),
    "enable_teams_api": (True, False, False),
    "enable_postgres_team_crd": (False, True, False),
    "password_rotation_user_retention": (180, 120, 180),
    "oauth_token_secret_name": ("postgresql-operator", "postgres-operator", "postgres-operator"),
    "master_pod_move_timeout": (1200, 1200, 600),
}


@pytest.mark.parametrize("key", sorted(DIFFERING))
def test_differing_defaults(key):
    cm_default, crd_default, crd_fallback = DIFFERING[key]
    assert OperatorConfig.defaults().get(key) == cm_default
    assert OperatorConfig.from_configmap({}).get(key) == cm_default
    assert OperatorConfig.defaults("crd").get(key) == crd_default
    every_group = dict((g, {}) for g in ("users", "kubernetes", "load_balancer", "teams_api"))
    assert OperatorConfig.from_crd({"configuration": every_group}).get(key) == crd_default
    assert OperatorConfig.from_crd({"kind": "OperatorConfiguration", "configuration": {}}).get(key) == crd_fallback


def test_differing_defaults_in_fixtures(cm_cfg, crd_cfg):
    # the CM fixture sets enable_master_load_balancer/teams_api/team crd; retention and move timeout are absent
    assert cm_cfg.password_rotation_user_retention == 180
    # the CRD fixture has no `users` and no `teams_api` group: Go fallbacks apply
    assert crd_cfg.password_rotation_user_retention == 180
    assert crd_cfg.enable_postgres_team_crd is False
    assert crd_cfg.enable_teams_api is False
    # the CRD fixture has `load_balancer` without enable_master_load_balancer: false (CM would say true)
    assert crd_cfg.enable_master_load_balancer is False


def test_same_defaults_elsewhere():
    cm, crd = OperatorConfig.defaults(), OperatorConfig.defaults("crd")
    diff = sorted(k for k, v in cm.as_dict(redact=False).items() if crd.get(k) != v)
    assert diff == sorted(set(DIFFERING) - {"master_pod_move_timeout"})


def test_defaults_sample():
    cfg = OperatorConfig.defaults()
    assert cfg.source == "defaults"
    assert cfg.docker_image == "ghcr.io/zalando/spilo-18:4.1-p2"
    assert cfg.kubernetes_use_configmaps is True
    assert cfg.replication_username == "standby"
    assert cfg.pod_terminate_grace_period == 300
    assert cfg.resource_check_timeout == 600
    assert cfg.patroni_api_check_interval == 1
    assert cfg.protected_role_names == ["admin", "cron_admin"]
    assert cfg.cluster_labels == {"application": "spilo"}
    assert cfg.crd_categories == ["all"]
    assert cfg.default_cpu_request == ""
    assert cfg.toleration == {}
    assert cfg.sidecars == []
    assert cfg.liveness_probe is None
    assert cfg.infrastructure_roles_secrets == []
    assert cfg.persistent_volume_claim_retention_policy == {"when_deleted": "retain", "when_scaled": "retain"}
    assert cfg.node_readiness_label_merge == "OR"
    assert cfg.logical_backup_s3_sse == "AES256"
    assert cfg.logical_backup_ttl_seconds_after_finished == 86400
    assert cfg.secret_name_template == "{username}.{cluster}.credentials.{tprkind}.{tprgroup}"


def test_unknown_keys_warn_and_do_not_fail():
    cfg = OperatorConfig.from_configmap({"workers": "4", "no_such_key": "x", "enable_load_balancer": "true"})
    assert cfg.workers == 4
    assert 'no_such_key: unknown key ignored' in cfg.warnings
    assert any(w.startswith("enable_load_balancer: deprecated and has no effect") for w in cfg.warnings)
    crd = OperatorConfig.from_crd({"configuration": {"kubernetes": {"workers": 3}, "teams": {"x": 1}, "bogus": 1}})
    assert crd.workers == 8
    assert "configuration.kubernetes.workers: misplaced key ignored (it belongs in the top level of configuration)" in crd.warnings
    assert "configuration.teams: unknown key ignored" in crd.warnings
    assert "configuration.bogus: unknown key ignored" in crd.warnings


def test_crd_only_keys_in_a_configmap_are_ignored_with_a_warning():
    cfg = OperatorConfig.from_configmap({"sidecars": "name:x", "liveness_probe": "httpGet"})
    assert cfg.sidecars == [] and cfg.liveness_probe is None
    assert len([w for w in cfg.warnings if "only supported in the OperatorConfiguration" in w]) == 2


def test_configmap_empty_values():
    cfg = OperatorConfig.from_configmap({"workers": "", "enable_shm_volume": "", "resync_period": "",
                                         "inherited_labels": "", "docker_image": "", "cluster_labels": ""})
    assert cfg.workers == 8 and cfg.enable_shm_volume is True and cfg.resync_period == 1800
    assert cfg.inherited_labels == [] and cfg.docker_image == "" and cfg.cluster_labels == {}


def test_from_dict_typed_and_string_values():
    cfg = OperatorConfig.from_dict({"workers": 3, "resync_period": "1h30m", "cluster_labels": {"app": "pg"}})
    assert (cfg.workers, cfg.resync_period, cfg.cluster_labels, cfg.source) == (3, 5400, {"app": "pg"}, "configmap")
    crd = OperatorConfig.from_dict({}, source="crd")
    assert crd.source == "crd" and crd.enable_postgres_team_crd is True and crd.password_rotation_user_retention == 120
    with pytest.raises(ConfigurationError):
        OperatorConfig.from_dict({}, source="etcd")


def test_round_trip_through_as_dict(cm_cfg, crd_cfg):
    for cfg in (cm_cfg, crd_cfg):
        again = OperatorConfig.from_dict(cfg.as_dict(redact=False), source=cfg.source)
        assert again == cfg


# the example manifests shipped for users ---------------------------------------------------

def test_shipped_manifests_parse_and_agree():
    cm = OperatorConfig.from_configmap(load(ROOT, "manifests", "config", "configmap.yaml"))
    crd = OperatorConfig.from_crd(load(ROOT, "manifests", "config", "operatorconfiguration.yaml"))
    assert cm.warnings == () and crd.warnings == ()
    assert cm.as_dict(redact=False) == crd.as_dict(redact=False)
    assert cm.enable_master_load_balancer is False and cm.enable_teams_api is False
    assert crd.enable_postgres_team_crd is False
    assert crd.watched_namespace == "*"
