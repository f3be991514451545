# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod volumes and the pgdata claim template (reference §4.2).

Upstream counterparts: TestShmVolume, TestSharePgSocketWithSidecars, TestSecretVolume, TestAdditionalVolume, TestVolumeSelector.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.volumes import (
    add_pod_volumes,
    pgdata_volume_mount,
    pvc_retention_policy,
    shm_volume_needed,
    volume_claim_template,
)
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


PGDATA = {"name": "pgdata", "mountPath": "/home/postgres/pgdata"}


def pod(*names):
    return {"containers": [{"name": name, "volumeMounts": [dict(PGDATA)]} for name in names]}


def mounts(pod_spec, name):
    for container in pod_spec["containers"]:
        if container["name"] == name:
            return [(m["name"], m["mountPath"]) for m in container["volumeMounts"]]
    raise KeyError(name)


def volume_names(pod_spec):
    return [v["name"] for v in pod_spec.get("volumes", [])]


@pytest.mark.parametrize("cfg_value, manifest_value, expected", [
    (True, None, True), (False, None, False), (False, True, True), (True, True, True),
    # upstream honours only a manifest "true"; "false" falls back to the configuration
    (True, False, True), (False, False, False),
])
def test_shm_volume_needed(cfg_value, manifest_value, expected):
    spec = {} if manifest_value is None else {"enableShmVolume": manifest_value}
    assert shm_volume_needed(make_cluster(**spec), make_cfg(enable_shm_volume=cfg_value)) is expected


