# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Semantic comparison of a desired object (what a builder produced) with an observed one
(what the API server returned).

The rule is *containment*: every field the builder sets must match; fields the server adds
(``uid``, ``resourceVersion``, ``status``, ``clusterIP``, port ``protocol``, container
``terminationMessagePath`` ...) are ignored. ``None``, ``""``, ``{}`` and ``[]`` all mean "not
set", because the API server drops empty values. Lists are compared element by element and
must have the same length. Quantities under ``requests`` / ``limits`` / ``capacity`` and
``sizeLimit`` are compared by value (``"0.5"`` equals ``"500m"``).

Annotations are compared exactly, except keys listed in ``ignored_annotations`` and keys
that Kubernetes itself or kubectl write (``SYSTEM_ANNOTATION_PREFIXES``): those are neither
compared nor ever removed by a patch.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import REGENERATED_PASSWORD_ANNOTATION
from ansible_collections.pgkube.operator.plugins.module_utils.model.quantity import parse_quantity

# Annotations written by Kubernetes controllers, kubectl or volume provisioners, never by us.
SYSTEM_ANNOTATION_PREFIXES = (
    "kubectl.kubernetes.io/",
    "deployment.kubernetes.io/",
    "control-plane.alpha.kubernetes.io/",
    "endpoints.kubernetes.io/",
    "pv.kubernetes.io/",
    "volume.kubernetes.io/",
    "volume.beta.kubernetes.io/",
)

# Annotations whose life is decided outside the object builders (set at creation, removed by the role step or the user).
STATE_ANNOTATIONS = (REGENERATED_PASSWORD_ANNOTATION,)

QUANTITY_PARENTS = ("requests", "limits", "capacity")
QUANTITY_KEYS = ("sizeLimit",)
SPILO_CONFIGURATION = "SPILO_CONFIGURATION"


def cfg_value(cfg, name, default=None):
    """``cfg.<name>`` with a default, for an OperatorConfig or any attribute bag (or ``None``)."""
    if cfg is None:
        return default
    value = getattr(cfg, name, default)
    return default if value is None else value


def is_empty(value):
    return value is None or value == "" or value == {} or value == []


def _is_quantity_path(path):
    if not path:
        return False
    if path[-1] in QUANTITY_KEYS:
        return True
    return len(path) >= 2 and path[-2] in QUANTITY_PARENTS


def quantities_equal(left, right):
    try:
        return parse_quantity(left) == parse_quantity(right)
    except ValueError:
        return left == right


def _scalar_equal(desired, observed, path):
    if desired == observed and type(desired) is type(observed):
        return True
    if isinstance(desired, bool) or isinstance(observed, bool):
        return False
    if _is_quantity_path(path) and not is_empty(desired) and not is_empty(observed):
        return quantities_equal(desired, observed)
    return desired == observed


def differences(desired, observed, path=()):
    """Yield the paths (tuples) where ``desired`` is not contained in ``observed``."""
    if desired is None:
        return
    if isinstance(desired, dict):
        if observed is None:
            observed = {}
        if not isinstance(observed, dict):
            yield path
            return
        for key, value in desired.items():
            yield from differences(value, observed.get(key), path + (key,))
        return
    if isinstance(desired, list):
        if observed is None:
            observed = []
        if not isinstance(observed, list) or len(desired) != len(observed):
            yield path
            return
        for index, (mine, theirs) in enumerate(zip(desired, observed)):
            if list(differences(mine, theirs, path + (index,))):
                yield path
                return
        return
    if desired == "" and observed is None:
        return
    if not _scalar_equal(desired, observed, path):
        yield path


def contains(observed, desired, path=()):
    """True when every field ``desired`` sets has the same value in ``observed``."""
    for _found in differences(desired, observed, path):
        return False
    return True


def field_equal(desired, observed, default=None, path=()):
    """Compare one field the desired object owns: unset on our side must be unset (or the
    server default ``default``) on theirs, set on our side must be contained in theirs."""
    if is_empty(desired):
        return is_empty(observed) or (default is not None and observed == default)
    return contains(observed, desired, path)


def format_path(path):
    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append("[%d]" % part)
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(object)"


def changed_paths(desired, observed, path=()):
    """Readable dotted paths where ``desired`` is not contained in ``observed``."""
    return [format_path(p) for p in differences(desired, observed, path)]


# -- annotations -------------------------------------------------------------------------

def annotation_excluded(key, cfg):
    if key in (cfg_value(cfg, "ignored_annotations", []) or []) or key in STATE_ANNOTATIONS:
        return True
    return key.startswith(SYSTEM_ANNOTATION_PREFIXES)


