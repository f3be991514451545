# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operator's own configuration, watched live (DESIGN §6: no restart needed).

Where it comes from is ``config_location(environ)``: ``POSTGRES_OPERATOR_CONFIGURATION_OBJECT``
(an ``OperatorConfiguration``) wins over ``CONFIG_MAP_NAME`` (a flat ConfigMap); neither means the
built-in defaults. The object is watched with an informer restricted to its name; every change
builds a new ``OperatorConfig`` (environment overrides applied), and when it differs from the
current one ``on_change(new_cfg, old_cfg)`` is called: the watcher then re-queues every cluster.

A configuration that does not parse is logged and ignored (the last good one stays); a deleted
object keeps the last good configuration too. The first read before the watcher starts working
(``wait_synced``) is no change: until then the built-in defaults are only a placeholder.

A few keys shape the watcher itself and are read once at start (``START_ONLY_KEYS``: the watched
namespaces, the number of workers, the resync period, the REST API port, the cluster name label the
child informers select on). A change of one of them is applied to reconciles
where it matters there, and logged as a warning saying the watcher must restart for the rest.
"""

import logging
import os
import threading

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_env import config_location

from pgkube_watcher.informer import Informer
from pgkube_watcher.kubehttp import resource_path

LOG = logging.getLogger("pgkube.config")

START_ONLY_KEYS = ("watched_namespace", "workers", "resync_period", "api_port", "cluster_name_label")


def start_only_changes(old, new):
    """``["workers 8 -> 4", ...]``: the ``START_ONLY_KEYS`` whose value differs between two configs."""
    changes = []
    for key in START_ONLY_KEYS:
        before, after = old.get(key), new.get(key)
        if before != after:
            changes.append("%s %r -> %r" % (key, before, after))
    return changes


def build_config(location, obj, environ):
    """An OperatorConfig from the watched object (None: defaults), environment applied."""
    if obj is None:
        cfg = OperatorConfig.defaults("crd" if location["kind"] == "crd" else "configmap")
    elif location["kind"] == "crd":
        cfg = OperatorConfig.from_crd(obj)
    else:
        cfg = OperatorConfig.from_configmap(obj.get("data") or {})
    return cfg.apply_env(environ)


class ConfigWatch:
    def __init__(self, http, environ=None, on_change=None, default_namespace="default"):
        self.http = http
        self.environ = dict(os.environ if environ is None else environ)
        self.location = config_location(self.environ)
        if self.location.get("kind") != "defaults" and not self.location.get("namespace"):
            self.location["namespace"] = default_namespace
        self.on_change = on_change
        self._lock = threading.Lock()
        self._cfg = build_config(self.location, None, self.environ)
        self.generation = 0
        self.last_error = None
        self.informer = None
        self._in_use = False  # set once the watcher has started with the current configuration

    @property
    def description(self):
        loc = self.location
        if loc["kind"] == "defaults":
            return "built-in defaults"
        what = "OperatorConfiguration" if loc["kind"] == "crd" else "ConfigMap"
        return "%s %s/%s" % (what, loc["namespace"], loc["name"])

    def current(self):
        with self._lock:
            return self._cfg

    def start(self):
        if self.location["kind"] == "defaults":
            LOG.info("configuration: built-in defaults (neither CONFIG_MAP_NAME nor POSTGRES_OPERATOR_CONFIGURATION_OBJECT set)")
            return self
        if self.location["kind"] == "crd":
            path = resource_path("acid.zalan.do/v1", "operatorconfigurations", self.location["namespace"])
        else:
            path = resource_path("v1", "configmaps", self.location["namespace"])
        # poll_name: with only `get` on ConfigMaps (the Zalando ClusterRole in Endpoints mode) the
        # configuration is read every 30 s instead of watched
        self.informer = Informer(self.http, path, "config", handler=self._event,
                                 field_selector="metadata.name=" + self.location["name"],
                                 poll_name=self.location["name"])
        self.informer.start()
        return self

    def wait_synced(self, timeout):
        """Wait for the first read; from then on the watcher uses the configuration, and what differs is a change."""
        if self.informer is None:
            self._in_use = True
            return True
        synced = self.informer.synced.wait(timeout)
        if synced and not self.informer.items():
            LOG.warning("configuration: %s not found; using built-in defaults until it appears", self.description)
        self._in_use = True
        return synced

    def stop(self):
        if self.informer:
            self.informer.stop()

    def _event(self, etype, obj, _old):
        if etype == "DELETED":
            LOG.warning("configuration: %s was deleted; keeping the last configuration", self.description)
            return
        try:
            new = build_config(self.location, obj, self.environ)
        except ConfigurationError as exc:
            self.last_error = str(exc)
            LOG.error("configuration: %s is invalid, keeping the previous one: %s", self.description, exc)
            return
        except Exception as exc:  # pylint: disable=broad-except
            self.last_error = "%s: %s" % (type(exc).__name__, exc)
            LOG.error("configuration: %s could not be read, keeping the previous one: %s", self.description, self.last_error)
            return
        for warning in new.warnings:
            LOG.warning("configuration: %s", warning)
        with self._lock:
            old = self._cfg
            if new == old:
                return
            self._cfg = new
            self.generation += 1
            self.last_error = None
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if not self._in_use:
            LOG.info("configuration: read %s (version %s)", self.description, version)
            if self.on_change is not None:
                self.on_change(new, old)
            return
        LOG.info("configuration: %s changed (version %s)", self.description, version)
        restart = start_only_changes(old, new)
        if restart:
            LOG.warning("configuration: %s: read once at start, the watcher uses the new value after a restart", "; ".join(restart))
        if self.on_change is not None:
            self.on_change(new, old)
