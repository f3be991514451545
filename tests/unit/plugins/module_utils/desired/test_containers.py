# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Containers of the database pod (reference §2.9, §4.2; upstream TestSidecars, TestValidateContainers, TestGenerateCapabilities, TestEnvFrom)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.containers import (
    init_containers,
    postgres_container,
    sidecar_containers,
    validate_containers,
)
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


PGDATA = [{"name": "pgdata", "mountPath": "/home/postgres/pgdata"}]
SHIPPED = {"default_cpu_request": "100m", "default_memory_request": "100Mi", "default_cpu_limit": "1", "default_memory_limit": "500Mi"}
SIDECAR_ENV_NAMES = ["POD_NAME", "POD_NAMESPACE", "POSTGRES_USER", "POSTGRES_PASSWORD"]


def test_postgres_container_defaults():
    container = postgres_container(make_cluster(), make_cfg(), [{"name": "A", "value": "1"}], {}, PGDATA)
    assert container == {
        "name": "postgres",
        "image": "ghcr.io/zalando/spilo-18:4.1-p2",
        "imagePullPolicy": "IfNotPresent",
        "resources": {},
        "ports": [{"containerPort": 8008, "protocol": "TCP"}, {"containerPort": 5432, "protocol": "TCP"}, {"containerPort": 8080, "protocol": "TCP"}],
        "volumeMounts": PGDATA,
        "env": [{"name": "A", "value": "1"}],
        "securityContext": {"allowPrivilegeEscalation": True, "privileged": False, "readOnlyRootFilesystem": False},
    }


def test_postgres_container_options():
    probe = {"httpGet": {"path": "/liveness", "port": 8008}, "periodSeconds": 30}
    cfg = make_cfg(enable_readiness_probe=True, spilo_privileged=True, spilo_allow_privilege_escalation=False,
                   additional_pod_capabilities=["sys_nice", "SYS_PTRACE"])
    cluster = make_cluster(dockerImage="my/spilo:1", envFrom=[{"configMapRef": {"name": "extra"}}], livenessProbe=probe)
    container = postgres_container(cluster, cfg, [], {}, PGDATA)
    assert container["image"] == "my/spilo:1"
    assert container["envFrom"] == [{"configMapRef": {"name": "extra"}}]
    assert container["livenessProbe"] == probe
    assert container["readinessProbe"] == {"failureThreshold": 3, "httpGet": {"path": "/readiness", "port": 8008, "scheme": "HTTP"},
                                           "initialDelaySeconds": 6, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 5}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "privileged": True, "readOnlyRootFilesystem": False,
                                            "capabilities": {"add": ["SYS_NICE", "SYS_PTRACE"]}}


def test_liveness_probe_from_configuration():
    probe = {"tcpSocket": {"port": 5432}}
    cfg = make_cfg(liveness_probe=probe)
    assert postgres_container(make_cluster(), cfg, [], {}, PGDATA)["livenessProbe"] == probe
    manifest = {"tcpSocket": {"port": 8008}}
    assert postgres_container(make_cluster(livenessProbe=manifest), cfg, [], {}, PGDATA)["livenessProbe"] == manifest


@pytest.mark.parametrize("containers, path", [
    ([{"image": "x"}], "spec.initContainers[0].name"),
    ([{"name": "a", "image": "x"}, {"name": "b"}], "spec.initContainers[1].image"),
    ([{"name": "a", "image": ""}], "spec.initContainers[0].image"),
])
def test_validate_containers(containers, path):
    with pytest.raises(ValidationError) as err:
        validate_containers(containers, "spec.initContainers")
    assert err.value.path == path


def test_init_containers():
    items = [{"name": "init", "image": "busybox", "command": ["true"]}]
    assert init_containers(make_cluster(initContainers=items), make_cfg()) == items
    assert init_containers(make_cluster(), make_cfg(enable_init_containers=False)) == []
    with pytest.raises(ValidationError) as err:
        init_containers(make_cluster(initContainers=items), make_cfg(enable_init_containers=False))
    assert err.value.path == "spec.initContainers"


def test_sidecars_precedence_and_patching():
    cfg = make_cfg(sidecars=[{"name": "global", "image": "global:1", "volumeMounts": [{"name": "x", "mountPath": "/x"}]},
                             {"name": "shared", "image": "global-shared:1"}],
                   sidecar_docker_images={"zeta": "zeta:1", "alpha": "alpha:1", "global": "by-image:1"}, **SHIPPED)
    cluster = make_cluster(sidecars=[
        {"name": "shared", "image": "manifest-shared:1", "env": [{"name": "POD_NAME", "value": "mine"}, {"name": "OWN", "value": "1"}],
         "ports": [{"containerPort": 80}], "command": ["run"]},
        {"image": "unnamed:1", "resources": {"limits": {"cpu": "2"}}},
    ])
    warnings = []
    sidecars = sidecar_containers(cluster, cfg, PGDATA, warnings)
    assert [(c["name"], c["image"]) for c in sidecars] == [
        ("shared", "manifest-shared:1"), ("sidecar-1", "unnamed:1"), ("global", "global:1"), ("alpha", "alpha:1"), ("zeta", "zeta:1")]
    assert sorted(w.split("'")[1] for w in warnings if w.reason == "Sidecars") == ["global", "shared"]
    shared = sidecars[0]
    assert [e["name"] for e in shared["env"]] == SIDECAR_ENV_NAMES + ["OWN"]
    assert shared["env"][0] == {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}
    assert shared["env"][3] == {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {
        "name": "postgres.acid-test.credentials.postgresql.acid.zalan.do", "key": "password"}}}
    assert shared["ports"] == [{"containerPort": 80}] and shared["command"] == ["run"]
    assert shared["resources"] == {"limits": {"cpu": "1", "memory": "500Mi"}, "requests": {"cpu": "100m", "memory": "100Mi"}}
    assert sidecars[1]["resources"]["limits"]["cpu"] == "2"
    # configuration sidecars are full containers: no defaults added, own mounts kept first
    assert "resources" not in sidecars[2] and "imagePullPolicy" not in sidecars[2]
    assert sidecars[2]["volumeMounts"] == [{"name": "x", "mountPath": "/x"}] + PGDATA
    for sidecar in sidecars:
        assert sidecar["volumeMounts"][-1] == PGDATA[0]


def test_scalyr_sidecar():
    cfg = make_cfg(scalyr_api_key="key", scalyr_image="scalyr:1", scalyr_server_url="https://upload.eu.scalyr.com")
    sidecars = sidecar_containers(make_cluster(), cfg, PGDATA, [])
    assert [c["name"] for c in sidecars] == ["scalyr-sidecar"]
    assert [e["name"] for e in sidecars[0]["env"]] == SIDECAR_ENV_NAMES + ["SCALYR_API_KEY", "SCALYR_SERVER_HOST", "SCALYR_SERVER_URL"]
    assert sidecars[0]["resources"] == {"limits": {"cpu": "1", "memory": "500Mi"}, "requests": {"cpu": "100m", "memory": "50Mi"}}


def test_sidecars_disabled():
    with pytest.raises(ValidationError) as err:
        sidecar_containers(make_cluster(sidecars=[{"name": "s", "image": "i"}]), make_cfg(enable_sidecars=False), PGDATA, [])
    assert err.value.path == "spec.sidecars"


def test_invalid_global_sidecar():
    with pytest.raises(ValidationError) as err:
        sidecar_containers(make_cluster(), make_cfg(sidecars=[{"name": "no-image"}]), PGDATA, [])
    assert err.value.path == "sidecars[0].image"
