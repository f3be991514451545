"""Node events (reference §5.10): upstream's readiness rule, the clusters queued, masters named."""

import logging
import os
import sys

WATCHER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig
from pgkube_watcher.controller import Controller, node_ready


def node(name="n1", unschedulable=False, labels=None):
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {"unschedulable": unschedulable} if unschedulable else {}}


def pod(name, cluster, role, node_name, namespace="ns"):
    return {"metadata": {"name": name, "namespace": namespace, "labels": {"cluster-name": cluster, "spilo-role": role}},
            "spec": {"nodeName": node_name}}


class Pods:
    def __init__(self, pods):
        self.pods = pods

    def items(self):
        return list(self.pods)


class Queue:
    def __init__(self):
        self.keys = []

    def add(self, key):
        self.keys.append(key)


class Config:
    def __init__(self, cfg):
        self.cfg = cfg

    def current(self):
        return self.cfg


def controller(pods, cfg=None):
    ctl = Controller(Queue(), engine=None, config=Config(cfg or OperatorConfig.defaults()))
    ctl.pod_informers.append(Pods(pods))
    return ctl


def test_node_readiness_is_upstreams_rule():
    assert node_ready(node())
    assert not node_ready(node(unschedulable=True))
    assert node_ready(node(unschedulable=True, labels={"master": "true"}))
    ready_label = {"lifecycle-status": "ready"}
    assert node_ready(node(unschedulable=True, labels={"lifecycle-status": "ready"}), ready_label)
    assert not node_ready(node(unschedulable=True, labels={"lifecycle-status": "retiring"}), ready_label)
    assert not node_ready(node(unschedulable=True), {})


def test_drained_node_queues_its_clusters_and_names_the_masters(caplog):
    pods = [pod("acid-a-0", "acid-a", "master", "n1"), pod("acid-a-1", "acid-a", "replica", "n2"),
            pod("acid-b-1", "acid-b", "replica", "n1"), pod("acid-c-0", "acid-c", "master", "n2")]
    ctl = controller(pods)
    caplog.set_level(logging.INFO, logger="pgkube.controller")
    ctl.node_event("MODIFIED", node(unschedulable=True), node())
    assert ctl.queue.keys == ["ns/acid-a", "ns/acid-b"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "ns/acid-a-0" in warnings[0] and "acid-c" not in warnings[0] and "switch over" in warnings[0]


def test_only_the_transition_counts():
    ctl = controller([pod("acid-a-0", "acid-a", "master", "n1")])
    ctl.node_event("MODIFIED", node(unschedulable=True), node(unschedulable=True))   # was already not ready
    ctl.node_event("MODIFIED", node(), node(unschedulable=True))                     # became ready again
    ctl.node_event("DELETED", node(unschedulable=True), None)
    assert ctl.queue.keys == []
    ctl.node_event("ADDED", node(unschedulable=True), None)                          # added not ready
    assert ctl.queue.keys == ["ns/acid-a"]


def test_readiness_label_keeps_a_cordoned_node_ready():
    cfg = OperatorConfig.from_configmap({"node_readiness_label": "lifecycle-status:ready"})
    ctl = controller([pod("acid-a-0", "acid-a", "master", "n1")], cfg)
    ctl.node_event("MODIFIED", node(unschedulable=True, labels={"lifecycle-status": "ready"}), node())
    assert ctl.queue.keys == []
