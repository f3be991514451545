# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad manifests: one case per validation rule of reference §2.2 (CRD and operator level),
plus required fields, types and the fields removed in v2. Each error names the field path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError, ValidationErrors
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec
from ansible_collections.pgkube.operator.tests.unit.builders import make_manifest


def good():
    """The shared minimal manifest with only ``metadata.name`` (no namespace, no uid)."""
    return make_manifest(namespace=None, uid=None)


def spec_with(**fields):
    def change(body):
        body["spec"].update(fields)
    return change


def spec_without(*path):
    def change(body):
        node = body["spec"]
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


def metadata_with(**fields):
    def change(body):
        body["metadata"].update(fields)
    return change


def errors_of(body):
    with pytest.raises(ValidationError) as info:
        ClusterSpec.from_manifest(body)
    error = info.value
    return error, (error.errors if isinstance(error, ValidationErrors) else [error])


CASES = [
    # --- CRD (OpenAPI) level -------------------------------------------------
    ("instances-minimum", spec_with(numberOfInstances=-1), "spec.numberOfInstances", "at least 0"),
    ("instances-int32", spec_with(numberOfInstances=2 ** 31), "spec.numberOfInstances", "at most"),
    ("version-enum", spec_with(postgresql={"version": "13"}), "spec.postgresql.version", "14, 15, 16, 17, 18"),
    ("version-type", spec_with(postgresql={"version": 17.0}), "spec.postgresql.version", "must be a string"),
    ("cpu-pattern", spec_with(resources={"requests": {"cpu": "1.2345"}}), "spec.resources.requests.cpu", "millicores"),
    ("cpu-limit-pattern", spec_with(resources={"limits": {"cpu": "1Gi"}}), "spec.resources.limits.cpu", "not a CPU quantity"),
    ("memory-pattern", spec_with(resources={"requests": {"memory": "1GB"}}), "spec.resources.requests.memory", "Mi"),
    ("hugepages-pattern", spec_with(resources={"limits": {"hugepages-2Mi": "2 Mi"}}), "spec.resources.limits.hugepages-2Mi", "Gi"),
    ("memory-upper-k", spec_with(resources={"limits": {"memory": "500K"}}), "spec.resources.limits.memory", "use Ki"),
    ("volume-size-pattern", spec_with(volume={"size": "1 Gi"}), "spec.volume.size", "Gi"),
    ("volume-size-zero", spec_with(volume={"size": "0Gi"}), "spec.volume.size", "larger than zero"),
    ("source-range-ipv4", spec_with(allowedSourceRanges=["10.0.0.0/8", "300.1.2.3/32"]), "spec.allowedSourceRanges[1]", "CIDR"),
    ("source-range-no-prefix", spec_with(allowedSourceRanges=["10.0.0.1"]), "spec.allowedSourceRanges[0]", "CIDR"),
    ("source-range-ipv6", spec_with(allowedSourceRanges=["2001:db8::zz/32"]), "spec.allowedSourceRanges[0]", "IPv6"),
    ("source-range-prefix-too-long", spec_with(allowedSourceRanges=["10.0.0.0/33"]), "spec.allowedSourceRanges[0]", "CIDR"),
    ("cron", spec_with(logicalBackupSchedule="@daily"), "spec.logicalBackupSchedule", "30 00 * * *"),
    ("cron-four-fields", spec_with(logicalBackupSchedule="30 00 * *"), "spec.logicalBackupSchedule", "5-field"),
    ("clone-timestamp-offset", spec_with(clone={"cluster": "src", "timestamp": "2026-03-01T12:00:00"}), "spec.clone.timestamp", "offset"),
    ("clone-timestamp-form", spec_with(clone={"cluster": "src", "timestamp": "2026-03-01 12:00:00+00:00"}), "spec.clone.timestamp", "RFC 3339"),
    ("clone-uid", spec_with(clone={"cluster": "src", "uid": "not-a-uuid"}), "spec.clone.uid", "UUID"),
    ("clone-cluster-required", spec_with(clone={"timestamp": "2026-03-01T12:00:00+01:00"}), "spec.clone.cluster", "required"),
    ("tls-secret-required", spec_with(tls={"certificateFile": "tls.crt"}), "spec.tls.secretName", "required"),
    ("pooler-instances-minimum", spec_with(connectionPooler={"numberOfInstances": 0}), "spec.connectionPooler.numberOfInstances", "at least 1"),
    ("pooler-mode", spec_with(connectionPooler={"mode": "statement"}), "spec.connectionPooler.mode", "session, transaction"),
    ("volume-iops", spec_with(volume={"size": "1Gi", "iops": 80001}), "spec.volume.iops", "at most 80000"),
    ("volume-throughput", spec_with(volume={"size": "1Gi", "throughput": 2001}), "spec.volume.throughput", "at most 2000"),
    ("user-flag-enum", spec_with(users={"foo_user": ["login", "superman"]}), "spec.users.foo_user[1]", "unknown role flag"),
    ("user-flag-mixed-case", spec_with(users={"foo_user": ["SuperUser"]}), "spec.users.foo_user[0]", "lower-case or all upper-case"),
    ("user-flags-type", spec_with(users={"foo_user": "superuser"}), "spec.users.foo_user", "list"),
    ("maintenance-window-type", spec_with(maintenanceWindows=[7]), "spec.maintenanceWindows[0]", "string"),
    # --- operator level ------------------------------------------------------
    ("clone-basebackup-dns1035", spec_with(clone={"cluster": "Acid_Source"}), "spec.clone.cluster", "DNS-1035"),
    ("clone-basebackup-length", spec_with(clone={"cluster": "a" * 64}), "spec.clone.cluster", "63"),
    ("window-format", spec_with(maintenanceWindows=["01:00-06:00", "every night"]), "spec.maintenanceWindows[1]", "HH:MM-HH:MM"),
    ("window-weekday", spec_with(maintenanceWindows=["Sunday:01:00-02:00"]), "spec.maintenanceWindows[0]", "Mon"),
    ("window-end-before-start", spec_with(maintenanceWindows=["Sat:04:00-01:00"]), "spec.maintenanceWindows[0]", "before the start"),
    ("window-seconds", spec_with(maintenanceWindows=["01:00:00-02:00:00"]), "spec.maintenanceWindows[0]", "no seconds"),
    ("username", spec_with(users={"Foo_User": []}), "spec.users.Foo_User", "not a valid user name"),
    ("username-trailing-dash", spec_with(users={"foo-": []}), "spec.users.foo-", "not a valid user name"),
    ("user-flag-not-alphanumeric", spec_with(users={"foo": ["create-db"]}), "spec.users.foo[0]", "alphanumeric"),
    ("user-flag-conflict", spec_with(users={"foo": ["login", "NOLOGIN"]}), "spec.users.foo[1]", "conflicts"),
    ("sidecar-image", spec_with(sidecars=[{"name": "exporter"}]), "spec.sidecars[0].image", "required"),
    ("sidecar-name-form", spec_with(sidecars=[{"name": "My_Exporter", "image": "x"}]), "spec.sidecars[0].name", "container name"),
    ("init-container-name", spec_with(initContainers=[{"image": "busybox"}]), "spec.initContainers[0].name", "required"),
    ("init-container-image", spec_with(initContainers=[{"name": "init"}]), "spec.initContainers[0].image", "required"),
    ("metadata-name-dns1035", metadata_with(name="acid.test"), "metadata.name", "DNS-1035"),
    ("metadata-name-length", metadata_with(name="a" * 59), "metadata.name", "at most 58"),
    ("standby-source", spec_with(standby={"standby_port": "5432"}), "spec.standby", "s3_wal_path, gs_wal_path or standby_host"),
    ("standby-exclusive", spec_with(standby={"s3_wal_path": "s3://a", "gs_wal_path": "gs://b"}), "spec.standby", "mutually exclusive"),
    ("database-owner", spec_with(databases={"foo": 1}), "spec.databases.foo", "owner"),
    # --- required fields -----------------------------------------------------
    ("required-team", spec_without("teamId"), "spec.teamId", "required"),
    ("required-instances", spec_without("numberOfInstances"), "spec.numberOfInstances", "required"),
    ("required-postgresql", spec_without("postgresql"), "spec.postgresql", "required"),
    ("required-version", spec_without("postgresql", "version"), "spec.postgresql.version", "required"),
    ("required-volume", spec_without("volume"), "spec.volume", "required"),
    ("required-volume-size", spec_without("volume", "size"), "spec.volume.size", "required"),
    ("required-name", metadata_with(name=None), "metadata.name", "required"),
    ("type-team", spec_with(teamId=["acid"]), "spec.teamId", "must be a string"),
    # --- types ---------------------------------------------------------------
    ("type-instances-string", spec_with(numberOfInstances="2"), "spec.numberOfInstances", "must be an integer"),
    ("type-instances-bool", spec_with(numberOfInstances=True), "spec.numberOfInstances", "must be an integer"),
    ("type-bool", spec_with(enableMasterLoadBalancer="true"), "spec.enableMasterLoadBalancer", "must be a boolean"),
    ("type-string", spec_with(dockerImage=5), "spec.dockerImage", "must be a string"),
    ("type-fsgroup", spec_with(spiloFSGroup="103"), "spec.spiloFSGroup", "must be an integer"),
    ("type-node-port", spec_with(masterNodePort=70000), "spec.masterNodePort", "at most 65535"),
    ("type-users", spec_with(users=["zalando"]), "spec.users", "must be a mapping"),
    ("type-annotations", spec_with(podAnnotations={"a": 1}), "spec.podAnnotations.a", "must be a string"),
    ("type-list", spec_with(tolerations={"key": "x"}), "spec.tolerations", "must be a list"),
    ("type-list-item", spec_with(env=["FOO=bar"]), "spec.env[0]", "must be a mapping"),
    ("type-env-value", spec_with(env=[{"name": "FOO", "value": 1}]), "spec.env[0].value", "must be a string"),
    ("type-patroni-int", spec_with(patroni={"ttl": "30"}), "spec.patroni.ttl", "must be an integer"),
    ("type-patroni-bool", spec_with(patroni={"synchronous_mode": "on"}), "spec.patroni.synchronous_mode", "must be a boolean"),
    ("type-toleration-operator", spec_with(tolerations=[{"key": "a", "operator": "In"}]), "spec.tolerations[0].operator", "Equal, Exists"),
    ("type-toleration-effect", spec_with(tolerations=[{"key": "a", "effect": "NoRun"}]), "spec.tolerations[0].effect", "NoSchedule"),
    ("type-spec", lambda body: body.update(spec=[]), "spec", "must be a mapping"),
    ("type-metadata-labels", metadata_with(labels={"a": None}), "metadata.labels.a", "must be a string"),
    ("type-kind", lambda body: body.update(kind="Postgresql"), "kind", "lower-case"),
    ("type-api-version", lambda body: body.update(apiVersion="acid.zalan.do/v2"), "apiVersion", "acid.zalan.do/v1"),
    # --- fields removed in v2 ------------------------------------------------
    ("removed-init-containers", spec_with(init_containers=[{"name": "a", "image": "b"}]), "spec.init_containers", "spec.initContainers"),
    ("removed-priority-class", spec_with(pod_priority_class_name="high"), "spec.pod_priority_class_name", "spec.podPriorityClassName"),
    ("removed-replica-lb", spec_with(replicaLoadBalancer=True), "spec.replicaLoadBalancer", "spec.enableReplicaLoadBalancer"),
    ("removed-use-lb", spec_with(useLoadBalancer=True), "spec.useLoadBalancer", "spec.enableMasterLoadBalancer"),
]


