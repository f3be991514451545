# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spilo container environment (reference §4.9; upstream TestPodEnvironment*, TestCloneEnv, TestStandbyEnv, TestAppendEnvVars)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils.desired.spilo_env import append_env, build_spilo_env, clone_env, standby_env
from ansible_collections.pgkube.operator.tests.unit.builders import make_cfg, make_cluster


UID = "efd12e58-5786-11e8-b5a7-06148230260c"


def env_map(env):
    return dict((item["name"], item.get("value", item.get("valueFrom"))) for item in env)


def names(env):
    return [item["name"] for item in env]


def test_operator_owned_variables_in_upstream_order():
    env = build_spilo_env(make_cluster(), make_cfg(), "{}")
    assert names(env) == ["SCOPE", "PGROOT", "POD_IP", "POD_NAMESPACE", "PGUSER_SUPERUSER", "KUBERNETES_SCOPE_LABEL",
                          "KUBERNETES_ROLE_LABEL", "PGPASSWORD_SUPERUSER", "PGUSER_STANDBY", "PGPASSWORD_STANDBY", "PAM_OAUTH2",
                          "HUMAN_ROLE", "PGVERSION", "KUBERNETES_LABELS", "SPILO_CONFIGURATION", "DCS_ENABLE_KUBERNETES_API",
                          "KUBERNETES_BOOTSTRAP_LABELS", "KUBERNETES_USE_CONFIGMAPS"]
    values = env_map(env)
    assert values["SCOPE"] == "acid-test"
    assert values["PGROOT"] == "/home/postgres/pgdata/pgroot"
    assert values["PGVERSION"] == "17"
    assert values["KUBERNETES_LABELS"] == '{"application":"spilo"}'
    assert values["KUBERNETES_BOOTSTRAP_LABELS"] == '{"critical-operation":"true"}'
    assert values["PGPASSWORD_SUPERUSER"] == {"secretKeyRef": {"name": "postgres.acid-test.credentials.postgresql.acid.zalan.do", "key": "password"}}
    assert values["PGPASSWORD_STANDBY"] == {"secretKeyRef": {"name": "standby.acid-test.credentials.postgresql.acid.zalan.do", "key": "password"}}
    assert values["POD_IP"] == {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}


def test_etcd_and_endpoints_modes():
    env = env_map(build_spilo_env(make_cluster(), make_cfg(etcd_host="etcd:2379", enable_spilo_wal_path_compat=True), "{}"))
    assert env["ETCD_HOST"] == "etcd:2379"
    assert env["ENABLE_WAL_PATH_COMPAT"] == "true"
    assert "DCS_ENABLE_KUBERNETES_API" not in env and "KUBERNETES_USE_CONFIGMAPS" not in env
    env = env_map(build_spilo_env(make_cluster(), make_cfg(kubernetes_use_configmaps=False, enable_pod_disruption_budget=False,
                                                           enable_pgversion_env_var=False), "{}"))
    assert env["DCS_ENABLE_KUBERNETES_API"] == "true"
    for name in ("KUBERNETES_USE_CONFIGMAPS", "KUBERNETES_BOOTSTRAP_LABELS", "PGVERSION"):
        assert name not in env


def test_cluster_labels_are_json_with_sorted_keys():
    env = env_map(build_spilo_env(make_cluster(), make_cfg(cluster_labels={"zone": "b", "application": "spilo"}), "{}"))
    assert env["KUBERNETES_LABELS"] == '{"application":"spilo","zone":"b"}'


def test_operator_owned_variables_cannot_be_overridden():
    cluster = make_cluster(env=[{"name": "kubernetes_scope_label", "value": "x"}, {"name": "SCOPE", "value": "y"},
                                {"name": "CUSTOM", "value": "z"}])
    env = build_spilo_env(cluster, make_cfg(), "{}")
    assert env_map(env)["KUBERNETES_SCOPE_LABEL"] == "cluster-name"
    assert env_map(env)["SCOPE"] == "acid-test"
    assert names(env).count("SCOPE") == 1 and "kubernetes_scope_label" not in names(env)
    assert names(env)[-1] == "CUSTOM"


