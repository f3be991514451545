# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers shared by the per-kind planners: object identity, metadata access and the
body of a full replacement (PUT) that keeps what the server or other writers own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import annotation_excluded


def meta(obj):
    return (obj or {}).get("metadata") or {}


def identity(obj, default_namespace="default"):
    """``(kind, namespace, name)`` of an object dict."""
    metadata = meta(obj)
    return (obj.get("kind"), metadata.get("namespace") or default_namespace, metadata.get("name"))


def annotations(obj):
    return meta(obj).get("annotations") or {}


def labels(obj):
    return meta(obj).get("labels") or {}


def owner_references(obj):
    return meta(obj).get("ownerReferences") or []


def carry_over_metadata(body_metadata, observed_metadata, cfg):
    """Keep, in a replacement's metadata, what we do not own: excluded annotations
    (``ignored_annotations``, system ones) and labels other tools added."""
    observed_metadata = observed_metadata or {}
    kept = dict((k, v) for k, v in (observed_metadata.get("annotations") or {}).items()
                if annotation_excluded(k, cfg) and k not in (body_metadata.get("annotations") or {}))
    if kept:
        body_metadata["annotations"] = dict(body_metadata.get("annotations") or {}, **kept)
    extra = dict((k, v) for k, v in (observed_metadata.get("labels") or {}).items() if k not in (body_metadata.get("labels") or {}))
    if extra:
        body_metadata["labels"] = dict(body_metadata.get("labels") or {}, **extra)
    return body_metadata


def replacement_body(desired, observed, cfg, keep_resource_version=True):
    """A full object for PUT: the desired object, ``resourceVersion`` of the observed one
    (optimistic concurrency), plus the observed metadata we do not own."""
    body = copy.deepcopy(desired)
    metadata = body.setdefault("metadata", {})
    carry_over_metadata(metadata, meta(observed), cfg)
    if keep_resource_version and meta(observed).get("resourceVersion"):
        metadata["resourceVersion"] = meta(observed)["resourceVersion"]
    return body
