"""Action and Plan: validation, summaries and secret safety."""

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.plan.actions import Action, Plan

VALUE = "cGFzc3dvcmQtdmFsdWU="


def test_unknown_action_and_missing_reason_are_refused():
    with pytest.raises(ValueError):
        Action("Service", "ns", "n", "upsert", "because")
    with pytest.raises(ValueError):
        Action("Service", "ns", "n", "create", "")


def test_summary_has_exactly_the_safe_keys():
    action = Action("Secret", "ns", "s", "patch", "keys password changed (infrastructure role): patched", patch={"data": {"password": VALUE}})
    assert action.summary() == {"kind": "Secret", "name": "s", "namespace": "ns", "action": "patch",
                                "reason": "keys password changed (infrastructure role): patched"}
    assert VALUE not in repr(action) and VALUE not in str(action)
    assert action.redacted()["patch"] == {"data": {"password": "<redacted>"}}
    assert action.patch == {"data": {"password": VALUE}}


def test_redaction_covers_string_data_and_leaves_other_kinds_alone():
    secret = Action("Secret", "ns", "s", "create", "created", body={"metadata": {"name": "s"}, "stringData": {"password": "pw"}})
    assert secret.redacted()["body"]["stringData"] == {"password": "<redacted>"}
    config = Action("ConfigMap", "ns", "c", "create", "created", body={"data": {"k": "v"}})
    assert config.redacted()["body"]["data"] == {"k": "v"}


def test_plan_changed_and_summary():
    plan = Plan()
    assert not plan.changed and plan.summary() == [] and len(plan) == 0
    plan.add(Action("Pod", "ns", "sts", "flag_rolling_update", "image changed: pods need a rolling update", pods=["sts-0"]))
    assert plan.changed
    assert plan.summary()[0]["action"] == "flag_rolling_update"
    assert plan.actions[0].redacted()["pods"] == ["sts-0"]
    other = Plan(notes=["kept"], rolling_update_pods=["sts-0", "sts-1"])
    plan.merge(other)
    assert plan.notes == ["kept"] and plan.rolling_update_pods == ["sts-0", "sts-1"]
