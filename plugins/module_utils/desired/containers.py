# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Containers of the database pod: postgres, sidecars, init containers (reference §2.9, §4.2).

Sidecar precedence (first wins on a name clash, with a warning): manifest ``sidecars`` >
configuration ``sidecars`` (full containers) > ``sidecar_docker_images`` (name -> image,
sorted by name) > the deprecated Scalyr sidecar. Every sidecar gets the ``pgdata`` mount
and ``POD_NAME``, ``POD_NAMESPACE``, ``POSTGRES_USER``, ``POSTGRES_PASSWORD``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import secret_name
from ansible_collections.pgkube.operator.plugins.module_utils.desired.resources import BuildWarning, sidecar_resources
from ansible_collections.pgkube.operator.plugins.module_utils.desired.spilo_env import append_env, field_env, secret_env, value_env
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError

POSTGRES_CONTAINER = "postgres"
PATRONI_API_PORT = 8008
PG_PORT = 5432
OPERATOR_PORT = 8080
SCALYR_SIDECAR = "scalyr-sidecar"


def readiness_probe():
    """Patroni answers 200 on /readiness only with the leader lock or a running, DCS-connected Postgres."""
    return {
        "failureThreshold": 3,
        "httpGet": {"path": "/readiness", "port": PATRONI_API_PORT, "scheme": "HTTP"},
        "initialDelaySeconds": 6,
        "periodSeconds": 10,
        "successThreshold": 1,
        "timeoutSeconds": 5,
    }


def security_context(cfg):
    context = {}
    if cfg.spilo_allow_privilege_escalation is not None:
        context["allowPrivilegeEscalation"] = bool(cfg.spilo_allow_privilege_escalation)
    context["privileged"] = bool(cfg.spilo_privileged)
    context["readOnlyRootFilesystem"] = False
    capabilities = [str(c).upper() for c in (cfg.additional_pod_capabilities or [])]
    if capabilities:
        context["capabilities"] = {"add": capabilities}
    return context


def postgres_container(cluster, cfg, env, resources, volume_mounts):
    """The ``postgres`` (Spilo) container."""
    spec = cluster.spec
    container = {
        "name": POSTGRES_CONTAINER,
        "image": spec.get("dockerImage") or cfg.docker_image,
        "imagePullPolicy": "IfNotPresent",
        "resources": resources,
        "ports": [{"containerPort": port, "protocol": "TCP"} for port in (PATRONI_API_PORT, PG_PORT, OPERATOR_PORT)],
        "volumeMounts": copy.deepcopy(list(volume_mounts)),
        "env": env,
        "securityContext": security_context(cfg),
    }
    if spec.get("envFrom"):
        container["envFrom"] = copy.deepcopy(list(spec["envFrom"]))
    if cfg.enable_readiness_probe:
        container["readinessProbe"] = readiness_probe()
    liveness = spec.get("livenessProbe") or cfg.liveness_probe
    if liveness:
        container["livenessProbe"] = copy.deepcopy(liveness)
    return container


def validate_containers(containers, path):
    """Each container needs a name and an image; ``ValidationError`` names the field."""
    for index, container in enumerate(containers):
        where = "%s[%d]" % (path, index)
        if not isinstance(container, dict):
            raise ValidationError(where, "must be a container object with name and image")
        if not container.get("name"):
            raise ValidationError(where + ".name", "is required")
        if not container.get("image"):
            raise ValidationError(where + ".image", "is required")


def init_containers(cluster, cfg):
    """Manifest ``initContainers``; an error when the configuration disables them."""
    containers = list(cluster.spec.get("initContainers") or [])
    if not containers:
        return []
    if cfg.enable_init_containers is False:
        raise ValidationError("spec.initContainers", "init containers are disabled in the operator configuration (enable_init_containers: false)")
    validate_containers(containers, "spec.initContainers")
    return copy.deepcopy(containers)


