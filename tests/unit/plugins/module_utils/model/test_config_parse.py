# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ConfigMap string syntax: booleans, integers, durations, lists, maps, special values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model import config_parse as cp


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("TRUE", True), ("True", True), (" false ", False), ("FaLsE", False), ("1", True), ("0", False),
    (True, True), (False, False),
])
def test_bool(text, expected):
    assert cp.parse_bool("k", text) is expected


@pytest.mark.parametrize("text", ["yes", "", "on", 1, None])
def test_bool_invalid(text):
    with pytest.raises(ConfigurationError) as err:
        cp.parse_bool("enable_shm_volume", text)
    assert str(err.value).startswith("enable_shm_volume: must be a boolean")


@pytest.mark.parametrize("text, expected", [("8", 8), ("-1", -1), (" 42 ", 42), (7, 7), (3.0, 3)])
def test_int(text, expected):
    assert cp.parse_int("k", text) == expected


def test_int_invalid_names_key_and_value():
    with pytest.raises(ConfigurationError) as err:
        cp.parse_int("workers", "abc")
    assert str(err.value) == 'workers: must be an integer, got "abc"'
    assert err.value.path == "workers"
    for bad in ("1.5", True, "8 workers", ""):
        with pytest.raises(ConfigurationError):
            cp.parse_int("workers", bad)


@pytest.mark.parametrize("text, seconds", [
    ("30m", 1800), ("1h30m", 5400), ("10s", 10), ("5m", 300), ("2h", 7200), ("1h0m30s", 3630), ("0", 0),
    ("1.5h", 5400), ("300", 300), (" 45s ", 45), ("1000ms", 1), (600, 600), ("90000000000ns", 90), ("2000000us", 2),
])
def test_duration(text, seconds):
    value = cp.parse_duration("resync_period", text)
    assert value == seconds
    assert isinstance(value, int)


def test_duration_sub_second_is_a_float():
    assert cp.parse_duration("ready_wait_interval", "500ms") == 0.5
    assert cp.parse_duration("ready_wait_interval", "1s500ms") == 1.5


@pytest.mark.parametrize("text", ["abc", "m", "30x", "1h 30m", "", "-5m", "-3", "30M", True, [1]])
def test_duration_invalid(text):
    with pytest.raises(ConfigurationError) as err:
        cp.parse_duration("resync_period", text)
    assert err.value.path == "resync_period"


def test_list():
    assert cp.parse_list("k", "admin,cron_admin") == ["admin", "cron_admin"]
    assert cp.parse_list("k", " a , b ,, c ") == ["a", "b", "c"]
    assert cp.parse_list("k", "") == []
    assert cp.parse_list("k", ["a", 1]) == ["a", "1"]
    with pytest.raises(ConfigurationError):
        cp.parse_list("k", {"a": "b"})


def test_map_basic():
    assert cp.parse_map("cluster_labels", "application:spilo") == {"application": "spilo"}
    assert cp.parse_map("k", "a:1, b : 2 ,") == {"a": "1", "b": "2"}
    assert cp.parse_map("k", "") == {}
    assert cp.parse_map("k", {"a": 1, "b": True}) == {"a": "1", "b": "true"}


def test_map_value_keeps_colons_after_the_first():
    assert cp.parse_map("k", "url:https://example.com:8443/x,b:c") == {"url": "https://example.com:8443/x", "b": "c"}


def test_map_quoted_commas_are_preserved():
    text = "keyx:valuez,keya:'value,with,commas',keyb:\"double,quoted\""
    assert cp.parse_map("custom_service_annotations", text) == {
        "keyx": "valuez", "keya": "value,with,commas", "keyb": "double,quoted",
    }


def test_map_quote_of_the_other_kind_is_literal():
    assert cp.parse_map("k", "a:\"it's,fine\",b:x") == {"a": "it's,fine", "b": "x"}


def test_map_inner_quotes_are_kept():
    assert cp.parse_map("k", "search_path:'\"$user\",public'") == {"search_path": '"$user",public'}
    assert cp.parse_map("k", "a:x'y,z'w") == {"a": "x'y,z'w"}


def test_map_no_escapes():
    # a backslash does not escape the quote: the quote still opens a quoted part
    assert cp.parse_map("k", "a:x\\'y,b:z'") == {"a": "x\\'y,b:z'"}


@pytest.mark.parametrize("text", ["novalue", "a:1,broken", ":x"])
def test_map_invalid(text):
    with pytest.raises(ConfigurationError) as err:
        cp.parse_map("team_api_role_configuration", text)
    assert str(err.value).startswith("team_api_role_configuration: ")


