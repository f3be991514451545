# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan the deletion of a cluster's objects (state=absent, reference §5.11).

Order: FabricEventStreams, logical backup CronJob, StatefulSet (``Orphan`` propagation), each
pod, PVCs (only if ``enable_persistent_volume_claim_deletion``), Secrets (only if
``enable_secrets_deletion`` and the PVCs are deleted too: kept volumes keep their credentials), PDBs, master/replica Endpoints, master/replica Services,
Patroni's ``-config`` Service and its ConfigMaps/Endpoints, pooler Deployments and Services.
The pod ServiceAccount and RoleBinding are shared by the namespace and never deleted.

Whether PVCs are kept is whatever the configuration says (upstream default: deleted);
the plan's ``notes`` say what was kept and why.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import DELETE, Action, Plan
from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import cfg_value
from ansible_collections.pgkube.operator.plugins.module_utils.plan.object_meta import labels, meta
from ansible_collections.pgkube.operator.plugins.module_utils.plan.patroni_names import patroni_dcs_names, patroni_service_name

NEVER_DELETED = ("ServiceAccount", "RoleBinding")


def _cluster_identity(cluster):
    if isinstance(cluster, str):
        return cluster, None
    if isinstance(cluster, dict):
        return meta(cluster).get("name") or cluster.get("name"), meta(cluster).get("namespace") or cluster.get("namespace")
    return getattr(cluster, "name"), getattr(cluster, "namespace", None)


def _step(kind, name, c):
    """Position of an object in the deletion order, or ``None`` when it is not deleted."""
    patroni = patroni_dcs_names(c)
    if kind == "FabricEventStream":
        return 0
    if kind == "CronJob":
        return 1
    if kind == "StatefulSet":
        return 2
    if kind == "Pod":
        return 3
    if kind == "PersistentVolumeClaim":
        return 4
    if kind == "Secret":
        return 5
    if kind == "PodDisruptionBudget":
        return 6
    if kind == "Endpoints" and name in (c, c + "-repl"):
        return 7
    if kind == "Service" and name in (c, c + "-repl"):
        return 8
    if kind == "Service" and name == patroni_service_name(c):
        return 9
    if kind in ("ConfigMap", "Endpoints") and name in patroni:
        return 10
    if kind in ("Deployment", "Service") and name in (c + "-pooler", c + "-pooler-repl"):
        return 11
    return None


def _named_like_ours(kind, name, c):
    """Name-based fallback for objects without the cluster label (default name formats)."""
    if kind == "StatefulSet":
        return name == c
    if kind == "Pod":
        return name.startswith(c + "-") and name[len(c) + 1:].isdigit()
    if kind == "PersistentVolumeClaim":
        return name.startswith("pgdata-%s-" % c) and name[len("pgdata-%s-" % c):].isdigit()
    if kind == "Secret":
        return (".%s.credentials." % c) in ("." + name)
    if kind == "PodDisruptionBudget":
        return name in ("postgres-%s-pdb" % c, "postgres-%s-critical-op-pdb" % c)
    if kind == "CronJob":
        return name == "logical-backup-%s" % c
    return kind in ("Endpoints", "Service", "Deployment")


def _belongs(obj, kind, name, c, cfg):
    """Ours if labelled with the cluster name, or named as the cluster's objects are.

    Config maps are only Patroni's: a config map labelled with the cluster name may be the
    user's ``pod_environment_configmap`` and is never deleted.
    """
    if kind == "ConfigMap":
        return name in patroni_dcs_names(c)
    if labels(obj).get(cfg_value(cfg, "cluster_name_label", "cluster-name")) == c:
        return True
    return _named_like_ours(kind, name, c)


def plan_delete(observed, cfg, cluster):
    """Plan that deletes the cluster's objects found in ``observed`` ((kind, ns, name) -> object)."""
    c, namespace = _cluster_identity(cluster)
    keep_pvcs = not cfg_value(cfg, "enable_persistent_volume_claim_deletion", True)
    # the credentials belong with the data: kept volumes keep their Secrets, whatever enable_secrets_deletion says
    keep_secrets = not cfg_value(cfg, "enable_secrets_deletion", True) or keep_pvcs
    chosen, kept = [], {"PersistentVolumeClaim": [], "Secret": []}
    for (kind, ns, name), obj in sorted((observed or {}).items(), key=lambda item: tuple(str(x) for x in item[0])):
        if obj is None or kind in NEVER_DELETED:
            continue
        if namespace is not None and ns != namespace and kind != "Secret":
            continue
        step = _step(kind, name, c)
        if step is None or not _belongs(obj, kind, name, c, cfg):
            continue
        if (kind == "PersistentVolumeClaim" and keep_pvcs) or (kind == "Secret" and keep_secrets):
            kept[kind].append(name)
            continue
        chosen.append((step, kind, ns, name))
    plan = Plan()
    for step, kind, ns, name in sorted(chosen, key=lambda item: (item[0], item[3])):
        if kind == "StatefulSet":
            plan.add(Action(kind, ns, name, DELETE, "cluster %s is absent: StatefulSet deleted, pods orphaned and deleted one by one" % c,
                            propagation_policy="Orphan"))
        else:
            plan.add(Action(kind, ns, name, DELETE, "cluster %s is absent: %s deleted" % (c, kind)))
    if kept["PersistentVolumeClaim"]:
        plan.notes.append("PersistentVolumeClaims kept because enable_persistent_volume_claim_deletion is false: %s"
                          % ", ".join(sorted(kept["PersistentVolumeClaim"])))
    if kept["Secret"]:
        why = ("enable_secrets_deletion is false" if not cfg_value(cfg, "enable_secrets_deletion", True)
               else "the data volumes are kept (enable_persistent_volume_claim_deletion is false): a cluster re-created on them needs them")
        plan.notes.append("Secrets kept because %s: %s" % (why, ", ".join(sorted(kept["Secret"]))))
    return plan