@pytest.mark.parametrize("sources, winner", [
    (("manifest", "clone", "standby", "secret", "configmap", "config"), "manifest"),
    (("clone", "standby", "secret", "configmap", "config"), "clone"),
    (("standby", "secret", "configmap", "config"), "standby"),
    (("secret", "configmap", "config"), "secret"),
    (("configmap", "config"), "configmap"),
    (("config",), "config"),
])
def test_precedence_matrix(sources, winner):
    # the same variable name offered by several sources: the earliest source in the chain wins
    spec = {}
    if "manifest" in sources:
        spec["env"] = [{"name": "WAL_S3_BUCKET", "value": "manifest"}]
    if "clone" in sources:
        spec["clone"] = {"cluster": "source", "timestamp": "2026-01-01T00:00:00+00:00", "s3_wal_path": "s3://clone"}
        spec.setdefault("env", []).append({"name": "UNRELATED", "value": "1"})
    if "standby" in sources:
        spec["standby"] = {"s3_wal_path": "s3://standby"}
    cluster = make_cluster(**spec)
    overrides = {"wal_s3_bucket": "config"}
    secret_keys = configmap = None
    if "secret" in sources:
        overrides["pod_environment_secret"] = "pod-env-secret"
        secret_keys = ["WAL_S3_BUCKET", "CLONE_WALE_S3_PREFIX", "STANDBY_WALE_S3_PREFIX"]
    if "configmap" in sources:
        configmap = {"WAL_S3_BUCKET": "configmap", "CLONE_WALE_S3_PREFIX": "configmap", "STANDBY_WALE_S3_PREFIX": "configmap"}
    env = build_spilo_env(cluster, make_cfg(**overrides), "{}", pod_env_configmap_data=configmap, pod_env_secret_keys=secret_keys)
    values = env_map(env)
    assert len(names(env)) == len(set(n.lower() for n in names(env)))
    expected = {"manifest": "manifest", "config": "config", "configmap": "configmap",
                "secret": {"secretKeyRef": {"name": "pod-env-secret", "key": "WAL_S3_BUCKET"}}}
    if winner in expected:
        assert values["WAL_S3_BUCKET"] == expected[winner]
    if "clone" in sources:
        assert values["CLONE_WALE_S3_PREFIX"] == "s3://clone"
    if "standby" in sources:
        assert values["STANDBY_WALE_S3_PREFIX"] == "s3://standby"
    elif "secret" in sources:
        assert values["STANDBY_WALE_S3_PREFIX"] == {"secretKeyRef": {"name": "pod-env-secret", "key": "STANDBY_WALE_S3_PREFIX"}}


def test_pod_environment_sources_are_sorted_and_secret_values_are_references():
    env = build_spilo_env(make_cluster(), make_cfg(pod_environment_secret="pod-secret"), "{}",
                          pod_env_configmap_data={"B_VAR": "b", "A_VAR": "a"}, pod_env_secret_keys=["Z_SECRET", "M_SECRET"])
    tail = env[-4:]
    assert tail == [
        {"name": "M_SECRET", "valueFrom": {"secretKeyRef": {"name": "pod-secret", "key": "M_SECRET"}}},
        {"name": "Z_SECRET", "valueFrom": {"secretKeyRef": {"name": "pod-secret", "key": "Z_SECRET"}}},
        {"name": "A_VAR", "value": "a"},
        {"name": "B_VAR", "value": "b"},
    ]


def test_secret_keys_are_ignored_without_a_configured_secret():
    env = build_spilo_env(make_cluster(), make_cfg(), "{}", pod_env_secret_keys=["X"])
    assert "X" not in names(env)