def test_namespaced_name():
    assert cp.parse_namespaced_name("k", "default/my-config") == "default/my-config"
    assert cp.parse_namespaced_name("k", " my-config ") == "my-config"
    assert cp.split_namespaced_name("default/my-config", "op") == ("default", "my-config")
    assert cp.split_namespaced_name("my-config", "op") == ("op", "my-config")
    assert cp.split_namespaced_name("", "op") is None
    for bad in ("a/b/c", "/x", "x/", 3):
        with pytest.raises(ConfigurationError):
            cp.parse_namespaced_name("pod_environment_configmap", bad)


def test_pvc_retention_policy():
    assert cp.parse_pvc_retention_policy("k", "when_deleted:retain,when_scaled:retain") == {"when_deleted": "retain", "when_scaled": "retain"}
    assert cp.parse_pvc_retention_policy("k", "when_scaled:Delete") == {"when_deleted": "retain", "when_scaled": "delete"}
    assert cp.parse_pvc_retention_policy("k", {"when_deleted": "delete"}) == {"when_deleted": "delete", "when_scaled": "retain"}
    with pytest.raises(ConfigurationError) as err:
        cp.parse_pvc_retention_policy("persistent_volume_claim_retention_policy", "when_deleted:keep")
    assert err.value.path == "persistent_volume_claim_retention_policy.when_deleted"
    with pytest.raises(ConfigurationError):
        cp.parse_pvc_retention_policy("persistent_volume_claim_retention_policy", "when_moved:retain")


def test_infrastructure_roles_configmap_definition():
    warnings = []
    text = "secretname:postgresql-infrastructure-roles-new,userkey:user,passwordkey:password,rolekey:inrole," \
           "defaultuservalue:robot,defaultrolevalue:robot_zmon"
    assert cp.parse_infrastructure_roles_cm("infrastructure_roles_secrets", text, warnings) == [{
        "secretname": "postgresql-infrastructure-roles-new", "userkey": "user", "passwordkey": "password",
        "rolekey": "inrole", "defaultuservalue": "robot", "defaultrolevalue": "robot_zmon",
    }]
    assert warnings == []


def test_infrastructure_roles_configmap_incomplete_or_unknown():
    warnings = []
    assert cp.parse_infrastructure_roles_cm("infrastructure_roles_secrets", "secretname:x,userkey:u", warnings) == []
    assert "passwordkey" in warnings[0]
    warnings = []
    result = cp.parse_infrastructure_roles_cm("irs", "secretname:x,userkey:u,passwordkey:p,colour:red", warnings)
    assert result == [{"secretname": "x", "userkey": "u", "passwordkey": "p"}]
    assert warnings == ['irs: unknown field "colour" ignored']
    assert cp.parse_infrastructure_roles_cm("irs", "", []) == []
    with pytest.raises(ConfigurationError):
        cp.parse_infrastructure_roles_cm("irs", "secretname", [])


def test_infrastructure_roles_crd_keeps_four_fields():
    warnings = []
    value = [{"secretname": "s", "userkey": "u", "passwordkey": "p", "rolekey": "r", "defaultrolevalue": "x", "details": "y"}]
    assert cp.parse_infrastructure_roles_crd("configuration.kubernetes.infrastructure_roles_secrets", value, warnings) == [
        {"secretname": "s", "userkey": "u", "passwordkey": "p", "rolekey": "r"}]
    assert "defaultrolevalue, details" in warnings[0]
    with pytest.raises(ConfigurationError):
        cp.parse_infrastructure_roles_crd("x", ["not-an-object"], [])


def test_sidecars_and_liveness_probe():
    assert cp.parse_sidecars("sidecars", [{"name": "a", "image": "b"}]) == [{"name": "a", "image": "b"}]
    with pytest.raises(ConfigurationError) as err:
        cp.parse_sidecars("configuration.sidecars", [{"image": "b"}])
    assert err.value.path == "configuration.sidecars[0].name"
    assert cp.parse_liveness_probe("p", None) is None
    with pytest.raises(ConfigurationError):
        cp.parse_liveness_probe("p", "httpGet")


@pytest.mark.parametrize("call,value,path", [
    (cp.parse_sidecars, [{"name": "a", "image": "b", "env": [{"value": "x"}]}], "configuration.x[0].env[0].name"),
    (cp.parse_sidecars, [{"name": "a", "image": "b", "env": ["str"]}], "configuration.x[0].env[0]"),
    (cp.parse_sidecars, [{"name": "a", "ports": [{"containerPort": "80"}]}], "configuration.x[0].ports[0].containerPort"),
    (cp.parse_liveness_probe, {"httpGet": {"path": "/"}}, "configuration.x.httpGet.port"),
])
def test_embedded_kubernetes_objects_of_the_configuration_are_checked(call, value, path):
    with pytest.raises(ConfigurationError) as err:
        call("configuration.x", value)
    assert err.value.path == path


def test_split_outside_quotes():
    assert cp.split_outside_quotes("a,'b,c',d") == ["a", "'b,c'", "d"]
    assert cp.split_outside_quotes("") == [""]
