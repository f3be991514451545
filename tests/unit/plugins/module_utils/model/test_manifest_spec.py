# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ClusterSpec: defaults, normalisation, helpers and the example manifests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest
import yaml

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.maintenance import MaintenanceWindow
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec, validate_cluster_name
from ansible_collections.pgkube.operator.tests.unit.builders import make_manifest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, "manifests", "examples")

# every top-level field of reference §2.4 (plus the few the CRD has beyond the table)
SPEC_FIELDS = {
    "teamId", "numberOfInstances", "dockerImage", "schedulerName", "spiloRunAsUser", "spiloRunAsGroup", "spiloFSGroup",
    "livenessProbe", "enableMasterLoadBalancer", "enableReplicaLoadBalancer", "enableMasterPoolerLoadBalancer",
    "enableReplicaPoolerLoadBalancer", "enableMasterNodePort", "enableReplicaNodePort", "enableMasterPoolerNodePort",
    "enableReplicaPoolerNodePort", "masterNodePort", "replicaNodePort", "masterPoolerNodePort", "replicaPoolerNodePort",
    "allowedSourceRanges", "maintenanceWindows", "users", "usersWithSecretRotation", "usersWithInPlaceSecretRotation",
    "usersIgnoringSecretRotation", "databases", "preparedDatabases", "tolerations", "nodeAffinity", "topologySpreadConstraints",
    "podPriorityClassName", "podAnnotations", "serviceAnnotations", "masterServiceAnnotations", "replicaServiceAnnotations",
    "enableShmVolume", "enableConnectionPooler", "enableReplicaConnectionPooler", "connectionPooler", "enableLogicalBackup",
    "logicalBackupRetention", "logicalBackupSchedule", "additionalVolumes", "initContainers", "sidecars", "env", "envFrom",
    "clone", "standby", "tls", "streams", "postgresql", "patroni", "resources", "volume",
}


def manifest(name="acid-test", **spec):
    """The shared minimal manifest with only ``metadata.name`` (no namespace, no uid)."""
    return make_manifest(name=name, namespace=None, uid=None, **spec)


def load_example(name):
    with open(os.path.join(EXAMPLES, name)) as handle:
        return yaml.safe_load(handle)


def test_every_field_present_with_defaults():
    cluster = ClusterSpec.from_manifest(manifest())
    spec = cluster.spec
    assert set(spec) == SPEC_FIELDS
    for key in ("dockerImage", "schedulerName", "spiloRunAsUser", "spiloRunAsGroup", "spiloFSGroup", "livenessProbe",
                "enableMasterLoadBalancer", "enableReplicaLoadBalancer", "enableMasterPoolerLoadBalancer",
                "enableReplicaPoolerLoadBalancer", "enableMasterNodePort", "enableReplicaNodePort", "enableMasterPoolerNodePort",
                "enableReplicaPoolerNodePort", "masterNodePort", "replicaNodePort", "masterPoolerNodePort", "replicaPoolerNodePort",
                "allowedSourceRanges", "preparedDatabases", "nodeAffinity", "podPriorityClassName", "enableShmVolume",
                "enableConnectionPooler", "enableReplicaConnectionPooler", "connectionPooler", "logicalBackupRetention",
                "logicalBackupSchedule", "clone", "standby", "tls"):
        assert spec[key] is None, key
    for key in ("maintenanceWindows", "usersWithSecretRotation", "usersWithInPlaceSecretRotation", "usersIgnoringSecretRotation",
                "tolerations", "topologySpreadConstraints", "additionalVolumes", "initContainers", "sidecars", "env", "envFrom", "streams"):
        assert spec[key] == [], key
    for key in ("users", "databases", "podAnnotations", "serviceAnnotations", "masterServiceAnnotations", "replicaServiceAnnotations", "patroni"):
        assert spec[key] == {}, key
    assert spec["enableLogicalBackup"] is False
    assert spec["numberOfInstances"] == 2
    assert spec["postgresql"] == {"version": "17", "parameters": {}}
    assert spec["resources"] == {
        "requests": {"cpu": None, "memory": None, "hugepages-2Mi": None, "hugepages-1Gi": None},
        "limits": {"cpu": None, "memory": None, "hugepages-2Mi": None, "hugepages-1Gi": None},
    }
    assert spec["volume"] == {"size": "1Gi", "storageClass": None, "subPath": None, "isSubPathExpr": None, "iops": None,
                              "throughput": None, "type": None, "selector": None}


