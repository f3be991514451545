# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The StatefulSet builder (reference §4.2; upstream TestGenerateStatefulSet*, TestTopologySpreadConstraints, TestPodAnnotations)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.statefulset import build_statefulset
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError, ValidationError
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


OBJECT_LABELS = {"application": "spilo", "cluster-name": "acid-test", "team": "acid"}
SELECTOR = {"application": "spilo", "cluster-name": "acid-test"}


def test_minimal_cluster():
    sts, warnings = build_statefulset(make_cluster(), make_cfg())
    assert warnings == []
    assert sts["apiVersion"] == "apps/v1" and sts["kind"] == "StatefulSet"
    assert sts["metadata"] == {"name": "acid-test", "namespace": "default", "labels": OBJECT_LABELS}
    spec = sts["spec"]
    assert spec["replicas"] == 2
    assert spec["selector"] == {"matchLabels": SELECTOR}
    assert spec["serviceName"] == "acid-test"
    assert spec["updateStrategy"] == {"type": "OnDelete"}
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert [t["metadata"]["name"] for t in spec["volumeClaimTemplates"]] == ["pgdata"]
    template = spec["template"]
    assert template["metadata"] == {"namespace": "default", "labels": OBJECT_LABELS}
    pod = template["spec"]
    assert pod["serviceAccountName"] == "postgres-pod"
    assert pod["terminationGracePeriodSeconds"] == 300
    assert pod["securityContext"] == {}
    assert [c["name"] for c in pod["containers"]] == ["postgres"]
    assert pod["volumes"] == [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
    for absent in ("initContainers", "tolerations", "affinity", "priorityClassName", "schedulerName", "topologySpreadConstraints"):
        assert absent not in pod
    postgres = pod["containers"][0]
    assert postgres["volumeMounts"] == [{"name": "pgdata", "mountPath": "/home/postgres/pgdata"}, {"name": "dshm", "mountPath": "/dev/shm"}]
    env = dict((e["name"], e.get("value")) for e in postgres["env"])
    assert json.loads(env["SPILO_CONFIGURATION"])["bootstrap"]["initdb"] == [{"auth-host": "scram-sha-256"}, {"auth-local": "trust"}]
    assert "ownerReferences" not in sts["metadata"]


def test_annotations():
    annotations = {"owner": "team-a", "downscaler/downtime": "Mon-Fri", "unrelated": "x", "pod-note": "from-cr"}
    cfg = make_cfg(inherited_annotations=["owner", "pod-note"], downscaler_annotations=["downscaler/.*"],
                   custom_pod_annotations={"pod-note": "from-config", "config-only": "1", "spec-wins": "config"},
                   kube_iam_role="db-role")
    cluster = make_cluster(annotations=annotations, podAnnotations={"spec-wins": "spec", "pod-note": "from-spec"})
    sts, dummy_warnings = build_statefulset(cluster, cfg)
    assert sts["metadata"]["annotations"] == {"owner": "team-a", "pod-note": "from-cr", "downscaler/downtime": "Mon-Fri"}
    assert sts["spec"]["template"]["metadata"]["annotations"] == {
        "pod-note": "from-cr", "config-only": "1", "spec-wins": "spec", "owner": "team-a", "iam.amazonaws.com/role": "db-role"}
    assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["annotations"] == {"owner": "team-a", "pod-note": "from-cr"}


def test_inherited_labels():
    sts, dummy_warnings = build_statefulset(make_cluster(labels={"env": "prod", "other": "x"}), make_cfg(inherited_labels=["env"]))
    expected = dict(OBJECT_LABELS, env="prod")
    assert sts["metadata"]["labels"] == expected
    assert sts["spec"]["template"]["metadata"]["labels"] == expected
    assert sts["spec"]["selector"] == {"matchLabels": SELECTOR}


def test_pod_spec_options():
    topology = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
                 "labelSelector": {"matchLabels": {"cluster-name": "acid-test"}}}]
    cluster = make_cluster(spiloRunAsUser=101, spiloFSGroup=103, schedulerName="custom-scheduler", podPriorityClassName="high",
                           topologySpreadConstraints=topology, initContainers=[{"name": "init", "image": "busybox"}],
                           tolerations=[{"key": "db", "operator": "Exists", "effect": "NoSchedule"}])
    cfg = make_cfg(spilo_runasuser=1000, spilo_runasgroup=103, pod_priority_class_name="low", pod_management_policy="parallel",
                   pod_terminate_grace_period=60, pod_service_account_name="custom-sa", enable_pod_antiaffinity=True,
                   max_instances=1, persistent_volume_claim_retention_policy={"when_deleted": "delete", "when_scaled": "delete"})
    sts, warnings = build_statefulset(cluster, cfg)
    pod = sts["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"runAsUser": 101, "runAsGroup": 103, "fsGroup": 103}
    assert pod["schedulerName"] == "custom-scheduler"
    assert pod["priorityClassName"] == "high"
    assert pod["topologySpreadConstraints"] == topology
    assert pod["initContainers"] == [{"name": "init", "image": "busybox"}]
    assert pod["tolerations"] == [{"key": "db", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["terminationGracePeriodSeconds"] == 60
    assert pod["serviceAccountName"] == "custom-sa"
    assert pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"] == {"matchLabels": OBJECT_LABELS}
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    assert sts["spec"]["replicas"] == 1
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Delete", "whenScaled": "Delete"}
    assert [w.reason for w in warnings] == ["Instances"]


def test_priority_class_from_configuration():
    sts, dummy_warnings = build_statefulset(make_cluster(), make_cfg(pod_priority_class_name="low"))
    assert sts["spec"]["template"]["spec"]["priorityClassName"] == "low"


def test_sidecars_share_mounts_and_pgsocket():
    cluster = make_cluster(sidecars=[{"name": "exporter", "image": "exporter:1"}],
                           volume={"size": "1Gi", "subPath": "$(POD_NAME)", "isSubPathExpr": True})
    sts, dummy_warnings = build_statefulset(cluster, make_cfg(share_pgsocket_with_sidecars=True))
    postgres, exporter = sts["spec"]["template"]["spec"]["containers"]
    pgdata = {"name": "pgdata", "mountPath": "/home/postgres/pgdata", "subPathExpr": "$(POD_NAME)"}
    assert postgres["volumeMounts"][0] == pgdata and exporter["volumeMounts"][0] == pgdata
    assert {"name": "postgresql-run", "mountPath": "/var/run/postgresql"} in exporter["volumeMounts"]
    assert [v["name"] for v in sts["spec"]["template"]["spec"]["volumes"]] == ["dshm", "postgresql-run"]


def test_resource_limits_warning_is_reported():
    sts, warnings = build_statefulset(make_cluster(), make_cfg(min_cpu_limit="250m"))
    assert sts["spec"]["template"]["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "250m"}}
    assert [w.reason for w in warnings] == ["ResourceLimits"]


def test_pod_environment_sources_are_passed_to_env():
    sts, dummy_warnings = build_statefulset(make_cluster(), make_cfg(pod_environment_secret="env-secret"),
                                            pod_env_configmap_data={"FROM_CM": "1"}, pod_env_secret_keys=["FROM_SECRET"])
    names = [e["name"] for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]]
    assert names[-2:] == ["FROM_SECRET", "FROM_CM"]


def test_errors_carry_the_field_path():
    with pytest.raises(ValidationError) as err:
        build_statefulset(make_cluster(initContainers=[{"name": "i", "image": "x"}]), make_cfg(enable_init_containers=False))
    assert err.value.path == "spec.initContainers"
    with pytest.raises(ConfigurationError) as err:
        build_statefulset(make_cluster(), make_cfg(downscaler_annotations=["("]))
    assert err.value.path == "downscaler_annotations"


def test_builder_does_not_mutate_its_input():
    cluster = make_cluster(sidecars=[{"name": "s", "image": "i", "env": [{"name": "A", "value": "1"}]}],
                           additionalVolumes=[{"name": "v", "mountPath": "/v", "volumeSource": {"emptyDir": {}}}],
                           tolerations=[{"key": "k", "operator": "Exists"}])
    before = copy.deepcopy(cluster.spec)
    first, dummy_warnings = build_statefulset(cluster, make_cfg())
    second, dummy_warnings = build_statefulset(cluster, make_cfg())
    assert cluster.spec == before
    assert first == second
