# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod volumes, volume mounts and the ``pgdata`` volume claim template (reference §2.4, §2.10, §2.12, §4.2).

Pod volumes are added in upstream's order: ``dshm`` (postgres container only),
``postgresql-run`` (every container), the additional secret (every container), then the
manifest ``additionalVolumes`` followed by the TLS secret volumes. The ``add_*``
functions extend a pod spec dict that the StatefulSet builder has just created.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.desired.labels import inherited_annotations, object_labels
from ansible_collections.pgkube.operator.plugins.module_utils.desired.resources import BuildWarning
from ansible_collections.pgkube.operator.plugins.module_utils.model.quantity import parse_quantity

DATA_VOLUME_NAME = "pgdata"
PGDATA_MOUNT_PATH = "/home/postgres/pgdata"
SHM_VOLUME_NAME = "dshm"
SHM_MOUNT_PATH = "/dev/shm"
RUN_VOLUME_NAME = "postgresql-run"
RUN_MOUNT_PATH = "/var/run/postgresql"
TLS_MOUNT_PATH = "/tls"
TLS_CA_MOUNT_PATH = "/tlsca"
TLS_DEFAULT_MODE = 0o640
POSTGRES_CONTAINER = "postgres"


def pgdata_volume_mount(cluster):
    """The ``pgdata`` mount at /home/postgres/pgdata, with ``subPath`` or ``subPathExpr``."""
    volume = cluster.spec.get("volume") or {}
    mount = {"name": DATA_VOLUME_NAME, "mountPath": PGDATA_MOUNT_PATH}
    sub_path = volume.get("subPath")
    if sub_path:
        mount["subPathExpr" if volume.get("isSubPathExpr") else "subPath"] = sub_path
    return mount


def shm_volume_needed(cluster, cfg):
    """Manifest ``enableShmVolume: true`` wins; otherwise the configuration decides.

    Upstream honours only a manifest ``true``; a manifest ``false`` falls back to
    ``enable_shm_volume`` (see docs/compatibility.md).
    """
    if cluster.spec.get("enableShmVolume") is True:
        return True
    return bool(cfg.enable_shm_volume)


def _container_index(pod_spec, name):
    for index, container in enumerate(pod_spec["containers"]):
        if container.get("name") == name:
            return index
    return 0


def _add_mount(container, mount):
    container.setdefault("volumeMounts", []).append(mount)


def add_shm_volume(pod_spec):
    """emptyDir (Memory) ``dshm`` at /dev/shm in the postgres container."""
    pod_spec.setdefault("volumes", []).append({"name": SHM_VOLUME_NAME, "emptyDir": {"medium": "Memory"}})
    _add_mount(pod_spec["containers"][_container_index(pod_spec, POSTGRES_CONTAINER)],
               {"name": SHM_VOLUME_NAME, "mountPath": SHM_MOUNT_PATH})


def add_run_volume(pod_spec):
    """emptyDir (Memory) ``postgresql-run`` at /var/run/postgresql in every container (socket sharing)."""
    pod_spec.setdefault("volumes", []).append({"name": RUN_VOLUME_NAME, "emptyDir": {"medium": "Memory"}})
    for container in pod_spec["containers"]:
        _add_mount(container, {"name": RUN_VOLUME_NAME, "mountPath": RUN_MOUNT_PATH})


def add_secret_volume(pod_spec, secret_name, mount_path):
    """The ``additional_secret_mount`` secret volume in every container."""
    pod_spec.setdefault("volumes", []).append({"name": secret_name, "secret": {"secretName": secret_name}})
    for container in pod_spec["containers"]:
        _add_mount(container, {"name": secret_name, "mountPath": mount_path})


def tls_additional_volumes(tls):
    """The TLS secret (at /tls) and the CA secret (at /tlsca) as additional volumes."""
    if not tls or not tls.get("secretName"):
        return []
    volumes = [{"name": tls["secretName"], "mountPath": TLS_MOUNT_PATH,
                "volumeSource": {"secret": {"secretName": tls["secretName"], "defaultMode": TLS_DEFAULT_MODE}}}]
    if tls.get("caFile") and tls.get("caSecretName"):
        volumes.append({"name": tls["caSecretName"], "mountPath": TLS_CA_MOUNT_PATH,
                        "volumeSource": {"secret": {"secretName": tls["caSecretName"], "defaultMode": TLS_DEFAULT_MODE}}})
    return volumes


