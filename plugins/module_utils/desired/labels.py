# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Label and annotation sets of a cluster's child objects (reference §4.1, §2.3)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def selector_labels(cluster, cfg):
    """``cluster_labels`` plus ``<cluster_name_label>=<name>``: what selectors match on."""
    labels = dict(cfg.cluster_labels)
    labels[cfg.cluster_name_label] = cluster.name
    return labels


def object_labels(cluster, cfg):
    """Selector labels plus ``team`` and the CR labels listed in ``inherited_labels``."""
    labels = selector_labels(cluster, cfg)
    labels["team"] = cluster.spec["teamId"]
    for key in cfg.inherited_labels:
        if key in cluster.labels:
            labels[key] = cluster.labels[key]
    return labels


def role_labels(labels, cfg, role):
    """``labels`` plus ``<pod_role_label>=<role>`` (role: master or replica)."""
    result = dict(labels)
    result[cfg.pod_role_label] = role
    return result


def inherited_annotations(cluster, cfg):
    """The CR annotations whose keys are listed in ``inherited_annotations``."""
    return dict((k, v) for k, v in cluster.annotations.items() if k in cfg.inherited_annotations)