def test_wal_and_log_bucket_variables():
    env = build_spilo_env(make_cluster(), make_cfg(wal_s3_bucket="wal", wal_gs_bucket="gs", gcp_credentials="/creds.json", log_s3_bucket="logs"), "{}")
    tail = env[-8:]
    assert tail == [
        {"name": "WAL_S3_BUCKET", "value": "wal"},
        {"name": "WAL_BUCKET_SCOPE_SUFFIX", "value": "/" + UID},
        {"name": "WAL_BUCKET_SCOPE_PREFIX", "value": ""},
        {"name": "WAL_GS_BUCKET", "value": "gs"},
        {"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/creds.json"},
        {"name": "LOG_S3_BUCKET", "value": "logs"},
        {"name": "LOG_BUCKET_SCOPE_SUFFIX", "value": "/" + UID},
        {"name": "LOG_BUCKET_SCOPE_PREFIX", "value": ""},
    ]


def test_bucket_scope_suffix_is_empty_without_uid():
    env = env_map(build_spilo_env(make_cluster(uid=None), make_cfg(wal_s3_bucket="wal"), "{}"))
    assert env["WAL_BUCKET_SCOPE_SUFFIX"] == ""


def test_clone_with_basebackup():
    env = clone_env(make_cluster(clone={"cluster": "acid-source"}), make_cfg())
    assert env == [
        {"name": "CLONE_SCOPE", "value": "acid-source"},
        {"name": "CLONE_METHOD", "value": "CLONE_WITH_BASEBACKUP"},
        {"name": "CLONE_HOST", "value": "acid-source"},
        {"name": "CLONE_PORT", "value": "5432"},
        {"name": "CLONE_USER", "value": "standby"},
        {"name": "CLONE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "standby.acid-source.credentials.postgresql.acid.zalan.do",
                                                                  "key": "password"}}},
    ]


def test_clone_with_custom_s3_path_and_endpoint():
    clone = {"cluster": "acid-source", "timestamp": "2026-01-02T03:04:05+00:00", "s3_wal_path": "s3://bucket/path",
             "s3_endpoint": "https://minio:9000", "s3_access_key_id": "AK", "s3_secret_access_key": "SK", "s3_force_path_style": True}
    env = clone_env(make_cluster(clone=clone), make_cfg(wal_s3_bucket="ignored"))
    assert env == [
        {"name": "CLONE_SCOPE", "value": "acid-source"},
        {"name": "CLONE_WALE_S3_PREFIX", "value": "s3://bucket/path"},
        {"name": "CLONE_METHOD", "value": "CLONE_WITH_WALE"},
        {"name": "CLONE_TARGET_TIME", "value": "2026-01-02T03:04:05+00:00"},
        {"name": "CLONE_WAL_BUCKET_SCOPE_PREFIX", "value": ""},
        {"name": "CLONE_AWS_ENDPOINT", "value": "https://minio:9000"},
        {"name": "CLONE_WALE_S3_ENDPOINT", "value": "https://minio:9000"},
        {"name": "CLONE_AWS_ACCESS_KEY_ID", "value": "AK"},
        {"name": "CLONE_AWS_SECRET_ACCESS_KEY", "value": "SK"},
        {"name": "CLONE_AWS_S3_FORCE_PATH_STYLE", "value": "1"},
    ]


