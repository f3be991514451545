# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The StatefulSet replica count: ``numberOfInstances`` clamped by ``min/max_instances`` (reference §5.9)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired.resources import BuildWarning


def ignores_instance_limits(cluster, cfg):
    """True when the CR carries ``<ignore_instance_limits_annotation_key>: "true"``."""
    key = cfg.ignore_instance_limits_annotation_key
    return bool(key) and cluster.annotations.get(key) == "true"


def number_of_instances(cluster, cfg, warnings=None):
    """Replicas for the StatefulSet.

    The annotation bypasses the limits; a standby cluster with one instance is never
    clamped (upstream supports only one-pod standbys and warns for more); otherwise
    cap at ``max_instances`` (when >= 0), then raise to ``min_instances`` (when >= 0).
    The PodDisruptionBudget keeps using the raw manifest value.
    ``warnings`` (a list) receives ``BuildWarning`` strings (reason ``Instances``).
    """
    current = int(cluster.spec["numberOfInstances"])
    if ignores_instance_limits(cluster, cfg):
        return current
    minimum = cfg.min_instances
    maximum = cfg.max_instances
    if cluster.is_standby():
        if current == 1:
            minimum = maximum = 1
        elif warnings is not None:
            warnings.append(BuildWarning("operator only supports standby clusters with 1 pod", "Instances"))
    result = current
    if maximum >= 0 and result > maximum:
        result = maximum
    if minimum >= 0 and result < minimum:
        result = minimum
    if result != current and warnings is not None:
        warnings.append(BuildWarning("adjusted number of instances from %d to %d (min: %d, max: %d)"
                                     % (current, result, minimum, maximum), "Instances"))
    return result
