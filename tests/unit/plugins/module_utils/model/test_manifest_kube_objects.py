# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes objects embedded in a manifest (the fields the CRD keeps schemaless): a malformed
item is a ValidationError naming its path, never a KeyError/TypeError in a builder."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.cluster import build_cluster
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_manifest

CONTAINER = {"name": "c", "image": "busybox"}

BAD = [
    # the issue's four sidecar env items
    ({"sidecars": [dict(CONTAINER, env=[{"value": "x"}])]}, "spec.sidecars[0].env[0].name"),
    ({"sidecars": [dict(CONTAINER, env=[["a"]])]}, "spec.sidecars[0].env[0]"),
    ({"sidecars": [dict(CONTAINER, env=["str"])]}, "spec.sidecars[0].env[0]"),
    ({"sidecars": [dict(CONTAINER, env=[{"name": 5}])]}, "spec.sidecars[0].env[0].name"),
    ({"sidecars": [dict(CONTAINER, env=[{"name": "A", "value": 1}])]}, "spec.sidecars[0].env[0].value"),
    ({"sidecars": [dict(CONTAINER, env=[{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}}}])]},
     "spec.sidecars[0].env[0].valueFrom.secretKeyRef.key"),
    ({"sidecars": [dict(CONTAINER, ports=[{"containerPort": "80"}])]}, "spec.sidecars[0].ports[0].containerPort"),
    ({"sidecars": [dict(CONTAINER, ports=["80"])]}, "spec.sidecars[0].ports[0]"),
    ({"sidecars": [dict(CONTAINER, command="sleep 1")]}, "spec.sidecars[0].command"),
    ({"initContainers": [dict(CONTAINER, volumeMounts=[{"name": "v"}])]}, "spec.initContainers[0].volumeMounts[0].mountPath"),
    ({"initContainers": [dict(CONTAINER, livenessProbe={"httpGet": {"port": [1]}})]}, "spec.initContainers[0].livenessProbe.httpGet.port"),
    ({"sidecars": ["busybox"]}, "spec.sidecars[0]"),
    ({"initContainers": [dict(CONTAINER, env=[{"value": "x"}])]}, "spec.initContainers[0].env[0].name"),
    ({"initContainers": [dict(CONTAINER, args=[1])]}, "spec.initContainers[0].args[0]"),
    ({"initContainers": [dict(CONTAINER, envFrom=[{"secretRef": "s"}])]}, "spec.initContainers[0].envFrom[0].secretRef"),
    ({"env": [{"value": "x"}]}, "spec.env[0].name"),
    ({"env": [["a"]]}, "spec.env[0]"),
    ({"env": [{"name": "A", "valueFrom": {"fieldRef": {}}}]}, "spec.env[0].valueFrom.fieldRef.fieldPath"),
    ({"env": [{"name": "A", "valueFrom": "x"}]}, "spec.env[0].valueFrom"),
    ({"envFrom": [{"configMapRef": {"name": 3}}]}, "spec.envFrom[0].configMapRef.name"),
    ({"envFrom": ["x"]}, "spec.envFrom[0]"),
    ({"tolerations": [["a"]]}, "spec.tolerations[0]"),
    ({"tolerations": [{"key": 1}]}, "spec.tolerations[0].key"),
    ({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": "x"}}},
     "spec.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"),
    ({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "k"}]}]}}},
     "spec.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator"),
    ({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": "1", "preference": {}}]}},
     "spec.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight"),
    ({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": []}]}},
     "spec.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference"),
    ({"topologySpreadConstraints": [{"maxSkew": "1", "topologyKey": "k", "whenUnsatisfiable": "DoNotSchedule"}]},
     "spec.topologySpreadConstraints[0].maxSkew"),
    ({"topologySpreadConstraints": [{"maxSkew": 1, "whenUnsatisfiable": "DoNotSchedule"}]}, "spec.topologySpreadConstraints[0].topologyKey"),
    ({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "k", "whenUnsatisfiable": "DoNotSchedule",
                                     "labelSelector": {"matchLabels": {"a": 1}}}]},
     "spec.topologySpreadConstraints[0].labelSelector.matchLabels.a"),
    ({"livenessProbe": {"exec": {"command": "true"}}}, "spec.livenessProbe.exec.command"),
    ({"livenessProbe": {"periodSeconds": "10"}}, "spec.livenessProbe.periodSeconds"),
    ({"additionalVolumes": [{"name": "v", "mountPath": "/v", "volumeSource": {"emptyDir": []}}]},
     "spec.additionalVolumes[0].volumeSource.emptyDir"),
    ({"additionalVolumes": [{"name": "v", "mountPath": "/v", "volumeSource": {}}]}, "spec.additionalVolumes[0].volumeSource"),
    ({"additionalVolumes": [{"name": "v", "mountPath": "/v", "volumeSource": {"secret": {"secretName": "s", "items": [{"key": "k"}]}}}]},
     "spec.additionalVolumes[0].volumeSource.secret.items[0].path"),
]


