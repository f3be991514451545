# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container resource requirements (reference §4.2, ``generateResourceRequirements``).

1. cpu / memory come from the spec, else from the defaults; ``""``, ``"0"`` and
   ``"null"`` count as unset. Hugepages come from the spec only.
2. Postgres container, unless the ignore-resources annotation is ``"true"``: limits
   below ``min_cpu_limit`` / ``min_memory_limit`` are raised (a missing limit counts as
   0, so it is set to the minimum) with a ``ResourceLimits`` warning (upstream: a Warning
   Event).
3. A limit lower than its request is raised to the request.
4. ``set_memory_request_to_limit``: a memory request lower than the limit (a missing
   request counts as 0) is raised to the limit.
5. Postgres container, unless ignored: requests above ``max_cpu_request`` /
   ``max_memory_request`` are capped.

Warnings are :class:`BuildWarning` strings carrying a ``reason``; only ``ResourceLimits``
ones are Kubernetes Events upstream, the others are log lines.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.quantity import parse_quantity

POSTGRES_CONTAINER = "postgres"
UNSET_VALUES = ("", "0", "null")
BASIC_RESOURCES = ("cpu", "memory")
HUGEPAGES = ("hugepages-2Mi", "hugepages-1Gi")
_LABEL = {"cpu": "CPU", "memory": "memory"}


class BuildWarning(str):
    """A builder warning: a plain string (log it, ``module.warn`` it) with a ``reason``.

    ``reason`` is ``ResourceLimits`` for the warnings that upstream also emits as a
    Warning Event, otherwise a topic (``Resources``, ``Volumes``, ``Sidecars``, ``Instances``).
    """

    def __new__(cls, message, reason):
        obj = str.__new__(cls, message)
        obj.reason = reason
        return obj


def default_resources(cfg):
    """The postgres container defaults from ``default_*`` of the operator configuration."""
    return {
        "requests": {"cpu": cfg.default_cpu_request, "memory": cfg.default_memory_request},
        "limits": {"cpu": cfg.default_cpu_limit, "memory": cfg.default_memory_limit},
    }


def ignores_resource_limits(cluster, cfg):
    """True when the CR carries ``<ignore_resources_limits_annotation_key>: "true"``."""
    key = cfg.ignore_resources_limits_annotation_key
    return bool(key) and cluster.annotations.get(key) == "true"


def _is_set(value):
    return value is not None and str(value).strip() not in UNSET_VALUES


def _quantity(value, path):
    text = str(value).strip()
    parse_quantity(text, path)
    return text


def fill_resource_list(spec_part, default_part, path):
    """One of ``requests`` / ``limits``: spec value, else default; hugepages from the spec only."""
    spec_part = spec_part or {}
    default_part = default_part or {}
    result = {}
    for name in BASIC_RESOURCES:
        if _is_set(spec_part.get(name)):
            result[name] = _quantity(spec_part[name], "%s.%s" % (path, name))
        elif _is_set(default_part.get(name)):
            result[name] = _quantity(default_part[name], "default %s" % name)
    for name in HUGEPAGES:
        value = spec_part.get(name)
        if value is not None:
            if str(value).strip() == "":
                raise ValidationError("%s.%s" % (path, name), "is empty; remove it or give a quantity")
            result[name] = _quantity(value, "%s.%s" % (path, name))
    return result


def _amount(part, name):
    """The quantity of ``name`` in ``part`` as a Decimal; a missing entry counts as 0."""
    return parse_quantity(part[name]) if name in part else 0


def _enforce_min_limits(limits, cfg, warnings):
    for name, minimum in (("cpu", cfg.min_cpu_limit), ("memory", cfg.min_memory_limit)):
        if not minimum:
            continue
        current = limits.get(name, "0")
        if parse_quantity(current) < parse_quantity(minimum, "min_%s_limit" % name):
            warnings.append(BuildWarning("defined %s limit %s for \"postgres\" container is below required minimum %s and will be increased"
                                         % (_LABEL[name], current, minimum), "ResourceLimits"))
            limits[name] = minimum


def _match_limits_with_requests(requests, limits, container, warnings):
    for name in BASIC_RESOURCES:
        if name in requests and name in limits and parse_quantity(limits[name]) < parse_quantity(requests[name]):
            warnings.append(BuildWarning("%s limit of %s for %r container is increased to match %s requests of %s"
                                         % (_LABEL[name], limits[name], container, _LABEL[name], requests[name]), "Resources"))
            limits[name] = requests[name]


def _memory_request_to_limit(requests, limits, container, warnings):
    if _amount(requests, "memory") < _amount(limits, "memory"):
        warnings.append(BuildWarning("memory request of %s for %r container is increased to match memory limit of %s"
                                     % (requests.get("memory", "0"), container, limits["memory"]), "Resources"))
        requests["memory"] = limits["memory"]


def _enforce_max_requests(requests, cfg):
    for name, maximum in (("cpu", cfg.max_cpu_request), ("memory", cfg.max_memory_request)):
        if not maximum or name not in requests:
            continue
        cap = parse_quantity(maximum, "max_%s_request" % name)
        if cap != 0 and cap < parse_quantity(requests[name]):
            requests[name] = maximum


def resource_requirements(resources, defaults, cfg, container=POSTGRES_CONTAINER, enforce_thresholds=True, path="spec.resources"):
    """``(requirements, warnings)`` for one container.

    ``resources`` / ``defaults`` are ``{"requests": {...}, "limits": {...}}`` (either may
    be ``None``). Min limits and max requests apply only to the ``postgres`` container
    and only when ``enforce_thresholds``. ``requirements`` is the container's
    ``resources`` dict; empty parts are left out as the API server does.
    """
    resources = resources or {}
    defaults = defaults or {}
    warnings = []
    requests = fill_resource_list(resources.get("requests"), defaults.get("requests"), path + ".requests")
    limits = fill_resource_list(resources.get("limits"), defaults.get("limits"), path + ".limits")
    thresholds = container == POSTGRES_CONTAINER and enforce_thresholds
    if thresholds:
        _enforce_min_limits(limits, cfg, warnings)
    _match_limits_with_requests(requests, limits, container, warnings)
    if cfg.set_memory_request_to_limit:
        _memory_request_to_limit(requests, limits, container, warnings)
    if thresholds:
        _enforce_max_requests(requests, cfg)
    result = {}
    if limits:
        result["limits"] = limits
    if requests:
        result["requests"] = requests
    return result, warnings


def postgres_resources(cluster, cfg):
    """``(requirements, warnings)`` of the postgres container."""
    return resource_requirements(cluster.spec.get("resources"), default_resources(cfg), cfg, POSTGRES_CONTAINER,
                                 enforce_thresholds=not ignores_resource_limits(cluster, cfg), path="spec.resources")


def sidecar_resources(sidecar_resources_spec, cfg, name, path):
    """``(requirements, warnings)`` of a sidecar: postgres defaults, no min/max thresholds."""
    return resource_requirements(sidecar_resources_spec, default_resources(cfg), cfg, name, enforce_thresholds=False, path=path)
