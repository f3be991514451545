# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every desired Kubernetes object of one cluster, in creation order (reference §5.3)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired.endpoints import build_endpoints
from ansible_collections.pgkube.operator.plugins.module_utils.desired.owner_references import add_owner_references
from ansible_collections.pgkube.operator.plugins.module_utils.desired.pdb import build_pdbs
from ansible_collections.pgkube.operator.plugins.module_utils.desired.pod_service_account import build_pod_service_account_objects
from ansible_collections.pgkube.operator.plugins.module_utils.desired.secrets import build_secrets
from ansible_collections.pgkube.operator.plugins.module_utils.desired.services import build_services
from ansible_collections.pgkube.operator.plugins.module_utils.desired.statefulset import build_statefulset


class DesiredCluster:
    """The objects to converge, and what the builders noticed on the way."""

    def __init__(self, objects, warnings):
        self.objects = objects
        self.warnings = warnings

    def by_kind(self, kind):
        return [obj for obj in self.objects if obj["kind"] == kind]


def build_cluster(cluster, cfg, existing_secrets=None, pod_env_configmap_data=None, pod_env_secret_keys=None):
    """The DesiredCluster for (ClusterSpec, OperatorConfig).

    Order follows the Zalando operator's create flow: pod ServiceAccount and RoleBinding,
    Endpoints (Endpoints mode), Services, Secrets, PodDisruptionBudgets, StatefulSet.
    ``existing_secrets`` maps Secret names to the Secrets already there (their passwords are kept).
    """
    warnings = []
    objects = []
    objects.extend(build_pod_service_account_objects(cluster, cfg, warnings))
    objects.extend(build_endpoints(cluster, cfg))
    objects.extend(build_services(cluster, cfg))
    objects.extend(build_secrets(cluster, cfg, existing=existing_secrets, warnings=warnings))
    objects.extend(build_pdbs(cluster, cfg))
    statefulset, sts_warnings = build_statefulset(cluster, cfg, pod_env_configmap_data=pod_env_configmap_data,
                                                  pod_env_secret_keys=pod_env_secret_keys)
    warnings.extend(sts_warnings)
    objects.append(statefulset)
    add_owner_references(objects, cluster, cfg)
    return DesiredCluster(objects, warnings)
