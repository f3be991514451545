# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names of the objects Patroni (not the operator) creates for a cluster (reference §4.3, §4.4)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PATRONI_SUFFIXES = ("-leader", "-config", "-sync", "-failover")


def patroni_dcs_names(cluster_name):
    """ConfigMaps (ConfigMap mode) or Endpoints (Endpoints mode) Patroni keeps its state in."""
    return set(cluster_name + suffix for suffix in PATRONI_SUFFIXES)


def patroni_service_name(cluster_name):
    """The headless ``<c>-config`` Service Patroni creates."""
    return cluster_name + "-config"