@pytest.mark.parametrize("spec,path", BAD, ids=[p for _s, p in BAD])
def test_bad_embedded_object_names_its_path(spec, path):
    with pytest.raises(ValidationError) as err:
        cluster = ClusterSpec.from_manifest(make_manifest(**spec))
        # before the fix the manifest was accepted and a builder raised KeyError/TypeError/AttributeError
        build_cluster(cluster, make_cfg())
    paths = [e.path for e in getattr(err.value, "errors", [err.value])]
    assert path in paths, str(err.value)


GOOD = {
    "sidecars": [dict(CONTAINER, env=[{"name": "A", "value": "1"}, {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                      ports=[{"containerPort": 80, "name": "http", "protocol": "TCP"}], command=["sleep", "1"])],
    "initContainers": [dict(CONTAINER, args=["a"], envFrom=[{"secretRef": {"name": "s"}, "prefix": "P_"}],
                            securityContext={"runAsUser": 1000}, restartPolicy="Always",
                            livenessProbe={"httpGet": {"port": "http", "path": "/"}, "periodSeconds": 10},
                            volumeMounts=[{"name": "v", "mountPath": "/v", "readOnly": True}])],
    "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
    "envFrom": [{"configMapRef": {"name": "c", "optional": True}}],
    "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
    "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "k", "operator": "In", "values": ["a"]}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {"matchFields": [
            {"key": "metadata.name", "operator": "NotIn", "values": ["n"]}]}}]},
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
                                   "labelSelector": {"matchLabels": {"application": "spilo"}}}],
    "livenessProbe": {"tcpSocket": {"port": 5432}, "initialDelaySeconds": 5},
    "additionalVolumes": [{"name": "v", "mountPath": "/v", "volumeSource": {"emptyDir": {"medium": "Memory"}}},
                          {"name": "w", "mountPath": "/w", "volumeSource": {"secret": {"secretName": "s", "items": [{"key": "k", "path": "p"}]}}}],
}


def test_well_formed_embedded_objects_pass_through_unchanged():
    manifest = make_manifest(**GOOD)
    cluster = ClusterSpec.from_manifest(manifest)
    build_cluster(cluster, make_cfg())
    assert cluster.spec["initContainers"] == GOOD["initContainers"]
    assert cluster.spec["nodeAffinity"] == GOOD["nodeAffinity"]
    assert cluster.spec["sidecars"][0]["env"] == GOOD["sidecars"][0]["env"]
    assert not [w for w in cluster.warnings if "unknown" in w], cluster.warnings


def test_unknown_field_of_an_embedded_object_is_a_warning_and_kept():
    cluster = ClusterSpec.from_manifest(make_manifest(initContainers=[dict(CONTAINER, futureField={"a": 1})],
                                                      sidecars=[dict(CONTAINER, volumeMounts=[])]))
    assert cluster.spec["initContainers"][0]["futureField"] == {"a": 1}
    assert any("spec.initContainers[0].futureField" in w for w in cluster.warnings), cluster.warnings
    # upstream's sidecar type has six fields; the others are ignored, and the warning says so
    assert any("spec.sidecars[0].volumeMounts" in w and "ignored" in w for w in cluster.warnings), cluster.warnings