def _describe(volume):
    return "%s (mountPath %s)" % (volume.get("name"), volume.get("mountPath"))


def select_additional_volumes(additional_volumes, warnings):
    """The volumes that get mounted, each with its effective ``targetContainers``.

    A volume on an already used mount path, or on the data directory, is skipped with a
    warning. No target means the postgres container; ``"all"`` mixed with names warns.
    """
    selected = []
    used_paths = {}
    for volume in additional_volumes:
        path = volume.get("mountPath")
        if path in used_paths:
            warnings.append(BuildWarning("volume %s cannot be mounted to the same path as %s; skipped"
                                         % (_describe(volume), _describe(used_paths[path])), "Volumes"))
            continue
        if path == PGDATA_MOUNT_PATH:
            warnings.append(BuildWarning("cannot mount volume %s on the PostgreSQL data directory; skipped"
                                         % _describe(volume), "Volumes"))
            continue
        targets = list(volume.get("targetContainers") or []) or [POSTGRES_CONTAINER]
        if "all" in targets and len(targets) != 1:
            warnings.append(BuildWarning("volume %s: targetContainers is either [\"all\"] or a list of container names, "
                                         "not both" % _describe(volume), "Volumes"))
        entry = dict(volume)
        entry["targetContainers"] = targets
        selected.append(entry)
        used_paths[path] = volume
    return selected


def add_additional_volumes(pod_spec, additional_volumes, warnings):
    """Pod volumes and per-container mounts of ``additionalVolumes`` (and the TLS volumes)."""
    selected = select_additional_volumes(additional_volumes, warnings)
    volumes = pod_spec.setdefault("volumes", [])
    for volume in selected:
        entry = {"name": volume["name"]}
        entry.update(copy.deepcopy(volume.get("volumeSource") or {}))
        volumes.append(entry)
    for container in pod_spec["containers"]:
        for volume in selected:
            targets = volume["targetContainers"]
            if "all" in targets or container.get("name") in targets:
                mount = {"name": volume["name"], "mountPath": volume["mountPath"]}
                if volume.get("subPath"):
                    mount["subPathExpr" if volume.get("isSubPathExpr") else "subPath"] = volume["subPath"]
                _add_mount(container, mount)


def add_pod_volumes(pod_spec, cluster, cfg, warnings):
    """Every pod-level volume of the database pod, in upstream's order."""
    if shm_volume_needed(cluster, cfg):
        add_shm_volume(pod_spec)
    if cfg.share_pgsocket_with_sidecars:
        add_run_volume(pod_spec)
    if cfg.additional_secret_mount:
        add_secret_volume(pod_spec, cfg.additional_secret_mount, cfg.additional_secret_mount_path)
    additional = list(cluster.spec.get("additionalVolumes") or []) + tls_additional_volumes(cluster.spec.get("tls"))
    if additional:
        add_additional_volumes(pod_spec, additional, warnings)


def volume_claim_template(cluster, cfg):
    """The ``pgdata`` PersistentVolumeClaim template."""
    volume = cluster.spec.get("volume") or {}
    size = str(volume.get("size") or "").strip()
    parse_quantity(size, "spec.volume.size")
    metadata = {"name": DATA_VOLUME_NAME, "labels": object_labels(cluster, cfg)}
    annotations = inherited_annotations(cluster, cfg)
    if annotations:
        metadata["annotations"] = annotations
    spec = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
        "volumeMode": "Filesystem",
    }
    if volume.get("storageClass"):
        spec["storageClassName"] = volume["storageClass"]
    if volume.get("selector") is not None:
        spec["selector"] = copy.deepcopy(volume["selector"])
    return {"metadata": metadata, "spec": spec}


def pvc_retention_policy(cfg):
    """StatefulSet ``persistentVolumeClaimRetentionPolicy``; anything but ``delete`` means Retain."""
    policy = cfg.persistent_volume_claim_retention_policy or {}
    return {
        "whenDeleted": "Delete" if policy.get("when_deleted") == "delete" else "Retain",
        "whenScaled": "Delete" if policy.get("when_scaled") == "delete" else "Retain",
    }
