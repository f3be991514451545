# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The key table: well-formed, typed defaults, and consistent with our OperatorConfiguration CRD."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.pgkube.operator.plugins.module_utils.model import config_keys as ck
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_parse import parse_duration

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
CRD = os.path.join(ROOT, "manifests", "crds", "operatorconfiguration.crd.yaml")

_TYPES = {ck.BOOL: bool, ck.INT: int, ck.DURATION: int, ck.LIST: list, ck.MAP: dict, ck.STR: str, ck.NAMESPACED: str}


def test_table_is_well_formed():
    assert len(ck.KEY_NAMES) == len(set(ck.KEY_NAMES)) == len(ck.CONFIG_KEYS)
    for key in ck.CONFIG_KEYS.values():
        assert key.kind in ck.KINDS, key.name
        assert key.group is None or key.group in ck.GROUPS, key.name
        for default in (key.cm_default, key.crd_default, key.crd_fallback):
            if default is not None and key.kind in _TYPES:
                assert default.__class__ is _TYPES[key.kind], key.name  # exact: a bool is not an int here
    assert ck.SECRET_KEYS == {"logical_backup_s3_access_key_id", "logical_backup_s3_secret_access_key",
                              "logical_backup_azure_storage_account_key", "scalyr_api_key"}
    assert set(ck.ENUMS) <= set(ck.CONFIG_KEYS)
    for name, allowed in ck.ENUMS.items():
        assert ck.CONFIG_KEYS[name].cm_default in allowed


def test_every_group_has_keys():
    for group in ck.GROUPS:
        assert ck.KEYS_BY_GROUP[group], group


# Keys whose CRD default comes from upstream's Go fallback, not from an OpenAPI schema default.
GO_FALLBACK_ONLY = {
    "crd_categories", "node_readiness_label_merge", "persistent_volume_claim_retention_policy", "additional_secret_mount_path",
    "logical_backup_docker_image", "logical_backup_s3_bucket_prefix", "logical_backup_s3_sse", "connection_pooler_image",
}


def _crd_properties():
    if not os.path.exists(CRD):
        pytest.skip("manifests/crds/operatorconfiguration.crd.yaml not present")
    with open(CRD) as handle:
        crd = yaml.safe_load(handle)
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema["properties"]["configuration"]["properties"]


def _flatten(props):
    for name, prop in props.items():
        if name in ck.GROUPS:
            for key, sub in prop.get("properties", {}).items():
                yield name, key, sub
        else:
            yield None, name, prop


def test_crd_schema_keys_match_the_table():
    seen = set()
    for group, key, prop in _flatten(_crd_properties()):
        seen.add(key)
        if key in ck.REMOVED_KEYS:
            continue
        assert key in ck.CONFIG_KEYS, "CRD key %s.%s is not in the table" % (group, key)
        assert ck.CONFIG_KEYS[key].group == group, key
    missing = sorted(k for k, spec in ck.CONFIG_KEYS.items() if k not in seen and not spec.cm_only)
    assert missing == []


def test_crd_schema_defaults_match_crd_defaults():
    for group, key, prop in _flatten(_crd_properties()):
        spec = ck.CONFIG_KEYS.get(key)
        if spec is None:
            continue
        if "default" in prop:
            default = prop["default"]
            if spec.kind == ck.DURATION:
                default = parse_duration(key, default)
            assert default == spec.crd_default, key
        elif key not in GO_FALLBACK_ONLY:
            assert spec.crd_default in ("", None, [], {}, False), key