@pytest.mark.parametrize("change, path, fragment", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_manifest_names_the_field(change, path, fragment):
    body = good()
    change(body)
    error, errors = errors_of(body)
    matching = [e for e in errors if e.path == path]
    assert matching, "no error on %s; got: %s" % (path, error)
    assert any(fragment in e.reason for e in matching), str(error)
    assert (path + ": ") in str(error)


def test_good_manifest_is_accepted():
    ClusterSpec.from_manifest(good())


def test_all_errors_reported_at_once():
    body = good()
    body["metadata"]["name"] = "Bad_Name"
    body["spec"].update(numberOfInstances=-1, useLoadBalancer=True, users={"x": ["superman"]},
                        maintenanceWindows=["25:00-26:00"], volume={"size": "lots"})
    del body["spec"]["teamId"]
    error, errors = errors_of(body)
    assert isinstance(error, ValidationErrors)
    assert {e.path for e in errors} == {"metadata.name", "spec.numberOfInstances", "spec.useLoadBalancer", "spec.users.x[0]",
                                        "spec.maintenanceWindows[0]", "spec.volume.size", "spec.teamId"}
    for e in errors:
        assert str(e) in str(error)


def test_single_error_is_a_plain_validation_error():
    body = good()
    body["spec"]["numberOfInstances"] = -1
    error, errors = errors_of(body)
    assert not isinstance(error, ValidationErrors) and errors == [error]
    assert str(error) == "spec.numberOfInstances: must be at least 0, got -1"


@pytest.mark.parametrize("manifest", [None, [], "postgresql", {"metadata": {"name": "acid-test"}}])
def test_not_a_manifest(manifest):
    with pytest.raises(ValidationError):
        ClusterSpec.from_manifest(manifest)


def test_valid_edge_values_accepted():
    body = good()
    body["spec"].update(
        numberOfInstances=0,
        allowedSourceRanges=["0.0.0.0/0", "10.1.2.3/32", "::/0", "2001:db8::/32"],
        logicalBackupSchedule="*/15 0 1 * *",
        clone={"cluster": "a" * 63, "uid": "EFD12E58-5786-11E8-B5A7-06148230260C", "timestamp": "2026-03-01T12:00:00.123-05:30"},
        volume={"size": "1e9", "iops": 80000, "throughput": 2000},
        connectionPooler={"numberOfInstances": 1, "mode": "transaction"},
        users={"ns.app-user": ["NOSUPERUSER", "createrole"], "a": []},
        maintenanceWindows=["Sun:23:00-23:59"],
    )
    body["metadata"]["name"] = "a" * 58
    cluster = ClusterSpec.from_manifest(body)
    assert cluster.spec["users"]["ns.app-user"] == ["CREATEROLE", "LOGIN", "NOSUPERUSER"]
