# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names of the child objects of a cluster (reference §4)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CRD_KIND = "postgresql"
CRD_GROUP = "acid.zalan.do"
CRD_VERSION = "v1"
CRD_API_VERSION = CRD_GROUP + "/" + CRD_VERSION
CRD_PLURAL = "postgresqls"

ROLLING_UPDATE_ANNOTATION = "zalando-postgres-operator-rolling-update-required"
# on a credentials Secret created while the cluster's data already existed (StatefulSet or PVCs): its
# password is new and PostgreSQL may know the role with another one; the role step does not push it
# until the annotation is removed (docs/roles.md "Regenerated credentials"). Value: when (RFC 3339).
REGENERATED_PASSWORD_ANNOTATION = "pgkube.operator/regenerated-password"


def statefulset_name(cluster_name):
    return cluster_name


def master_service_name(cluster_name):
    return cluster_name


def replica_service_name(cluster_name):
    return cluster_name + "-repl"


def service_name(cluster_name, role):
    """``role`` is ``master`` or ``replica``."""
    return replica_service_name(cluster_name) if role == "replica" else master_service_name(cluster_name)


def secret_name(username, cluster_name, cfg):
    """Secret name from ``secret_name_template`` (underscores in the user name become dashes).

    For a cross-namespace user ``ns.user`` the namespace stays part of ``{username}``
    (the upstream code does not substitute ``{namespace}``, see docs/compatibility.md).
    """
    return format_secret_name(cfg.secret_name_template, username, cluster_name)


def format_secret_name(template, username, cluster_name):
    """``template`` (``secret_name_template`` syntax) filled for one user of one cluster."""
    return (template.replace("{username}", username.replace("_", "-"))
            .replace("{cluster}", cluster_name)
            .replace("{tprkind}", CRD_KIND)
            .replace("{tprgroup}", CRD_GROUP))


def primary_pdb_name(cluster_name, cfg):
    return cfg.pdb_name_format.replace("{cluster}", cluster_name)


def critical_op_pdb_name(cluster_name):
    return "postgres-%s-critical-op-pdb" % cluster_name


def patroni_object_names(cluster_name):
    """Objects Patroni creates itself (ConfigMaps or Endpoints) for the cluster."""
    return [cluster_name + "-leader", cluster_name + "-config", cluster_name + "-sync", cluster_name + "-failover"]


def child_object_names(cluster_name, cfg):
    """The names of the main child objects, keyed as the REST API's cluster status shows them (reference §7)."""
    names = {
        "MasterService": master_service_name(cluster_name),
        "ReplicaService": replica_service_name(cluster_name),
        "StatefulSet": statefulset_name(cluster_name),
        "PrimaryPodDisruptionBudget": primary_pdb_name(cluster_name, cfg),
        "CriticalOpPodDisruptionBudget": critical_op_pdb_name(cluster_name),
    }
    if not cfg.kubernetes_use_configmaps:
        names["MasterEndpoint"] = master_service_name(cluster_name)
        names["ReplicaEndpoint"] = replica_service_name(cluster_name)
    return names
