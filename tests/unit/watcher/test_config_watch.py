"""ConfigWatch: a live configuration change, and the keys that only a restart applies."""

import logging
import os
import sys

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from pgkube_watcher.config_watch import START_ONLY_KEYS, ConfigWatch, start_only_changes

ENV = {"CONFIG_MAP_NAME": "postgres-operator", "OPERATOR_NAMESPACE": "ops"}


def configmap(data):
    return {"metadata": {"name": "postgres-operator", "namespace": "ops", "resourceVersion": "7"}, "data": data}


def test_start_only_keys_are_configuration_keys():
    defaults = OperatorConfig.defaults()
    for key in START_ONLY_KEYS:
        assert key in defaults.as_dict(), key


def test_start_only_changes_names_each_changed_key():
    old = OperatorConfig.from_configmap({"workers": "8", "docker_image": "a"})
    new = OperatorConfig.from_configmap({"workers": "4", "docker_image": "b", "watched_namespace": "team-a"})
    changes = start_only_changes(old, new)
    assert [c.split()[0] for c in changes] == ["watched_namespace", "workers"]
    assert "workers 8 -> 4" in changes
    assert start_only_changes(old, OperatorConfig.from_configmap({"workers": "8", "docker_image": "b"})) == []


def test_change_calls_back_and_warns_only_for_start_only_keys(caplog):
    seen = []
    watch = ConfigWatch(http=None, environ=ENV, on_change=lambda new, old: seen.append((new, old)))
    caplog.set_level(logging.INFO, logger="pgkube.config")
    watch._event("ADDED", configmap({"docker_image": "registry/spilo:1"}), None)  # pylint: disable=protected-access
    assert len(seen) == 1 and watch.current().docker_image == "registry/spilo:1"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert watch.wait_synced(0)  # the watcher starts with what was read

    watch._event("MODIFIED", configmap({"docker_image": "registry/spilo:1", "workers": "2"}), None)  # pylint: disable=protected-access
    assert len(seen) == 2 and watch.current().workers == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "workers 8 -> 2" in warnings[0] and "restart" in warnings[0]

    # the same content again: no callback
    watch._event("MODIFIED", configmap({"docker_image": "registry/spilo:1", "workers": "2"}), None)  # pylint: disable=protected-access
    assert len(seen) == 2


def test_invalid_configuration_keeps_the_last_good_one(caplog):
    watch = ConfigWatch(http=None, environ=ENV)
    watch._event("ADDED", configmap({"workers": "3"}), None)  # pylint: disable=protected-access
    watch._event("MODIFIED", configmap({"workers": "many"}), None)  # pylint: disable=protected-access
    assert watch.current().workers == 3
    assert watch.last_error and "workers" in watch.last_error


def test_the_first_read_at_start_is_not_a_change(caplog):
    """At start the built-in defaults are only a placeholder: reading the ConfigMap is no change, so no
    "changed" line and no restart warning for watched_namespace '' -> '*' (issue 12, defect 11)."""
    watch = ConfigWatch(http=None, environ=ENV)
    caplog.set_level(logging.INFO, logger="pgkube.config")
    watch._event("ADDED", configmap({"watched_namespace": "*", "api_port": "9090", "workers": "2"}), None)  # pylint: disable=protected-access
    assert watch.wait_synced(0)
    assert watch.current().api_port == 9090
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if "changed" in r.getMessage()]
    # a real change afterwards still warns, naming only what changed
    watch._event("MODIFIED", configmap({"watched_namespace": "*", "api_port": "9091", "workers": "2"}), None)  # pylint: disable=protected-access
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "api_port 9090 -> 9091" in warnings[0] and "watched_namespace" not in warnings[0]


def test_a_configuration_created_after_the_start_is_a_change(caplog):
    watch = ConfigWatch(http=None, environ=ENV)
    caplog.set_level(logging.INFO, logger="pgkube.config")
    assert watch.wait_synced(0)  # started on the built-in defaults (the ConfigMap did not exist yet)
    watch._event("ADDED", configmap({"workers": "2"}), None)  # pylint: disable=protected-access
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "workers 8 -> 2" in warnings[0]