def test_clone_from_configured_bucket_uses_source_uid():
    clone = {"cluster": "acid-source", "uid": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "timestamp": "2026-01-02T03:04:05+00:00"}
    env = clone_env(make_cluster(clone=clone), make_cfg(wal_s3_bucket="wal-bucket"))
    assert env[:3] == [
        {"name": "CLONE_SCOPE", "value": "acid-source"},
        {"name": "CLONE_WAL_S3_BUCKET", "value": "wal-bucket"},
        {"name": "CLONE_WAL_BUCKET_SCOPE_SUFFIX", "value": "/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
    ]
    gs = env_map(clone_env(make_cluster(clone=clone), make_cfg(wal_gs_bucket="gs-bucket", gcp_credentials="/c.json")))
    assert gs["CLONE_WAL_GS_BUCKET"] == "gs-bucket" and gs["CLONE_GOOGLE_APPLICATION_CREDENTIALS"] == "/c.json"


def test_clone_with_irsa_role():
    clone = {"cluster": "acid-source", "timestamp": "2026-01-02T03:04:05+00:00", "s3_wal_path": "s3://b"}
    env = env_map(clone_env(make_cluster(clone=clone), make_cfg(irsa_role_arn="arn:aws:iam::1:role/r")))
    assert env["CLONE_AWS_ROLE_ARN"] == "arn:aws:iam::1:role/r"
    assert env["CLONE_AWS_WEB_IDENTITY_TOKEN_FILE"] == "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"


@pytest.mark.parametrize("standby, expected", [
    ({"s3_wal_path": "s3://a"}, [("STANDBY_WALE_S3_PREFIX", "s3://a"), ("STANDBY_METHOD", "STANDBY_WITH_WALE"), ("STANDBY_WAL_BUCKET_SCOPE_PREFIX", "")]),
    ({"gs_wal_path": "gs://a"}, [("STANDBY_WALE_GS_PREFIX", "gs://a"), ("STANDBY_METHOD", "STANDBY_WITH_WALE"), ("STANDBY_WAL_BUCKET_SCOPE_PREFIX", "")]),
    ({"standby_host": "remote"}, [("STANDBY_HOST", "remote")]),
    ({"standby_host": "remote", "standby_port": "5433"}, [("STANDBY_HOST", "remote"), ("STANDBY_PORT", "5433")]),
    ({"standby_host": "remote", "standby_port": "5433", "standby_primary_slot_name": "slot"},
     [("STANDBY_HOST", "remote"), ("STANDBY_PORT", "5433"), ("STANDBY_PRIMARY_SLOT_NAME", "slot")]),
    ({"standby_host": "remote", "s3_wal_path": "s3://a"},
     [("STANDBY_HOST", "remote"), ("STANDBY_WALE_S3_PREFIX", "s3://a"), ("STANDBY_METHOD", "STANDBY_WITH_WALE"), ("STANDBY_WAL_BUCKET_SCOPE_PREFIX", "")]),
])
def test_standby_env(standby, expected):
    env = standby_env(make_cluster(numberOfInstances=1, standby=standby), make_cfg())
    assert [(item["name"], item["value"]) for item in env] == expected


def test_tls_env_comes_last_and_resolves_paths():
    tls = {"secretName": "tls-secret", "certificateFile": "cert.pem", "privateKeyFile": "/abs/key.pem", "caFile": "ca.crt", "caSecretName": "ca"}
    env = build_spilo_env(make_cluster(tls=tls), make_cfg(), "{}")
    assert env[-3:] == [{"name": "SSL_CERTIFICATE_FILE", "value": "/tls/cert.pem"},
                        {"name": "SSL_PRIVATE_KEY_FILE", "value": "/abs/key.pem"},
                        {"name": "SSL_CA_FILE", "value": "/tlsca/ca.crt"}]
    env = env_map(build_spilo_env(make_cluster(tls={"secretName": "s"}, env=[{"name": "SSL_CERTIFICATE_FILE", "value": "/mine"}]), make_cfg(), "{}"))
    assert env["SSL_CERTIFICATE_FILE"] == "/mine" and env["SSL_PRIVATE_KEY_FILE"] == "/tls/tls.key" and "SSL_CA_FILE" not in env


def test_append_env_is_case_insensitive_and_keeps_the_first():
    env = [{"name": "ABC", "value": "1"}]
    append_env(env, [{"name": "abc", "value": "2"}, {"name": "DEF", "value": "3"}, {"name": "def", "value": "4"}])
    assert env == [{"name": "ABC", "value": "1"}, {"name": "DEF", "value": "3"}]
