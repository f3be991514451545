"""Our CRDs on a real kube-apiserver: what they accept, what they reject, defaults, status."""

import copy
import glob
import os

import pytest
import yaml

from kubernetes import client
from kubernetes.client.exceptions import ApiException

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
EXAMPLES = os.path.join(REPO, "manifests", "examples")
GROUP, VERSION, PLURAL = "acid.zalan.do", "v1", "postgresqls"


def _example_manifests():
    found = []
    for path in sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml"))):
        with open(path) as handle:
            for index, doc in enumerate(yaml.safe_load_all(handle)):
                if isinstance(doc, dict) and doc.get("kind") == "postgresql":
                    found.append(pytest.param(doc, id="%s#%d" % (os.path.basename(path), index)))
    return found


EXAMPLE_PARAMS = _example_manifests()

BASE = {
    "apiVersion": "acid.zalan.do/v1",
    "kind": "postgresql",
    "metadata": {"name": "acid-base"},
    "spec": {
        "teamId": "acid",
        "numberOfInstances": 2,
        "postgresql": {"version": "17", "parameters": {"max_connections": "100"}},
        "volume": {"size": "1Gi", "iops": 3000, "throughput": 125},
        "users": {"zalando": ["superuser", "CREATEDB"], "foo_user": []},
        "databases": {"foo": "zalando"},
        "allowedSourceRanges": ["10.0.0.0/8", "2001:db8::/32", "fe80::1/128"],
        "logicalBackupSchedule": "30 00 * * *",
        "resources": {"requests": {"cpu": "100m", "memory": "100Mi"},
                      "limits": {"cpu": "1.5", "memory": "1e9", "hugepages-2Mi": "0"}},
        "clone": {"cluster": "acid-source", "uid": "efd12e58-5786-11e8-b5a7-06148230260c",
                  "timestamp": "2024-01-31T12:00:00+01:00"},
        "tls": {"secretName": "tls-secret"},
        "connectionPooler": {"numberOfInstances": 2, "mode": "transaction"},
        "tolerations": [{"key": "postgres", "operator": "Exists", "effect": "NoSchedule"}],
        "sidecars": [{"name": "exporter", "image": "exporter:1", "ports": [{"containerPort": 9187}]}],
    },
}


def _postgresql(name, mutate=None):
    body = copy.deepcopy(BASE)
    body["metadata"]["name"] = name
    if mutate:
        mutate(body["spec"])
    return body


def _set(path, value):
    def mutate(spec):
        node = spec
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(spec):
        node = spec
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


INVALID = [
    ("negative-instances", _set(["numberOfInstances"], -1)),
    ("unknown-version", _set(["postgresql", "version"], "13")),
    ("numeric-version", _set(["postgresql", "version"], 17)),
    ("missing-version", _delete(["postgresql", "version"])),
    ("missing-team", _delete(["teamId"])),
    ("missing-volume-size", _delete(["volume", "size"])),
    ("bad-cron-4-fields", _set(["logicalBackupSchedule"], "30 00 * *")),
    ("bad-cron-text", _set(["logicalBackupSchedule"], "every day")),
    ("bad-cidr-v4", _set(["allowedSourceRanges"], ["10.0.0.256/8"])),
    ("bad-cidr-no-prefix", _set(["allowedSourceRanges"], ["10.0.0.1"])),
    ("bad-cidr-v6-prefix", _set(["allowedSourceRanges"], ["2001:db8::/129"])),
    ("bad-cpu", _set(["resources", "requests", "cpu"], "100 m")),
    ("bad-cpu-4-decimals", _set(["resources", "limits", "cpu"], "0.1234")),
    ("bad-memory", _set(["resources", "requests", "memory"], "100MB")),
    ("bad-volume-size", _set(["volume", "size"], "1 Gi")),
    ("iops-too-high", _set(["volume", "iops"], 80001)),
    ("throughput-too-high", _set(["volume", "throughput"], 2001)),
    ("clone-no-cluster", _delete(["clone", "cluster"])),
    ("clone-timestamp-no-offset", _set(["clone", "timestamp"], "2024-01-31T12:00:00")),
    ("clone-timestamp-z", _set(["clone", "timestamp"], "2024-01-31T12:00:00Z")),
    ("clone-uid-not-uuid", _set(["clone", "uid"], "not-a-uuid")),
    ("tls-no-secret", _delete(["tls", "secretName"])),
    ("pooler-zero-instances", _set(["connectionPooler", "numberOfInstances"], 0)),
    ("pooler-bad-mode", _set(["connectionPooler", "mode"], "statement")),
    ("user-bad-flag", _set(["users", "zalando"], ["superuser", "createuser"])),
    ("user-flags-not-list", _set(["users", "zalando"], "superuser")),
]


@pytest.fixture
def custom(api_client, crds):
    return client.CustomObjectsApi(api_client)