def test_shm_volume_only_in_postgres_container():
    pod_spec = pod("postgres", "sidecar")
    add_pod_volumes(pod_spec, make_cluster(), make_cfg(), [])
    assert pod_spec["volumes"] == [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
    assert mounts(pod_spec, "postgres")[-1] == ("dshm", "/dev/shm")
    assert ("dshm", "/dev/shm") not in mounts(pod_spec, "sidecar")


def test_share_pgsocket_with_sidecars():
    pod_spec = pod("postgres", "sidecar")
    add_pod_volumes(pod_spec, make_cluster(), make_cfg(enable_shm_volume=False, share_pgsocket_with_sidecars=True), [])
    assert pod_spec["volumes"] == [{"name": "postgresql-run", "emptyDir": {"medium": "Memory"}}]
    for name in ("postgres", "sidecar"):
        assert mounts(pod_spec, name)[-1] == ("postgresql-run", "/var/run/postgresql")


def test_additional_secret_mount_in_all_containers():
    pod_spec = pod("postgres", "sidecar")
    add_pod_volumes(pod_spec, make_cluster(), make_cfg(enable_shm_volume=False, additional_secret_mount="aws-iam",
                                                       additional_secret_mount_path="/meta/credentials"), [])
    assert pod_spec["volumes"] == [{"name": "aws-iam", "secret": {"secretName": "aws-iam"}}]
    for name in ("postgres", "sidecar"):
        assert mounts(pod_spec, name)[-1] == ("aws-iam", "/meta/credentials")


def test_volume_order():
    pod_spec = pod("postgres")
    cfg = make_cfg(share_pgsocket_with_sidecars=True, additional_secret_mount="extra")
    cluster = make_cluster(additionalVolumes=[{"name": "v", "mountPath": "/v", "volumeSource": {"emptyDir": {}}}], tls={"secretName": "tls"})
    add_pod_volumes(pod_spec, cluster, cfg, [])
    assert volume_names(pod_spec) == ["dshm", "postgresql-run", "extra", "v", "tls"]
    assert [m[0] for m in mounts(pod_spec, "postgres")] == ["pgdata", "dshm", "postgresql-run", "extra", "v", "tls"]


def test_additional_volumes_targeting():
    volumes = [
        {"name": "only-postgres", "mountPath": "/a", "volumeSource": {"emptyDir": {}}},
        {"name": "everywhere", "mountPath": "/b", "targetContainers": ["all"], "volumeSource": {"persistentVolumeClaim": {"claimName": "c"}}},
        {"name": "named", "mountPath": "/c", "targetContainers": ["sidecar"], "subPath": "$(POD_NAME)", "isSubPathExpr": True,
         "volumeSource": {"configMap": {"name": "cm"}}},
        {"name": "duplicate", "mountPath": "/a", "volumeSource": {"emptyDir": {}}},
        {"name": "data", "mountPath": "/home/postgres/pgdata", "volumeSource": {"emptyDir": {}}},
        {"name": "sub", "mountPath": "/d", "targetContainers": ["postgres", "init"], "subPath": "x", "volumeSource": {"emptyDir": {}}},
    ]
    pod_spec = pod("postgres", "sidecar", "other")
    warnings = []
    add_pod_volumes(pod_spec, make_cluster(additionalVolumes=volumes), make_cfg(enable_shm_volume=False), warnings)
    assert pod_spec["volumes"] == [
        {"name": "only-postgres", "emptyDir": {}},
        {"name": "everywhere", "persistentVolumeClaim": {"claimName": "c"}},
        {"name": "named", "configMap": {"name": "cm"}},
        {"name": "sub", "emptyDir": {}},
    ]
    assert mounts(pod_spec, "postgres") == [("pgdata", "/home/postgres/pgdata"), ("only-postgres", "/a"), ("everywhere", "/b"), ("sub", "/d")]
    assert mounts(pod_spec, "sidecar") == [("pgdata", "/home/postgres/pgdata"), ("everywhere", "/b"), ("named", "/c")]
    assert mounts(pod_spec, "other") == [("pgdata", "/home/postgres/pgdata"), ("everywhere", "/b")]
    sidecar_named = pod_spec["containers"][1]["volumeMounts"][-1]
    assert sidecar_named == {"name": "named", "mountPath": "/c", "subPathExpr": "$(POD_NAME)"}
    assert pod_spec["containers"][0]["volumeMounts"][-1] == {"name": "sub", "mountPath": "/d", "subPath": "x"}
    assert len(warnings) == 2 and all(w.reason == "Volumes" for w in warnings)


def test_mixing_all_with_names_warns_but_mounts():
    warnings = []
    pod_spec = pod("postgres", "sidecar")
    volumes = [{"name": "mixed", "mountPath": "/m", "targetContainers": ["all", "sidecar"], "volumeSource": {"emptyDir": {}}}]
    add_pod_volumes(pod_spec, make_cluster(additionalVolumes=volumes), make_cfg(enable_shm_volume=False), warnings)
    assert ("mixed", "/m") in mounts(pod_spec, "postgres") and ("mixed", "/m") in mounts(pod_spec, "sidecar")
    assert len(warnings) == 1


def test_tls_volumes():
    pod_spec = pod("postgres", "sidecar")
    tls = {"secretName": "tls-secret", "caFile": "ca.crt", "caSecretName": "ca-secret"}
    add_pod_volumes(pod_spec, make_cluster(tls=tls), make_cfg(enable_shm_volume=False), [])
    assert pod_spec["volumes"] == [
        {"name": "tls-secret", "secret": {"secretName": "tls-secret", "defaultMode": 0o640}},
        {"name": "ca-secret", "secret": {"secretName": "ca-secret", "defaultMode": 0o640}},
    ]
    assert mounts(pod_spec, "postgres")[1:] == [("tls-secret", "/tls"), ("ca-secret", "/tlsca")]
    assert mounts(pod_spec, "sidecar") == [("pgdata", "/home/postgres/pgdata")]


def test_pgdata_mount_sub_path():
    assert pgdata_volume_mount(make_cluster()) == PGDATA
    cluster = make_cluster(volume={"size": "1Gi", "subPath": "$(POD_NAME)", "isSubPathExpr": True})
    assert pgdata_volume_mount(cluster) == dict(PGDATA, subPathExpr="$(POD_NAME)")
    assert pgdata_volume_mount(make_cluster(volume={"size": "1Gi", "subPath": "data"})) == dict(PGDATA, subPath="data")


def test_volume_claim_template():
    selector = {"matchLabels": {"environment": "dev"}, "matchExpressions": [{"key": "flavour", "operator": "In", "values": ["banana"]}]}
    cluster = make_cluster(volume={"size": "5Gi", "storageClass": "fast", "selector": selector}, annotations={"owner": "team-a", "other": "x"})
    template = volume_claim_template(cluster, make_cfg(inherited_annotations=["owner"]))
    assert template == {
        "metadata": {"name": "pgdata", "labels": {"application": "spilo", "cluster-name": "acid-test", "team": "acid"},
                     "annotations": {"owner": "team-a"}},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}, "volumeMode": "Filesystem",
                 "storageClassName": "fast", "selector": selector},
    }


def test_volume_claim_template_without_selector_or_class():
    spec = volume_claim_template(make_cluster(), make_cfg())["spec"]
    assert "selector" not in spec and "storageClassName" not in spec


def test_pvc_retention_policy():
    assert pvc_retention_policy(make_cfg()) == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    cfg = make_cfg(persistent_volume_claim_retention_policy={"when_deleted": "delete", "when_scaled": "retain"})
    assert pvc_retention_policy(cfg) == {"whenDeleted": "Delete", "whenScaled": "Retain"}
