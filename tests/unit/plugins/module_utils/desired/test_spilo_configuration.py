# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SPILO_CONFIGURATION builder (reference §2.5, §4.9; upstream TestGenerateSpiloJSONConfiguration)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from types import SimpleNamespace

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.spilo_configuration import (
    build_spilo_configuration,
    float32_text,
    go_json,
    initdb_options,
    split_parameters,
    strip_bootstrap_dcs,
)
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


def test_golden_default_without_pgversion_env():
    # the upstream unit test's configuration: PGVERSION disabled, no failsafe setting at all
    cfg = SimpleNamespace(enable_pgversion_env_var=False, enable_patroni_failsafe_mode=None)
    cluster = make_cluster(postgresql={"version": "18"})
    assert build_spilo_configuration(cluster, cfg) == (
        '{"postgresql":{"bin_dir":"/usr/lib/postgresql/18/bin"},'
        '"bootstrap":{"initdb":[{"auth-host":"scram-sha-256"},{"auth-local":"trust"}],"dcs":{}}}')


def test_default_configuration_writes_failsafe_false_and_no_bin_dir():
    # a real configuration always has enable_patroni_failsafe_mode (default false), like upstream's
    assert build_spilo_configuration(make_cluster(), make_cfg()) == (
        '{"postgresql":{},"bootstrap":{"initdb":[{"auth-host":"scram-sha-256"},{"auth-local":"trust"}],'
        '"dcs":{"failsafe_mode":false}}}')


def test_full_patroni_section():
    cluster = make_cluster(
        postgresql={"version": "17", "parameters": {"max_connections": "100", "shared_buffers": "1GB", "wal_level": "logical",
                                                    "log_destination": "csvlog"}},
        patroni={
            "initdb": {"encoding": "UTF8", "locale": "en_US.UTF-8", "data-checksums": "true"},
            "pg_hba": ["hostssl all all 0.0.0.0/0 md5", "host    all all 0.0.0.0/0 md5"],
            "ttl": 30, "loop_wait": 10, "retry_timeout": 10, "maximum_lag_on_failover": 33554432,
            "synchronous_mode": True, "synchronous_mode_strict": True, "synchronous_node_count": 1,
            "slots": {"permanent_logical_1": {"type": "logical", "database": "foo", "plugin": "pgoutput"}},
            "failsafe_mode": True,
        })
    cfg = make_cfg(enable_pgversion_env_var=False)
    assert build_spilo_configuration(cluster, cfg) == (
        '{"postgresql":{"bin_dir":"/usr/lib/postgresql/17/bin","parameters":{"log_destination":"csvlog","shared_buffers":"1GB"},'
        '"pg_hba":["hostssl all all 0.0.0.0/0 md5","host    all all 0.0.0.0/0 md5"]},'
        '"bootstrap":{"initdb":[{"auth-host":"scram-sha-256"},{"auth-local":"trust"},"data-checksums",{"encoding":"UTF8"},{"locale":"en_US.UTF-8"}],'
        '"dcs":{"ttl":30,"loop_wait":10,"retry_timeout":10,"maximum_lag_on_failover":33554432,"synchronous_mode":true,'
        '"synchronous_mode_strict":true,"synchronous_node_count":1,'
        '"postgresql":{"parameters":{"max_connections":"100","wal_level":"logical"}},'
        '"slots":{"permanent_logical_1":{"database":"foo","plugin":"pgoutput","type":"logical"}},"failsafe_mode":true}}}')


@pytest.mark.parametrize("cfg_value, manifest_value, expected", [
    (True, None, True),
    (False, None, False),
    (True, False, False),
    (False, True, True),
])
def test_failsafe_mode_manifest_over_config(cfg_value, manifest_value, expected):
    patroni = {} if manifest_value is None else {"failsafe_mode": manifest_value}
    value = json.loads(build_spilo_configuration(make_cluster(patroni=patroni), make_cfg(enable_patroni_failsafe_mode=cfg_value)))
    assert value["bootstrap"]["dcs"]["failsafe_mode"] is expected


def test_zero_and_false_dcs_fields_are_left_out():
    cluster = make_cluster(patroni={"ttl": 0, "loop_wait": 0, "synchronous_mode": False, "synchronous_mode_strict": False,
                                    "synchronous_node_count": 0, "maximum_lag_on_failover": 0})
    value = json.loads(build_spilo_configuration(cluster, make_cfg()))
    assert value["bootstrap"]["dcs"] == {"failsafe_mode": False}


def test_parameter_split():
    local, dcs = split_parameters({"shared_preload_libraries": "bg_mon", "bg_mon.listen_address": "::", "work_mem": "4MB",
                                   "archive_command": "x", "max_wal_senders": "10"})
    assert local == {"archive_command": "x", "bg_mon.listen_address": "::", "shared_preload_libraries": "bg_mon"}
    assert dcs == {"max_wal_senders": "10", "work_mem": "4MB"}
    assert list(local) == sorted(local)


def test_initdb_overrides_defaults_and_adds_flags_in_sorted_order():
    options = initdb_options({"auth-host": "md5", "no-locale": "true", "debug": "false", "encoding": "UTF8"})
    assert options == [{"auth-host": "md5"}, {"auth-local": "trust"}, {"debug": "false"}, {"encoding": "UTF8"}, "no-locale"]


def test_go_json_escapes_html_characters_like_go():
    assert go_json({"b": "<a&b>", "a": [1, True, None]}) == '{"b":"\\u003ca\\u0026b\\u003e","a":[1,true,null]}'
    assert go_json("caf\u00e9") == '"caf\u00e9"'


@pytest.mark.parametrize("number, text", [(33554432, "33554432"), (16777217, "16777216"), (0.5, "0.5"), (1e22, "1e+22")])
def test_float32_rendering(number, text):
    assert float32_text(number) == text


def test_strip_bootstrap_dcs_ignores_the_dcs_part():
    first = build_spilo_configuration(make_cluster(patroni={"ttl": 30}), make_cfg())
    second = build_spilo_configuration(make_cluster(patroni={"ttl": 20}), make_cfg())
    assert first != second
    assert strip_bootstrap_dcs(first) == strip_bootstrap_dcs(second)
    assert strip_bootstrap_dcs("not json") == "not json"


def test_local_change_is_not_stripped():
    first = build_spilo_configuration(make_cluster(postgresql={"version": "17", "parameters": {"shared_buffers": "1GB"}}), make_cfg())
    second = build_spilo_configuration(make_cluster(postgresql={"version": "17", "parameters": {"shared_buffers": "2GB"}}), make_cfg())
    assert strip_bootstrap_dcs(first) != strip_bootstrap_dcs(second)