def test_metadata_defaults():
    cluster = ClusterSpec.from_manifest(manifest())
    assert (cluster.name, cluster.namespace, cluster.uid, cluster.generation) == ("acid-test", "default", None, None)
    assert cluster.labels == {} and cluster.annotations == {}
    assert cluster.warnings == []


def test_metadata_values():
    body = manifest()
    body["metadata"].update(namespace="prod", uid="7f1c0e4e-0000-4000-8000-000000000001", generation=4,
                            labels={"team": "acid"}, annotations={"a": "b"})
    cluster = ClusterSpec.from_manifest(body)
    assert (cluster.namespace, cluster.uid, cluster.generation) == ("prod", "7f1c0e4e-0000-4000-8000-000000000001", 4)
    assert cluster.labels == {"team": "acid"} and cluster.annotations == {"a": "b"}


def test_manifest_is_not_mutated_and_kept():
    body = manifest(users={"foo_user": None}, sidecars=[{"image": "x"}], patroni={"slots": {"s": {"type": "physical"}}})
    before = copy.deepcopy(body)
    cluster = ClusterSpec.from_manifest(body)
    assert body == before
    assert cluster.manifest is body
    cluster.spec["sidecars"][0]["image"] = "changed"
    cluster.spec["patroni"]["slots"]["s"]["type"] = "logical"
    assert body == before


def test_users_are_normalised():
    cluster = ClusterSpec.from_manifest(manifest(users={
        "zalando": ["superuser", "createdb"],
        "foo_user": [],
        "null_user": None,
        "reader": ["NOLOGIN"],
        "repl": ["REPLICATION", "noinherit"],
        "other-ns.app": ["login"],
    }))
    assert cluster.spec["users"] == {
        "zalando": ["CREATEDB", "LOGIN", "SUPERUSER"],
        "foo_user": ["LOGIN"],
        "null_user": ["LOGIN"],
        "reader": [],
        "repl": ["LOGIN", "NOINHERIT", "REPLICATION"],
        "other-ns.app": ["LOGIN"],
    }


def test_parameters_become_strings_and_version_int_accepted():
    cluster = ClusterSpec.from_manifest(manifest(postgresql={"version": 16, "parameters": {
        "max_connections": 100, "ssl": True, "shared_buffers": "32MB", "random_page_cost": 1.1}}))
    assert cluster.spec["postgresql"] == {"version": "16", "parameters": {
        "max_connections": "100", "ssl": "true", "shared_buffers": "32MB", "random_page_cost": "1.1"}}


def test_patroni_keeps_only_given_keys():
    cluster = ClusterSpec.from_manifest(manifest(patroni={
        "initdb": {"encoding": "UTF8", "data-checksums": True}, "pg_hba": ["local all all trust"], "ttl": 30,
        "synchronous_mode": True, "slots": {"s1": {"type": "physical"}, "s2": None}, "failsafe_mode": None}))
    assert cluster.spec["patroni"] == {
        "initdb": {"encoding": "UTF8", "data-checksums": "true"}, "pg_hba": ["local all all trust"], "ttl": 30,
        "synchronous_mode": True, "slots": {"s1": {"type": "physical"}, "s2": {}}}


def test_unknown_fields_are_warnings():
    cluster = ClusterSpec.from_manifest(manifest(enableMasterLoadbalancer=True, patroni={"tll": 30}))
    assert any("spec.enableMasterLoadbalancer" in warning for warning in cluster.warnings)
    assert any("tll" in warning for warning in cluster.warnings)
    assert "enableMasterLoadbalancer" not in cluster.spec


