# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which status fields the installed ``postgresql`` CRD keeps.

Our CRD keeps ``conditions`` and ``observedGeneration`` (its status preserves unknown fields). The
Zalando operator's CRD, which a user migrating to us may keep, declares only
``PostgresClusterStatus``: the API server silently drops everything else we write. A status compared
with fields that are never stored differs on every resync, so the reconcile compares (and writes)
only what the schema keeps (``StatusSchema.restrict``), and does without what it cannot remember:
the phase ``Update`` needs ``observedGeneration``, PodsReady transition Events need ``conditions``.

``status_schema(api)`` reads ``customresourcedefinitions/postgresqls.acid.zalan.do`` once per process
and API server and remembers the answer; ``refresh=True`` reads it again when the answer is older than
``REFRESH_AFTER`` seconds (the reconcile asks before it writes a status, so a CRD upgraded while the
operator runs is seen at the first status change a little later, without a read per status write
when many clusters change at once; a schema that drops fields is learnt at once from the write). A
CRD that cannot be read (forbidden) counts as keeping everything until a status write comes back
without the fields sent (``learn_from_write``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError

CRD_NAME = "postgresqls.acid.zalan.do"
CRD_KIND, CRD_API_VERSION = "CustomResourceDefinition", "apiextensions.k8s.io/v1"
ALWAYS_KEPT = ("PostgresClusterStatus",)


class StatusSchema:
    """``keeps_all``: the status preserves unknown fields; else ``fields`` are the ones it declares."""

    def __init__(self, keeps_all=True, fields=()):
        self.keeps_all = keeps_all
        self.fields = frozenset(fields) | frozenset(ALWAYS_KEPT)

    def keeps(self, key):
        return self.keeps_all or key in self.fields

    def restrict(self, status):
        """The part of a status dict the API server stores."""
        status = status if isinstance(status, dict) else {}
        if self.keeps_all:
            return status
        return dict((k, v) for k, v in status.items() if k in self.fields)

    def __eq__(self, other):
        return isinstance(other, StatusSchema) and (self.keeps_all, self.fields) == (other.keeps_all, other.fields)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "StatusSchema(all)" if self.keeps_all else "StatusSchema(%s)" % ", ".join(sorted(self.fields))


KEEPS_ALL = StatusSchema()


def from_crd(crd):
    """The schema of the served ``v1`` version's ``status`` (``KEEPS_ALL`` when it cannot tell)."""
    for version in ((crd or {}).get("spec") or {}).get("versions") or []:
        if version.get("name") != "v1":
            continue
        root = ((version.get("schema") or {}).get("openAPIV3Schema")) or {}
        if root.get("x-kubernetes-preserve-unknown-fields"):
            return KEEPS_ALL
        status = (root.get("properties") or {}).get("status")
        if not isinstance(status, dict) or status.get("x-kubernetes-preserve-unknown-fields"):
            return KEEPS_ALL
        return StatusSchema(False, (status.get("properties") or {}).keys())
    return KEEPS_ALL


_LOCK = threading.Lock()
_KNOWN = {}  # API server endpoint -> StatusSchema
_READ_AT = {}  # API server endpoint -> time.monotonic() of the last read of the CRD
REFRESH_AFTER = 30.0


def _key(api):
    return getattr(api, "endpoint", None) or "default"


def status_schema(api, refresh=False):
    """The ``StatusSchema`` of the installed CRD (remembered per API server; see the module docstring)."""
    key = _key(api)
    with _LOCK:
        known = _KNOWN.get(key)
        fresh_enough = time.monotonic() - _READ_AT.get(key, float("-inf")) < REFRESH_AFTER
    if known is not None and (not refresh or fresh_enough):
        return known
    try:
        crd = api.get(CRD_KIND, CRD_API_VERSION, None, CRD_NAME)
    except KubernetesError:
        crd = None
    schema = from_crd(crd) if crd is not None else (known or KEEPS_ALL)
    with _LOCK:
        _KNOWN[key] = schema
        _READ_AT[key] = time.monotonic()
    return schema


def learn_from_write(api, sent, stored):
    """After a status write: fields sent and missing from the stored status are not kept."""
    sent, stored = sent if isinstance(sent, dict) else {}, stored if isinstance(stored, dict) else None
    if stored is None:
        return None
    dropped = [k for k in sent if sent[k] is not None and k not in stored]
    if not dropped:
        return None
    schema = StatusSchema(False, stored.keys())
    with _LOCK:
        _KNOWN[_key(api)] = schema
    return schema


def forget():
    """Forget every remembered schema (tests)."""
    with _LOCK:
        _KNOWN.clear()
        _READ_AT.clear()


__all__ = ["StatusSchema", "KEEPS_ALL", "from_crd", "status_schema", "learn_from_write", "forget", "CRD_NAME"]
