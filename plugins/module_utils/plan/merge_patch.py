# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 7386 JSON merge patches limited to the fields a desired object owns.

``merge_patch(observed, desired, cfg)`` returns the smallest merge patch that makes
``observed`` contain ``desired`` (``compare.contains``): keys the desired object sets are
written when they differ (lists as a whole, as RFC 7386 requires); keys only the server
knows are left alone. The one place where a key is removed (set to ``null``) is an
annotation map (``metadata.annotations``, also inside a pod template): annotation keys we
no longer want are deleted, except excluded ones (``ignored_annotations`` and system
prefixes, see ``compare.annotation_excluded``).

``apply_merge_patch`` applies a merge patch (RFC 7386 §2) to a copy of a document.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import (
    annotation_excluded,
    contains,
    is_empty,
)


def _is_annotation_map(path):
    return len(path) >= 2 and path[-1] == "annotations" and path[-2] == "metadata"


def _diff(observed, desired, cfg, path, remove_annotations):
    patch = {}
    observed = observed if isinstance(observed, dict) else {}
    for key, value in desired.items():
        here = path + (key,)
        theirs = observed.get(key)
        if value is None:
            continue
        if isinstance(value, dict) and not is_empty(value):
            if not isinstance(theirs, dict):
                patch[key] = copy.deepcopy(value)
                continue
            sub = _diff(theirs, value, cfg, here, remove_annotations)
            if sub:
                patch[key] = sub
            continue
        if isinstance(value, dict) and _is_annotation_map(here) and remove_annotations:
            sub = _diff(theirs, value, cfg, here, remove_annotations)
            if sub:
                patch[key] = sub
            continue
        if not contains(theirs, value, here):
            patch[key] = copy.deepcopy(value)
    if _is_annotation_map(path) and remove_annotations:
        for key in observed:
            if key not in desired and not annotation_excluded(key, cfg):
                patch[key] = None
    return patch


def merge_patch(observed, desired, cfg=None, remove_annotations=True):
    """Merge patch turning ``observed`` into an object that contains ``desired``; ``{}`` when none is needed."""
    return _diff(observed or {}, desired or {}, cfg, (), remove_annotations)


def apply_merge_patch(target, patch):
    """RFC 7386: apply ``patch`` to a deep copy of ``target`` and return it."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result
