"""Literal test objects for the planner tests: desired objects as builders produce them, and
``server_view`` that returns an object the way the API server would (defaults added)."""

import copy
from types import SimpleNamespace

import pytest

from ansible_collections.pgkube.operator.tests.unit import builders

NS = "default"
C = "acid-test"
SPILO = "ghcr.io/zalando/spilo-17:4.0-p2"
SPILO_CONFIGURATION = (
    '{"postgresql":{"parameters":{"shared_buffers":"128MB"}},'
    '"bootstrap":{"initdb":[{"auth-host":"scram-sha-256"},{"auth-local":"trust"}],'
    '"dcs":{"ttl":30,"postgresql":{"parameters":{"max_connections":"100"}}}}}'
)
SELECTOR = {"application": "spilo", "cluster-name": C}
OBJECT_LABELS = dict(SELECTOR, team="acid")
OWNER = {"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "name": C, "uid": "c0ffee00-0000-0000-0000-000000000001", "controller": True}


def make_cfg(**overrides):
    """An OperatorConfig with the documented defaults and ``overrides`` (flat ConfigMap keys); ``from_dict`` also when empty."""
    return builders.make_cfg(empty_gives_defaults=False, **overrides)


def desired_statefulset():
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": C, "namespace": NS, "labels": dict(OBJECT_LABELS), "annotations": {}, "ownerReferences": [dict(OWNER)]},
        "spec": {
            "replicas": 2,
            "serviceName": C,
            "selector": {"matchLabels": dict(SELECTOR)},
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "OnDelete"},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {
                "metadata": {"labels": dict(OBJECT_LABELS), "annotations": {"prometheus.io/scrape": "true"}},
                "spec": {
                    "serviceAccountName": "postgres-pod",
                    "terminationGracePeriodSeconds": 300,
                    "securityContext": {"fsGroup": 103},
                    "tolerations": [{"key": "postgres", "operator": "Exists", "effect": "NoSchedule"}],
                    "containers": [{
                        "name": "postgres",
                        "image": SPILO,
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"containerPort": 8008}, {"containerPort": 5432}, {"containerPort": 8080}],
                        "resources": {"requests": {"cpu": "0.5", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                        "env": [
                            {"name": "SCOPE", "value": C},
                            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                            {"name": "PGPASSWORD_SUPERUSER", "valueFrom": {"secretKeyRef": {
                                "name": "postgres.%s.credentials.postgresql.acid.zalan.do" % C, "key": "password"}}},
                            {"name": "WAL_BUCKET_SCOPE_PREFIX", "value": ""},
                            {"name": "SPILO_CONFIGURATION", "value": SPILO_CONFIGURATION},
                        ],
                        "volumeMounts": [{"name": "pgdata", "mountPath": "/home/postgres/pgdata"},
                                         {"name": "dshm", "mountPath": "/dev/shm"}],
                        "securityContext": {"allowPrivilegeEscalation": True, "privileged": False, "readOnlyRootFilesystem": False},
                        "readinessProbe": {"httpGet": {"path": "/readiness", "port": 8008}, "initialDelaySeconds": 6},
                    }],
                    "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}}],
                },
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "pgdata", "labels": dict(OBJECT_LABELS), "annotations": {}},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "volumeMode": "Filesystem"},
            }],
        },
    }


def _server_metadata(metadata, uid="11111111-2222-3333-4444-555555555555"):
    metadata.setdefault("namespace", NS)
    metadata["uid"] = uid
    metadata["resourceVersion"] = "4711"
    metadata["generation"] = 3
    metadata["creationTimestamp"] = "2026-01-01T00:00:00Z"
    metadata["managedFields"] = [{"manager": "pgkube", "operation": "Update", "apiVersion": "v1"}]
    for key in ("annotations", "labels", "ownerReferences"):
        if metadata.get(key) in ({}, []):
            del metadata[key]


CANONICAL = {"0.5": "500m", "1": "1", "1e3": "1k", "0.1": "100m"}


def _canonical_resources(resources):
    for section in ("requests", "limits"):
        for key, value in list((resources.get(section) or {}).items()):
            resources[section][key] = CANONICAL.get(value, value)


