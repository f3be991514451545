"""The PATCH /config a manifest wants, against what Patroni has (recorded from GET /config)."""

from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.patroni.config_patch import MANAGED_KEY, config_patch, desired_dynamic_config

CFG = OperatorConfig.from_dict({})

# what Patroni 4.0.7 answered on GET /config for a cluster of the minimal example
CURRENT = {"loop_wait": 10, "maximum_lag_on_failover": 33554432, "retry_timeout": 10, "ttl": 30, "failsafe_mode": False,
           "postgresql": {"parameters": {"max_connections": "100", "wal_level": "replica", "hot_standby": "on"},
                          "use_pg_rewind": True, "use_slots": True}}


def wanted(spec):
    return desired_dynamic_config(spec, CFG)


def test_same_values_in_other_types_make_no_patch():
    spec = {"postgresql": {"parameters": {"max_connections": "100", "hot_standby": "on", "shared_buffers": "1GB"}},
            "patroni": {"ttl": 30, "loop_wait": 10, "maximum_lag_on_failover": 33554432}}
    assert config_patch(CURRENT, wanted(spec)) == (None, [])


def test_a_changed_parameter_and_ttl_are_patched_and_local_parameters_are_not():
    spec = {"postgresql": {"parameters": {"max_connections": "200", "shared_buffers": "2GB"}}, "patroni": {"ttl": 40}}
    patch, changed = config_patch(CURRENT, wanted(spec))
    assert patch == {"ttl": 40, "postgresql": {"parameters": {"max_connections": "200"}}}
    assert changed == ["ttl", "postgresql.parameters.max_connections"]


def test_parameters_left_out_of_the_manifest_keep_their_value():
    assert config_patch(CURRENT, wanted({})) == (None, [])


def test_slots_of_the_manifest_are_added_changed_and_removed_and_others_kept():
    slot = {"type": "logical", "database": "app", "plugin": "pgoutput"}
    patch, changed = config_patch(CURRENT, wanted({"patroni": {"slots": {"cdc": slot}}}))
    assert patch == {"slots": {"cdc": slot}, MANAGED_KEY: ["cdc"]} and changed == ["slots.cdc"]
    current = dict(CURRENT, slots={"cdc": slot, "by_hand": {"type": "physical"}}, **{MANAGED_KEY: ["cdc"]})
    assert config_patch(current, wanted({"patroni": {"slots": {"cdc": slot}}})) == (None, [])
    patch, changed = config_patch(current, wanted({}))
    assert patch == {"slots": {"cdc": None}, MANAGED_KEY: None} and changed == ["slots.cdc"]


def test_synchronous_mode_pg_hba_and_failsafe():
    spec = {"patroni": {"synchronous_mode": True, "synchronous_node_count": 1, "failsafe_mode": True, "pg_hba": ["local all all trust"]}}
    patch, changed = config_patch(CURRENT, wanted(spec))
    assert patch["synchronous_mode"] is True and patch["failsafe_mode"] is True and patch["synchronous_node_count"] == 1
    assert patch["postgresql"] == {"pg_hba": ["local all all trust"]}
    assert "postgresql.pg_hba" in changed


def test_an_empty_configuration_or_garbage_compares_as_empty():
    patch, changed = config_patch("garbage", wanted({"patroni": {"ttl": 40}}))
    assert patch == {"ttl": 40, "failsafe_mode": False} and changed == ["ttl", "failsafe_mode"]