def test_crd_names_and_columns(api_client, crds):
    ext = client.ApiextensionsV1Api(api_client)
    pg = ext.read_custom_resource_definition("postgresqls.acid.zalan.do")
    assert pg.spec.names.kind == "postgresql"
    assert pg.spec.names.list_kind == "postgresqlList"
    assert pg.spec.names.short_names == ["pg"]
    assert pg.spec.names.categories == ["all"]
    assert pg.spec.scope == "Namespaced"
    assert pg.metadata.labels["app.kubernetes.io/name"] == "postgres-operator"
    (version,) = pg.spec.versions
    assert version.name == "v1" and version.served and version.storage
    assert version.subresources.status is not None
    columns = [(c.name, c.json_path) for c in version.additional_printer_columns]
    assert columns == [
        ("Team", ".spec.teamId"), ("Version", ".spec.postgresql.version"),
        ("Pods", ".spec.numberOfInstances"), ("Volume", ".spec.volume.size"),
        ("CPU-Request", ".spec.resources.requests.cpu"),
        ("Memory-Request", ".spec.resources.requests.memory"),
        ("Age", ".metadata.creationTimestamp"), ("Status", ".status.PostgresClusterStatus"),
        ("Ready", '.status.conditions[?(@.type=="PodsReady")].message'),
    ]
    oc = ext.read_custom_resource_definition("operatorconfigurations.acid.zalan.do")
    assert oc.spec.names.kind == "OperatorConfiguration"
    assert oc.spec.names.short_names == ["opconfig"]


def test_examples_exist():
    assert EXAMPLE_PARAMS, "no manifests of kind postgresql under %s" % EXAMPLES


@pytest.mark.parametrize("manifest", EXAMPLE_PARAMS)
def test_example_manifest_is_accepted(custom, namespace, manifest):
    body = copy.deepcopy(manifest)
    body.setdefault("metadata", {})["namespace"] = namespace
    # Strict: a field our schema does not know would be pruned silently otherwise.
    created = custom.create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, body, field_validation="Strict")
    assert created["metadata"]["name"] == body["metadata"]["name"]
    assert created["spec"] == body["spec"], "the API server changed the spec (pruned fields?)"


def test_base_manifest_is_accepted(custom, namespace):
    body = _postgresql("acid-base")
    created = custom.create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, body, field_validation="Strict")
    assert created["spec"] == body["spec"]


@pytest.mark.parametrize("name,mutate", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_manifest_is_rejected(custom, namespace, name, mutate):
    body = _postgresql("acid-" + name, mutate)
    with pytest.raises(ApiException) as err:
        custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    assert err.value.status == 422, err.value.body


def test_status_subresource(custom, namespace):
    body = _postgresql("acid-status")
    created = custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, body)
    # status is ignored on the main resource...
    assert "PostgresClusterStatus" not in (created.get("status") or {})
    status = {"PostgresClusterStatus": "Running", "observedGeneration": created["metadata"]["generation"],
              "conditions": [{"type": "Ready", "status": "True", "reason": "Synced",
                              "message": "", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
    patched = custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, namespace, PLURAL, "acid-status", {"status": status})
    assert patched["status"] == status
    # ...and the status subresource does not change the spec or the generation.
    assert patched["metadata"]["generation"] == created["metadata"]["generation"]
    again = custom.patch_namespaced_custom_object_status(
        GROUP, VERSION, namespace, PLURAL, "acid-status", {"spec": {"numberOfInstances": 5}})
    assert again["spec"]["numberOfInstances"] == 2


def test_operator_configuration_defaults(custom, namespace):
    body = {
        "apiVersion": "acid.zalan.do/v1", "kind": "OperatorConfiguration",
        "metadata": {"name": "postgresql-operator-configuration"},
        "configuration": {"workers": 4, "users": {}, "teams_api": {}, "kubernetes": {},
                          "load_balancer": {}},
    }
    created = custom.create_namespaced_custom_object(
        GROUP, VERSION, namespace, "operatorconfigurations", body, field_validation="Strict")
    cfg = created["configuration"]
    assert cfg["workers"] == 4
    assert cfg["users"]["password_rotation_user_retention"] == 120
    assert cfg["teams_api"]["enable_postgres_team_crd"] is True
    assert cfg["kubernetes"]["oauth_token_secret_name"] == "postgres-operator"
    assert cfg["kubernetes"]["pod_service_account_name"] == "postgres-pod"
    assert cfg["docker_image"].startswith("ghcr.io/zalando/spilo-")
    # CRD path: no schema default for enable_master_load_balancer (absent means false)
    assert "enable_master_load_balancer" not in cfg["load_balancer"]


@pytest.mark.parametrize("configuration", [
    {"workers": 0},
    {"kubernetes": {"pod_management_policy": "random"}},
    {"connection_pooler": {"connection_pooler_mode": "statement"}},
    {"logical_backup": {"logical_backup_schedule": "daily"}},
], ids=["workers-0", "pod-management-policy", "pooler-mode", "backup-schedule"])
def test_operator_configuration_rejects(custom, namespace, configuration):
    body = {"apiVersion": "acid.zalan.do/v1", "kind": "OperatorConfiguration",
            "metadata": {"name": "bad"}, "configuration": configuration}
    with pytest.raises(ApiException) as err:
        custom.create_namespaced_custom_object(
            GROUP, VERSION, namespace, "operatorconfigurations", body)
    assert err.value.status == 422, err.value.body