def test_invalid_database_and_schema_names_are_skipped_with_warning():
    cluster = ClusterSpec.from_manifest(manifest(
        users={"app": []},
        databases={"good_db": "app", "bad-db": "app", "1db": "app"},
        preparedDatabases={"prep": {"schemas": {"ok": {}, "not-ok": {}}}, "prep-bad": {}}))
    assert cluster.spec["databases"] == {"good_db": "app"}
    assert list(cluster.spec["preparedDatabases"]) == ["prep"]
    assert list(cluster.spec["preparedDatabases"]["prep"]["schemas"]) == ["ok"]
    text = "\n".join(cluster.warnings)
    for name in ("bad-db", "1db", "not-ok", "prep-bad"):
        assert repr(name) in text
    assert "spec.databases" in text and "spec.preparedDatabases" in text


def test_prepared_databases_shape_and_effective_defaults():
    cluster = ClusterSpec.from_manifest(manifest(name="acid-my-app", preparedDatabases={}))
    assert cluster.spec["preparedDatabases"] == {}
    assert cluster.prepared_databases() == {"acid_my_app": {
        "defaultUsers": False, "extensions": {}, "schemas": {"data": {"defaultUsers": False, "defaultRoles": True}},
        "secretNamespace": None}}
    cluster = ClusterSpec.from_manifest(manifest(preparedDatabases={"bar": {
        "defaultUsers": True, "extensions": {"pgcrypto": "data"}, "schemas": {"hist": {"defaultRoles": False}}}}))
    assert cluster.spec["preparedDatabases"] == {"bar": {
        "defaultUsers": True, "extensions": {"pgcrypto": "data"},
        "schemas": {"hist": {"defaultUsers": False, "defaultRoles": False}}, "secretNamespace": None}}
    assert cluster.prepared_databases() == cluster.spec["preparedDatabases"]
    assert ClusterSpec.from_manifest(manifest()).prepared_databases() == {}


def test_sections_are_normalised():
    cluster = ClusterSpec.from_manifest(manifest(
        tls={"secretName": "tls-secret"},
        connectionPooler={"mode": "session"},
        standby={"standby_host": "source", "standby_port": 5433},
        clone={"cluster": "source", "s3_force_path_style": "true"},
        sidecars=[{"image": "exporter:1"}, {"name": "named", "image": "x:1"}],
        resources={"requests": {"cpu": "100m", "memory": ""}, "limits": {"cpu": "1", "hugepages-2Mi": "128Mi"}},
    ))
    spec = cluster.spec
    assert spec["tls"] == {"secretName": "tls-secret", "certificateFile": "tls.crt", "privateKeyFile": "tls.key",
                           "caFile": None, "caSecretName": None}
    assert spec["connectionPooler"]["mode"] == "session"
    assert spec["connectionPooler"]["numberOfInstances"] is None
    assert spec["connectionPooler"]["resources"]["limits"]["cpu"] is None
    assert spec["standby"] == {"s3_wal_path": None, "gs_wal_path": None, "standby_host": "source", "standby_port": "5433",
                               "standby_primary_slot_name": None}
    assert spec["clone"]["s3_force_path_style"] is True and spec["clone"]["timestamp"] is None
    assert [s["name"] for s in spec["sidecars"]] == ["sidecar-0", "named"]
    assert spec["sidecars"][0]["resources"]["requests"] == {"cpu": None, "memory": None, "hugepages-2Mi": None, "hugepages-1Gi": None}
    assert spec["resources"]["requests"] == {"cpu": "100m", "memory": None, "hugepages-2Mi": None, "hugepages-1Gi": None}
    assert spec["resources"]["limits"]["hugepages-2Mi"] == "128Mi"


