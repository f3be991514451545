# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Owner references from a cluster's child objects to its ``postgresql`` CR (reference §4.8).

With ``enable_owner_references`` the upstream operator appends one controller reference
``{apiVersion: acid.zalan.do/v1, kind: postgresql, name, uid, controller: true}`` (no
``blockOwnerDeletion``) to the owner references a child already has, unless one with the CR's
uid is there. It never does so on PersistentVolumeClaims (nor the StatefulSet's PVC templates),
on Secrets in another namespace (cross-namespace users) or on the namespace-level pod
ServiceAccount / RoleBinding. **[deviation]** Nor on the credentials Secrets while the data volumes
outlive the cluster (``enable_persistent_volume_claim_deletion`` false): they belong with the data. Owner references are set explicitly by us: server-side apply
and PATCH through the ansible-operator proxy add none.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.desired import naming

# kinds that never get an owner reference: data volumes, and the namespace-level objects
# shared by every cluster of the namespace
NEVER_OWNED_KINDS = frozenset(["PersistentVolumeClaim", "ServiceAccount", "RoleBinding", "Namespace"])


def owner_reference(cluster):
    """The controller reference to the cluster's ``postgresql`` object."""
    return {
        "apiVersion": naming.CRD_API_VERSION,
        "kind": naming.CRD_KIND,
        "name": cluster.name,
        "uid": cluster.uid,
        "controller": True,
    }


def secrets_outlive_cluster(cfg):
    """Credentials Secrets live as long as the data volumes: while PVCs are kept on deletion
    (``enable_persistent_volume_claim_deletion`` false, our default), so are the Secrets, and they get
    no owner reference (the garbage collector would delete them with the ``postgresql`` resource)."""
    return not getattr(cfg, "enable_persistent_volume_claim_deletion", True)


def should_own(obj, cluster, cfg=None):
    """True when ``obj`` may carry an owner reference to ``cluster``."""
    if not isinstance(obj, dict) or obj.get("kind") in NEVER_OWNED_KINDS:
        return False
    if obj.get("kind") == "Secret" and cfg is not None and secrets_outlive_cluster(cfg):
        return False
    namespace = (obj.get("metadata") or {}).get("namespace")
    return namespace in (None, cluster.namespace)


def add_owner_reference(obj, cluster):
    """Append the controller reference to ``obj`` (in place) unless it already has one to the CR."""
    metadata = obj.setdefault("metadata", {})
    references = list(metadata.get("ownerReferences") or [])
    if any(isinstance(ref, dict) and ref.get("uid") == cluster.uid for ref in references):
        return obj
    references.append(owner_reference(cluster))
    metadata["ownerReferences"] = references
    return obj


def add_owner_references(objects, cluster, cfg):
    """Add the controller reference to every eligible object of ``objects`` (in place) when
    ``enable_owner_references`` is on and the CR's uid is known; returns ``objects``.

    Only top-level metadata is touched, so a StatefulSet's ``volumeClaimTemplates`` stay
    without owner references.
    """
    if not cfg.enable_owner_references or not cluster.uid:
        return objects
    for obj in objects:
        if should_own(obj, cluster, cfg):
            add_owner_reference(obj, cluster)
    return objects
