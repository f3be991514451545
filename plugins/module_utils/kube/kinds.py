# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kinds a cluster owns, with their API versions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

API_VERSIONS = {
    "postgresql": "acid.zalan.do/v1",
    "OperatorConfiguration": "acid.zalan.do/v1",
    "StatefulSet": "apps/v1",
    "Service": "v1",
    "Endpoints": "v1",
    "Secret": "v1",
    "ConfigMap": "v1",
    "Pod": "v1",
    "PersistentVolumeClaim": "v1",
    "ServiceAccount": "v1",
    "PodDisruptionBudget": "policy/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "CronJob": "batch/v1",
    "Event": "v1",
    "Node": "v1",
}


def api_version(kind):
    return API_VERSIONS[kind]


def object_key(obj):
    """(kind, namespace, name) of an object dict."""
    meta = obj.get("metadata") or {}
    return (obj["kind"], meta.get("namespace"), meta.get("name"))