def test_null_values_count_as_absent():
    cluster = ClusterSpec.from_manifest(manifest(users=None, enableShmVolume=None, sidecars=None, allowedSourceRanges=None,
                                                 preparedDatabases=None, patroni=None))
    assert cluster.spec["users"] == {} and cluster.spec["sidecars"] == []
    assert cluster.spec["enableShmVolume"] is None and cluster.spec["allowedSourceRanges"] is None
    assert cluster.spec["preparedDatabases"] is None and cluster.spec["patroni"] == {}


def test_request_above_limit_is_accepted_with_warning():
    # upstream raises the limit to the request instead of refusing the manifest
    cluster = ClusterSpec.from_manifest(manifest(resources={"requests": {"cpu": "2", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}))
    assert cluster.spec["resources"]["limits"] == {"cpu": "1", "memory": "1Gi", "hugepages-2Mi": None, "hugepages-1Gi": None}
    assert any("spec.resources.requests.cpu" in w and "raised" in w for w in cluster.warnings)
    assert any("spec.resources.requests.memory" in w for w in cluster.warnings)


def test_toleration_with_empty_operator_and_effect_is_accepted():
    cluster = ClusterSpec.from_manifest(manifest(tolerations=[{"key": "a", "operator": "", "effect": ""}, {"operator": "Exists"}]))
    assert len(cluster.spec["tolerations"]) == 2


def test_empty_team_is_a_warning():
    cluster = ClusterSpec.from_manifest(manifest(teamId=""))
    assert cluster.spec["teamId"] == ""
    assert any(w.startswith("spec.teamId:") for w in cluster.warnings)


def test_empty_allowed_source_ranges_stays_empty_list():
    assert ClusterSpec.from_manifest(manifest(allowedSourceRanges=[])).spec["allowedSourceRanges"] == []


@pytest.mark.parametrize("extra, standby", [
    ({}, False),
    ({"standby": {"s3_wal_path": "s3://bucket/spilo/source/wal/17"}}, True),
    ({"standby": {"standby_host": "source.default"}}, True),
    ({"env": [{"name": "STANDBY_WALE_S3_PREFIX", "value": "s3://bucket/x"}]}, True),
    ({"env": [{"name": "STANDBY_WALE_GSC_PREFIX", "value": "gs://bucket/x"}]}, True),
    ({"env": [{"name": "STANDBY_WALE_S3_PREFIX", "value": ""}]}, False),
    ({"env": [{"name": "STANDBY_WALE_AZ_PREFIX", "value": "x"}]}, False),
    ({"env": [{"name": "WALE_S3_PREFIX", "value": "s3://bucket/x"}]}, False),
])
def test_is_standby(extra, standby):
    assert ClusterSpec.from_manifest(manifest(**extra)).is_standby() is standby


def test_maintenance_windows_helper():
    cluster = ClusterSpec.from_manifest(manifest(maintenanceWindows=["01:00-06:00", "Sat:00:00-04:00"]))
    assert cluster.spec["maintenanceWindows"] == ["01:00-06:00", "Sat:00:00-04:00"]
    windows = cluster.maintenance_windows()
    assert all(isinstance(w, MaintenanceWindow) for w in windows)
    assert [w.weekday for w in windows] == [None, 5]


@pytest.mark.parametrize("name, team, enabled, ok", [
    ("acid-test", "acid", True, True),
    ("ACID-test", "acid", False, True),
    ("acid-test", "ACID", True, True),
    ("other-test", "acid", True, False),
    ("other-test", "acid", False, True),
    ("acid-", "acid", True, False),
    ("acidtest", "acid", True, False),
    ("acid-" + "x" * 53, "acid", True, True),
    ("acid-" + "x" * 54, "acid", True, False),
])
def test_team_prefix_rule(name, team, enabled, ok):
    body = manifest(teamId=team)
    body["metadata"]["name"] = name
    if ok:
        validate_cluster_name(body, enabled)
        return
    with pytest.raises(ValidationError) as info:
        validate_cluster_name(body, enabled)
    assert info.value.path == "metadata.name"
    assert str(info.value).startswith("metadata.name: ")


def test_team_prefix_rule_on_cluster_object():
    cluster = ClusterSpec.from_manifest(manifest(name="acid-test"))
    validate_cluster_name(cluster, True)
    other = ClusterSpec.from_manifest(manifest(name="team-b-test"))
    with pytest.raises(ValidationError) as info:
        validate_cluster_name(other, True)
    assert "acid-" in str(info.value) and "enable_team_id_clustername_prefix" in str(info.value)


def test_minimal_example():
    cluster = ClusterSpec.from_manifest(load_example("minimal-postgres-manifest.yaml"))
    assert cluster.name == "acid-minimal-cluster" and cluster.namespace == "default"
    assert "namespace" not in cluster.manifest["metadata"]
    spec = cluster.spec
    assert spec["teamId"] == "acid" and spec["numberOfInstances"] == 2 and spec["volume"]["size"] == "1Gi"
    assert spec["users"] == {"zalando": ["CREATEDB", "LOGIN", "SUPERUSER"], "foo_user": ["LOGIN"]}
    assert spec["databases"] == {"foo": "zalando"}
    assert list(spec["preparedDatabases"]) == ["bar"]
    assert spec["postgresql"]["version"] == "17"
    assert cluster.warnings == []


def test_complete_example():
    cluster = ClusterSpec.from_manifest(load_example("complete-postgres-manifest.yaml"))
    spec = cluster.spec
    assert cluster.warnings == []
    assert spec["allowedSourceRanges"] == ["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"]
    assert spec["postgresql"]["parameters"]["shared_buffers"] == "32MB"
    assert spec["postgresql"]["parameters"]["max_connections"] == "100"
    assert spec["enableShmVolume"] is True and spec["enableMasterLoadBalancer"] is False
    assert spec["patroni"]["synchronous_mode"] is False and "permanent_logical_1" in spec["patroni"]["slots"]
    assert spec["patroni"]["initdb"]["data-checksums"] == "true"
    assert len(spec["patroni"]["pg_hba"]) > 3
    assert spec["tls"]["secretName"] and spec["tls"]["caFile"] == "ca.crt"
    assert spec["initContainers"][0]["name"] == "date" and spec["sidecars"][0]["name"] == "exporter"
    assert spec["maintenanceWindows"] and spec["logicalBackupSchedule"] == "30 00 * * *"
    assert spec["usersWithSecretRotation"] == ["foo_user"]
    assert spec["users"]["app_reader"] == []
    assert spec["preparedDatabases"]["bar"]["extensions"] == {"pg_partman": "public", "pgcrypto": "data"}
    assert spec["resources"]["limits"]["memory"] == "1Gi"
    assert spec["connectionPooler"]["numberOfInstances"] == 2
    assert spec["nodeAffinity"] and spec["tolerations"] and spec["additionalVolumes"] and spec["env"]
    assert spec["podAnnotations"] and spec["serviceAnnotations"] and spec["topologySpreadConstraints"]
    assert (spec["spiloRunAsUser"], spec["spiloRunAsGroup"], spec["spiloFSGroup"]) == (101, 103, 103)
    assert not cluster.is_standby()


def test_standby_example():
    cluster = ClusterSpec.from_manifest(load_example("standby-manifest.yaml"))
    assert cluster.is_standby()
    assert cluster.spec["standby"]["standby_host"] and cluster.spec["standby"]["standby_port"] == "5432"


def test_clone_example():
    cluster = ClusterSpec.from_manifest(load_example("clone-manifest.yaml"))
    clone = cluster.spec["clone"]
    assert clone["cluster"] == "acid-minimal-cluster"
    assert clone["uid"] and clone["timestamp"].endswith("+00:00")
    assert not cluster.is_standby()


@pytest.mark.parametrize("example", sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".yaml")))
def test_every_example_parses_without_namespace(example):
    body = load_example(example)
    assert "namespace" not in body["metadata"]
    ClusterSpec.from_manifest(body)