def annotation_changes(desired, observed, cfg, removals=True):
    """``(added, changed, removed)`` key lists between two annotation maps, excluded keys left out.

    With ``removals=False`` keys only present on the observed side are not reported (for
    objects other writers annotate too, such as Patroni's endpoints and config maps).
    """
    desired = dict((k, v) for k, v in (desired or {}).items() if not annotation_excluded(k, cfg))
    observed = dict((k, v) for k, v in (observed or {}).items() if not annotation_excluded(k, cfg))
    added = sorted(k for k in desired if k not in observed)
    changed = sorted(k for k in desired if k in observed and observed[k] != desired[k])
    removed = sorted(k for k in observed if k not in desired) if removals else []
    return added, changed, removed


def describe_key_changes(what, added, changed, removed):
    """``"annotations changed (added: a; removed: b)"``, or ``""`` when nothing changed. Keys only, never values."""
    parts = []
    for label, keys in (("added", added), ("changed", changed), ("removed", removed)):
        if keys:
            parts.append("%s: %s" % (label, ", ".join(keys)))
    if not parts:
        return ""
    return "%s changed (%s)" % (what, "; ".join(parts))


def annotations_reason(desired, observed, cfg, what="annotations", removals=True):
    return describe_key_changes(what, *annotation_changes(desired, observed, cfg, removals=removals))


def labels_reason(desired, observed, what="labels"):
    """Labels we set must be present with our value; extra labels (other tools') are kept."""
    desired = desired or {}
    observed = observed or {}
    added = sorted(k for k in desired if k not in observed)
    changed = sorted(k for k in desired if k in observed and observed[k] != desired[k])
    return describe_key_changes(what, added, changed, [])


def exact_labels_reason(desired, observed, what="labels"):
    desired = desired or {}
    observed = observed or {}
    added = sorted(k for k in desired if k not in observed)
    changed = sorted(k for k in desired if k in observed and observed[k] != desired[k])
    removed = sorted(k for k in observed if k not in desired)
    return describe_key_changes(what, added, changed, removed)


# -- owner references --------------------------------------------------------------------

def _ref_key(ref):
    return (ref.get("apiVersion"), ref.get("kind"), ref.get("name"), ref.get("uid"))


def owner_references_equal(desired, observed):
    """Same set of owners (apiVersion, kind, name, uid) and each desired ref contained."""
    desired = desired or []
    observed = observed or []
    if len(desired) != len(observed):
        return False
    by_key = dict((_ref_key(ref), ref) for ref in observed)
    for ref in desired:
        theirs = by_key.get(_ref_key(ref))
        if theirs is None or not contains(theirs, ref):
            return False
    return True


# -- environment -------------------------------------------------------------------------

def _spilo_configuration(value):
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return value
    if isinstance(parsed, dict) and isinstance(parsed.get("bootstrap"), dict):
        parsed["bootstrap"].pop("dcs", None)
    return parsed


def spilo_configuration_equal(desired, observed):
    """SPILO_CONFIGURATION values compared as JSON, without ``bootstrap.dcs`` (reference §4.9):
    DCS settings reach Patroni through its REST API, not through a rolling update."""
    if desired == observed:
        return True
    return _spilo_configuration(desired) == _spilo_configuration(observed)


def _env_item_equal(desired, observed):
    if desired.get("name") == SPILO_CONFIGURATION and "value" in desired:
        return set(k for k in observed if k != "value") <= set(["name"]) and spilo_configuration_equal(desired.get("value"), observed.get("value"))
    if is_empty(desired.get("value")) != is_empty(observed.get("value")):
        return False
    if is_empty(desired.get("valueFrom")) != is_empty(observed.get("valueFrom")):
        return False
    return contains(observed, desired)


def env_changes(desired, observed):
    """Names of environment variables that differ (added, removed or changed), in order.

    Never returns values (a manifest ``env`` may hold a literal secret). A pure reordering
    is reported as ``["(order)"]``.
    """
    desired = desired or []
    observed = observed or []
    mine = dict((item.get("name"), item) for item in desired)
    theirs = dict((item.get("name"), item) for item in observed)
    names = []
    for name, item in mine.items():
        if name not in theirs or not _env_item_equal(item, theirs[name]):
            names.append(name)
    for name in theirs:
        if name not in mine:
            names.append(name)
    if not names and [i.get("name") for i in desired] != [i.get("name") for i in observed]:
        names.append("(order)")
    return names


# -- services ----------------------------------------------------------------------------

def source_ranges_equal(desired, observed):
    """``loadBalancerSourceRanges`` compared as sets (order-insensitive)."""
    return sorted(set(desired or [])) == sorted(set(observed or []))
