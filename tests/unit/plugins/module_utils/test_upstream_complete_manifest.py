# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A manifest of the shape of the Zalando operator's complete example is accepted (tls.secretName ""
means no TLS, as upstream), and messages about secret-named fields are not garbled by the masking."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.pgkube.operator.plugins.module_utils import status as st
from ansible_collections.pgkube.operator.plugins.module_utils.desired.cluster import build_cluster
from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_manifest

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "upstream-complete-manifest.yaml")


def load():
    with open(FIXTURE) as handle:
        return yaml.safe_load(handle)


def test_upstream_complete_manifest_is_accepted_without_tls():
    cluster = ClusterSpec.from_manifest(load())
    assert cluster.spec["tls"] is None
    objects = build_cluster(cluster, make_cfg()).objects
    sts = [o for o in objects if o["kind"] == "StatefulSet"][0]
    env = dict((e["name"], e) for e in sts["spec"]["template"]["spec"]["containers"][0]["env"])
    assert "SSL_CERTIFICATE_FILE" not in env
    assert not [v for v in sts["spec"]["template"]["spec"].get("volumes") or [] if v["name"] == "tls-secret"]


def test_a_tls_section_with_a_secret_still_works():
    cluster = ClusterSpec.from_manifest(make_manifest(tls={"secretName": "tls-secret", "caSecretName": ""}))
    assert cluster.spec["tls"]["secretName"] == "tls-secret"


def test_messages_about_secret_named_fields_keep_their_words():
    for text in ("spec.tls.secretName: must not be empty",
                 "Invalid manifest: spec.clone.s3_secret_access_key: must be a string, got an integer (5)",
                 "spec.env[0].valueFrom.secretKeyRef.key: is required",
                 "configuration.kubernetes.oauth_token_secret_name: must be a string",
                 "spec.preparedDatabases.db.secretNamespace: must be a string"):
        assert st.safe_message(text) == text
        assert st.safe_message(st.safe_message(text)) == text
    error = ValidationError("spec.tls.secretName", "must not be empty")
    assert st.safe_message(error) == "spec.tls.secretName: must not be empty"


def test_secret_values_are_still_masked():
    for text, secret in (('{"password": "hunter2"}', "hunter2"), ("password=hunter2", "hunter2"), ("password: hunter2", "hunter2"),
                         ("PGPASSWORD_SUPERUSER=abc123", "abc123"), ("token: abc123", "abc123"), ("{'api_key': 'abc123'}", "abc123"),
                         ("postgres://admin:s3cr3t@host/db", "s3cr3t"), ("s3_secret_access_key=AKIAXYZ", "AKIAXYZ")):
        assert secret not in st.safe_message(text), text


def test_watcher_logs_mask_the_same_way():
    from pgkube_watcher.logs import redact_text
    assert redact_text("acid/x invalid: spec.tls.secretName: must not be empty") == "acid/x invalid: spec.tls.secretName: must not be empty"
    assert "hunter2" not in redact_text('password=hunter2 {"data": {"password": "aHVudGVyMg=="}}')