def _sidecar_from_spec(sidecar, cfg, index, path, warnings):
    """A container from a manifest-style sidecar ``{name, image, resources, ports, env, command}``."""
    name = sidecar.get("name") or "sidecar-%d" % index
    resources, resource_warnings = sidecar_resources(sidecar.get("resources"), cfg, name, path + ".resources")
    warnings.extend(resource_warnings)
    container = {"name": name, "image": sidecar.get("image") or "", "imagePullPolicy": "IfNotPresent", "resources": resources}
    for key in ("env", "ports", "command"):
        if sidecar.get(key):
            container[key] = copy.deepcopy(sidecar[key])
    return container


def _scalyr_sidecar(cluster, cfg, warnings):
    api_key = cfg.get("scalyr_api_key", "") or ""
    image = cfg.get("scalyr_image", "") or ""
    if not api_key or not image:
        return []
    resources, resource_warnings = sidecar_resources({
        "requests": {"cpu": cfg.get("scalyr_cpu_request", ""), "memory": cfg.get("scalyr_memory_request", "")},
        "limits": {"cpu": cfg.get("scalyr_cpu_limit", ""), "memory": cfg.get("scalyr_memory_limit", "")},
    }, cfg, SCALYR_SIDECAR, "scalyr")
    warnings.extend(resource_warnings)
    env = [value_env("SCALYR_API_KEY", api_key), value_env("SCALYR_SERVER_HOST", cluster.name)]
    if cfg.get("scalyr_server_url", ""):
        env.append(value_env("SCALYR_SERVER_URL", cfg.get("scalyr_server_url")))
    return [{"name": SCALYR_SIDECAR, "image": image, "env": env, "imagePullPolicy": "IfNotPresent", "resources": resources}]


def _merge_by_name(groups, warnings):
    merged = []
    names = set()
    for group in groups:
        for container in group:
            if container.get("name") in names:
                warnings.append(BuildWarning("a sidecar is specified twice; ignoring sidecar %r in favour of the one with higher "
                                             "precedence" % container.get("name"), "Sidecars"))
                continue
            names.add(container.get("name"))
            merged.append(container)
    return merged


def sidecar_env(cluster, cfg):
    return [
        field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
        value_env("POSTGRES_USER", cfg.super_username),
        secret_env("POSTGRES_PASSWORD", secret_name(cfg.super_username, cluster.name, cfg), "password"),
    ]


def sidecar_containers(cluster, cfg, pgdata_mounts, warnings):
    """Every sidecar of the database pod, patched with the pgdata mount and the operator env."""
    manifest_sidecars = list(cluster.spec.get("sidecars") or [])
    if manifest_sidecars and cfg.enable_sidecars is False:
        raise ValidationError("spec.sidecars", "sidecars are disabled in the operator configuration (enable_sidecars: false)")
    manifest = [_sidecar_from_spec(sidecar, cfg, index, "spec.sidecars[%d]" % index, warnings)
                for index, sidecar in enumerate(manifest_sidecars)]
    validate_containers(manifest, "spec.sidecars")
    global_sidecars = copy.deepcopy(list(cfg.sidecars or []))
    validate_containers(global_sidecars, "sidecars")
    images = cfg.sidecar_docker_images or {}
    by_image = sorted((_sidecar_from_spec({"name": name, "image": images[name]}, cfg, 0, "sidecar_docker_images.%s" % name, warnings)
                       for name in images), key=lambda container: container["name"])
    validate_containers(by_image, "sidecar_docker_images")
    merged = _merge_by_name([manifest, global_sidecars, by_image, _scalyr_sidecar(cluster, cfg, warnings)], warnings)
    for container in merged:
        container["volumeMounts"] = list(container.get("volumeMounts") or []) + copy.deepcopy(list(pgdata_mounts))
        container["env"] = append_env(sidecar_env(cluster, cfg), list(container.get("env") or []))
    return merged