def _server_container(container):
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    _canonical_resources(container["resources"])
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for item in container.get("env") or []:
        if item.get("value") == "":
            del item["value"]
        field_ref = (item.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")
    for probe in ("readinessProbe", "livenessProbe"):
        if container.get(probe):
            p = container[probe]
            p.setdefault("timeoutSeconds", 1)
            p.setdefault("periodSeconds", 10)
            p.setdefault("successThreshold", 1)
            p.setdefault("failureThreshold", 3)
            if "httpGet" in p:
                p["httpGet"].setdefault("scheme", "HTTP")


def server_view(obj):
    """``obj`` as the API server returns it after a create: defaults and server fields added."""
    obj = copy.deepcopy(obj)
    _server_metadata(obj.setdefault("metadata", {}))
    kind = obj.get("kind")
    if kind == "StatefulSet":
        spec = obj["spec"]
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
        tmeta = spec["template"].setdefault("metadata", {})
        tmeta["creationTimestamp"] = None
        if tmeta.get("annotations") == {}:
            del tmeta["annotations"]
        pod = spec["template"]["spec"]
        pod.setdefault("restartPolicy", "Always")
        pod.setdefault("dnsPolicy", "ClusterFirst")
        pod.setdefault("schedulerName", "default-scheduler")
        pod.setdefault("securityContext", {})
        pod.setdefault("terminationGracePeriodSeconds", 30)
        if pod.get("serviceAccountName"):
            pod["serviceAccount"] = pod["serviceAccountName"]
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            _server_container(container)
        for volume in pod.get("volumes") or []:
            if "emptyDir" in volume:
                volume["emptyDir"].setdefault("medium", "")
        for vct in spec.get("volumeClaimTemplates") or []:
            vct["apiVersion"] = "v1"
            vct["kind"] = "PersistentVolumeClaim"
            vct["metadata"]["creationTimestamp"] = None
            if vct["metadata"].get("annotations") == {}:
                del vct["metadata"]["annotations"]
            vct["status"] = {"phase": "Pending"}
        obj["status"] = {"replicas": spec.get("replicas"), "readyReplicas": spec.get("replicas"), "observedGeneration": 3}
    elif kind == "Service":
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("clusterIP", "10.96.0.42")
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        for index, port in enumerate(spec.get("ports") or []):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
            if spec["type"] in ("NodePort", "LoadBalancer"):
                port.setdefault("nodePort", 30000 + index)
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["type"] == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        obj["status"] = {"loadBalancer": {}}
    elif kind == "PodDisruptionBudget":
        obj["status"] = {"currentHealthy": 1, "desiredHealthy": 1, "disruptionsAllowed": 0, "expectedPods": 1, "observedGeneration": 1}
    elif kind == "Secret":
        if "stringData" in obj:
            import base64
            obj.setdefault("data", {})
            for key, value in obj.pop("stringData").items():
                obj["data"][key] = base64.b64encode(value.encode()).decode()
    elif kind == "ServiceAccount":
        obj.setdefault("secrets", [])
    return obj


def make_pod(ordinal, image=SPILO, role="replica", flagged=False, annotations=None):
    pod_annotations = {"prometheus.io/scrape": "true", "status": '{"conn_url":"postgres://10.0.0.1:5432/postgres"}'}
    pod_annotations.update(annotations or {})
    if flagged:
        pod_annotations["zalando-postgres-operator-rolling-update-required"] = "true"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "%s-%d" % (C, ordinal), "namespace": NS, "labels": dict(OBJECT_LABELS, **{"spilo-role": role}),
                     "annotations": pod_annotations},
        "spec": {"containers": [{"name": "postgres", "image": image}]},
        "status": {"phase": "Running"},
    }


@pytest.fixture
def t():
    """Helpers and constants for the planner tests."""
    return SimpleNamespace(NS=NS, C=C, SPILO=SPILO, OWNER=OWNER, OBJECT_LABELS=OBJECT_LABELS, SELECTOR=SELECTOR,
                           SPILO_CONFIGURATION=SPILO_CONFIGURATION, cfg=make_cfg, sts=desired_statefulset,
                           server=server_view, pod=make_pod, deepcopy=copy.deepcopy)
