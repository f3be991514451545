"""Secrets (reference §4.5): existing data is authoritative; nothing secret in reasons or summaries."""

import base64

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import Plan
from ansible_collections.pgkube.operator.plugins.module_utils.plan.secret import plan_secret

NAME = "foo-user.acid-test.credentials.postgresql.acid.zalan.do"
PASSWORD = "s3cr3tPassw0rdValue"


def b64(value):
    return base64.b64encode(value.encode()).decode()


def secret(t, password=PASSWORD, labels=None, string_data=False):
    data = {"username": "foo_user", "password": password}
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": NAME, "namespace": t.NS, "labels": dict(labels or t.OBJECT_LABELS), "ownerReferences": [dict(t.OWNER)]},
    }
    if string_data:
        obj["stringData"] = data
    else:
        obj["data"] = dict((k, b64(v)) for k, v in data.items())
    return obj


def test_missing_secret_is_created(t):
    actions = plan_secret(secret(t), None, t.cfg())
    assert [a.action for a in actions] == ["create"]
    assert PASSWORD not in repr(actions) and b64(PASSWORD) not in repr(actions)
    assert actions[0].redacted()["body"]["data"] == {"username": "<redacted>", "password": "<redacted>"}


def test_existing_secret_password_is_never_rewritten(t):
    observed = t.server(secret(t, password="chosen-by-the-user"))
    assert plan_secret(secret(t), observed, t.cfg()) == []


def test_same_secret_with_string_data_is_noop(t):
    assert plan_secret(secret(t, string_data=True), t.server(secret(t, string_data=True)), t.cfg()) == []


def test_infrastructure_role_secret_data_is_overwritten_without_leaking(t):
    observed = t.server(secret(t, password="old-password-value"))
    actions = plan_secret(secret(t), observed, t.cfg(), overwrite_data="infrastructure role")
    assert [a.action for a in actions] == ["patch"]
    assert actions[0].patch == {"data": {"password": b64(PASSWORD)}}
    assert actions[0].reason == "keys password changed (infrastructure role): patched"
    plan = Plan(actions)
    shown = repr(plan) + repr(plan.summary()) + repr(actions[0].redacted())
    for secret_value in (PASSWORD, b64(PASSWORD), "old-password-value", b64("old-password-value")):
        assert secret_value not in shown


def test_rotation_with_string_data_patches_changed_keys(t):
    observed = t.server(secret(t, password="old"))
    desired = secret(t, string_data=True)
    desired["stringData"]["nextRotation"] = "2026-02-01T00:00:00Z"
    actions = plan_secret(desired, observed, t.cfg(), overwrite_data="password rotation")
    assert sorted(actions[0].patch["data"]) == ["nextRotation", "password"]
    assert "keys nextRotation/password changed (password rotation)" in actions[0].reason


def test_label_drift_patches_metadata_only(t):
    observed = t.server(secret(t, password="user-chosen"))
    desired = secret(t, labels=dict(t.OBJECT_LABELS, environment="test"))
    actions = plan_secret(desired, observed, t.cfg())
    assert actions[0].patch == {"metadata": {"labels": {"environment": "test"}}}
    assert "data" not in actions[0].patch


def test_annotation_drift_patches_metadata_only(t):
    observed = t.server(secret(t, password="user-chosen"))
    desired = secret(t)
    desired["metadata"]["annotations"] = {"owner": "team-db"}
    actions = plan_secret(desired, observed, t.cfg())
    assert actions[0].patch == {"metadata": {"annotations": {"owner": "team-db"}}}
