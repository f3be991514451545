# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared builders for unit-test inputs: a minimal postgresql manifest, the ClusterSpec made from it,
and an OperatorConfig with a few overrides.

Import as ``from ansible_collections.pgkube.operator.tests.unit.builders import make_cluster, make_cfg``
(tests/conftest.py makes the repository importable under that name). The keyword arguments are the
things the tests differ in; everything else in ``**spec`` / ``**overrides`` goes into the manifest's
``spec`` / the flat configuration unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec

# metadata.uid of the upstream unit tests' cluster
UPSTREAM_UID = "efd12e58-5786-11e8-b5a7-06148230260c"

# the configuration most object-builder tests start from (no master LoadBalancer Service)
NO_MASTER_LOAD_BALANCER = {"enable_master_load_balancer": False}


def make_manifest(name="acid-test", namespace="default", team="acid", labels=None, annotations=None, uid=UPSTREAM_UID, **spec):
    """A minimal ``acid.zalan.do/v1`` postgresql manifest (a new dict on every call).

    ``namespace=None`` leaves ``metadata.namespace`` out; a false ``uid`` leaves ``metadata.uid`` out;
    ``labels`` and ``annotations`` are set only when not empty. ``spec`` keys replace or extend the
    minimal spec (teamId, numberOfInstances, postgresql.version, volume.size).
    """
    body = {"teamId": team, "numberOfInstances": 2, "postgresql": {"version": "17"}, "volume": {"size": "1Gi"}}
    body.update(spec)
    metadata = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if uid:
        metadata["uid"] = uid
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": metadata, "spec": body}


def make_cluster(name="acid-test", namespace="default", team="acid", labels=None, annotations=None, uid=UPSTREAM_UID, **spec):
    """``ClusterSpec.from_manifest`` of :func:`make_manifest` with the same arguments."""
    return ClusterSpec.from_manifest(make_manifest(name, namespace, team, labels, annotations, uid, **spec))


def make_cfg(base=None, empty_gives_defaults=True, **overrides):
    """An OperatorConfig from the flat keys ``base`` updated with ``overrides``.

    With no keys at all it is ``OperatorConfig.defaults()`` (``cfg.source == "defaults"``), or
    ``OperatorConfig.from_dict({})`` when ``empty_gives_defaults`` is false.
    """
    values = dict(base or {})
    values.update(overrides)
    if not values and empty_gives_defaults:
        return OperatorConfig.defaults()
    return OperatorConfig.from_dict(values)
