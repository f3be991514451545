# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manifest fields we accept (upstream's API) but that have no effect yet.

``ignored_features(cluster)`` lists, for one ``ClusterSpec``, each such field the manifest sets, with
what upstream would do and we do not. The reconcile turns the list into the ``FeaturesSupported``
condition and a Warning Event ``NotImplemented``; the modules into warnings. The same list, field by
field, is in docs/compatibility.md ("Accepted, not implemented yet").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def master_pooler_wanted(spec):
    """Upstream: ``enableConnectionPooler: true``, or a ``connectionPooler`` section with the flag unset."""
    flag = spec.get("enableConnectionPooler")
    return flag is True or (flag is None and spec.get("connectionPooler") is not None)


def ignored_features(cluster):
    """``[(field path, what is not done)]`` for the fields of ``cluster`` that have no effect yet, in a fixed order."""
    spec = cluster.spec
    ignored = []
    if master_pooler_wanted(spec):
        field = "spec.enableConnectionPooler" if spec.get("enableConnectionPooler") else "spec.connectionPooler"
        ignored.append((field, "no connection pooler Deployment, Service or Secret <cluster>-pooler is created"))
    if spec.get("enableReplicaConnectionPooler") is True:
        ignored.append(("spec.enableReplicaConnectionPooler", "no replica pooler Deployment or Service <cluster>-pooler-repl is created"))
    if spec.get("enableLogicalBackup"):
        ignored.append(("spec.enableLogicalBackup", "no logical-backup CronJob is created (logicalBackupSchedule and "
                        "logicalBackupRetention have no effect either)"))
    if spec.get("streams"):
        ignored.append(("spec.streams", "no FabricEventStream, publication or replication slot is created (only the fes_user Secret)"))
    if spec.get("maintenanceWindows"):
        ignored.append(("spec.maintenanceWindows", "nothing is scheduled by them: major version upgrades and switchovers are not implemented"))
    return ignored


def ignored_message(ignored):
    """One line for a condition, an Event or a warning (field paths and what is not done)."""
    parts = ["%s (%s)" % (field, what) for field, what in ignored]
    return "accepted but not implemented yet, ignored: " + "; ".join(parts)


__all__ = ["ignored_features", "ignored_message", "master_pooler_wanted"]
