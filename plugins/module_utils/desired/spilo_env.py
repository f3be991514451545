# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment of the Spilo (postgres) container (reference §4.9, ``generateSpiloPodEnvVars``).

Order and precedence: the operator-owned variables come first and cannot be
overridden; then, each source adding only names not present yet (case-insensitive):
manifest ``env`` > clone > standby > ``pod_environment_secret`` > ``pod_environment_configmap``
> WAL / log bucket variables > TLS variables.

The pod environment ConfigMap / Secret need API reads, so the caller passes their
contents: ``pod_env_configmap_data`` (the ConfigMap ``data``) and ``pod_env_secret_keys``
(the Secret's keys; values stay in the Secret and are referenced).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import posixpath

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import secret_name
from ansible_collections.pgkube.operator.plugins.module_utils.desired.spilo_configuration import go_json, sorted_map

PGROOT = "/home/postgres/pgdata/pgroot"
PG_PORT = "5432"
TLS_MOUNT_PATH = "/tls"
# Where the EKS pod identity webhook projects the service account token (IRSA).
IRSA_TOKEN_FILE = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"


def value_env(name, value):
    return {"name": name, "value": value}


def field_env(name, field_path):
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": field_path}}}


def secret_env(name, secret, key):
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def append_env(env, extra):
    """Append the entries of ``extra`` whose name is not in ``env`` yet (case-insensitive)."""
    seen = set(item["name"].lower() for item in env)
    for item in extra:
        key = item["name"].lower()
        if key not in seen:
            env.append(item)
            seen.add(key)
    return env


def patroni_uses_kubernetes(cfg):
    return not cfg.etcd_host


def patroni_uses_configmaps(cfg):
    return patroni_uses_kubernetes(cfg) and bool(cfg.kubernetes_use_configmaps)


def bucket_scope_suffix(uid):
    return "/%s" % uid if uid else ""


def operator_env(cluster, cfg, spilo_configuration):
    """The operator-owned variables, in upstream order."""
    env = [
        value_env("SCOPE", cluster.name),
        value_env("PGROOT", PGROOT),
        field_env("POD_IP", "status.podIP"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
        value_env("PGUSER_SUPERUSER", cfg.super_username),
        value_env("KUBERNETES_SCOPE_LABEL", cfg.cluster_name_label),
        value_env("KUBERNETES_ROLE_LABEL", cfg.pod_role_label),
        secret_env("PGPASSWORD_SUPERUSER", secret_name(cfg.super_username, cluster.name, cfg), "password"),
        value_env("PGUSER_STANDBY", cfg.replication_username),
        secret_env("PGPASSWORD_STANDBY", secret_name(cfg.replication_username, cluster.name, cfg), "password"),
        value_env("PAM_OAUTH2", cfg.pam_configuration),
        value_env("HUMAN_ROLE", cfg.pam_role_name),
    ]
    if cfg.enable_spilo_wal_path_compat:
        env.append(value_env("ENABLE_WAL_PATH_COMPAT", "true"))
    if cfg.enable_pgversion_env_var:
        env.append(value_env("PGVERSION", (cluster.spec.get("postgresql") or {}).get("version") or ""))
    env.append(value_env("KUBERNETES_LABELS", go_json(sorted_map(cfg.cluster_labels or {}))))
    if spilo_configuration:
        env.append(value_env("SPILO_CONFIGURATION", spilo_configuration))
    if patroni_uses_kubernetes(cfg):
        env.append(value_env("DCS_ENABLE_KUBERNETES_API", "true"))
        if cfg.enable_pod_disruption_budget:
            env.append(value_env("KUBERNETES_BOOTSTRAP_LABELS", '{"critical-operation":"true"}'))
    else:
        env.append(value_env("ETCD_HOST", cfg.etcd_host))
    if patroni_uses_configmaps(cfg):
        env.append(value_env("KUBERNETES_USE_CONFIGMAPS", "true"))
    return env


def clone_env(cluster, cfg):
    """``CLONE_*`` variables: basebackup from the live source cluster, or restore from its WAL archive."""
    clone = cluster.spec.get("clone") or {}
    source = clone.get("cluster")
    if not source:
        return []
    env = [value_env("CLONE_SCOPE", source)]
    timestamp = clone.get("timestamp")
    if not timestamp:
        env.append(value_env("CLONE_METHOD", "CLONE_WITH_BASEBACKUP"))
        env.append(value_env("CLONE_HOST", source))
        env.append(value_env("CLONE_PORT", PG_PORT))
        env.append(value_env("CLONE_USER", cfg.replication_username))
        env.append(secret_env("CLONE_PASSWORD", secret_name(cfg.replication_username, source, cfg), "password"))
        return env
    uses_s3 = False
    if not clone.get("s3_wal_path"):
        if cfg.wal_s3_bucket:
            env.append(value_env("CLONE_WAL_S3_BUCKET", cfg.wal_s3_bucket))
            uses_s3 = True
        elif cfg.wal_gs_bucket:
            env.append(value_env("CLONE_WAL_GS_BUCKET", cfg.wal_gs_bucket))
            if cfg.gcp_credentials:
                env.append(value_env("CLONE_GOOGLE_APPLICATION_CREDENTIALS", cfg.gcp_credentials))
        elif cfg.wal_az_storage_account:
            env.append(value_env("CLONE_AZURE_STORAGE_ACCOUNT", cfg.wal_az_storage_account))
        env.append(value_env("CLONE_WAL_BUCKET_SCOPE_SUFFIX", bucket_scope_suffix(clone.get("uid"))))
    else:
        env.append(value_env("CLONE_WALE_S3_PREFIX", clone["s3_wal_path"]))
        uses_s3 = True
    env.append(value_env("CLONE_METHOD", "CLONE_WITH_WALE"))
    env.append(value_env("CLONE_TARGET_TIME", timestamp))
    env.append(value_env("CLONE_WAL_BUCKET_SCOPE_PREFIX", ""))
    if clone.get("s3_endpoint"):
        env.append(value_env("CLONE_AWS_ENDPOINT", clone["s3_endpoint"]))
        env.append(value_env("CLONE_WALE_S3_ENDPOINT", clone["s3_endpoint"]))
    if clone.get("s3_access_key_id"):
        env.append(value_env("CLONE_AWS_ACCESS_KEY_ID", clone["s3_access_key_id"]))
    if clone.get("s3_secret_access_key"):
        env.append(value_env("CLONE_AWS_SECRET_ACCESS_KEY", clone["s3_secret_access_key"]))
    if clone.get("s3_force_path_style") is not None:
        env.append(value_env("CLONE_AWS_S3_FORCE_PATH_STYLE", "1" if clone["s3_force_path_style"] else "0"))
    if uses_s3 and _irsa_role(cfg):
        env.append(value_env("CLONE_AWS_ROLE_ARN", _irsa_role(cfg)))
        env.append(value_env("CLONE_AWS_WEB_IDENTITY_TOKEN_FILE", IRSA_TOKEN_FILE))
    return env


def _irsa_role(cfg):
    return getattr(cfg, "irsa_role_arn", "") or ""


def standby_env(cluster, cfg):
    """``STANDBY_*`` variables: streaming from a remote primary and/or a WAL archive."""
    standby = cluster.spec.get("standby")
    if standby is None:
        return []
    env = []
    if standby.get("standby_host"):
        env.append(value_env("STANDBY_HOST", standby["standby_host"]))
        if standby.get("standby_port"):
            env.append(value_env("STANDBY_PORT", str(standby["standby_port"])))
        if standby.get("standby_primary_slot_name"):
            env.append(value_env("STANDBY_PRIMARY_SLOT_NAME", standby["standby_primary_slot_name"]))
    if standby.get("s3_wal_path"):
        env.append(value_env("STANDBY_WALE_S3_PREFIX", standby["s3_wal_path"]))
        env.append(value_env("STANDBY_METHOD", "STANDBY_WITH_WALE"))
        env.append(value_env("STANDBY_WAL_BUCKET_SCOPE_PREFIX", ""))
        if _irsa_role(cfg):
            env.append(value_env("STANDBY_AWS_ROLE_ARN", _irsa_role(cfg)))
            env.append(value_env("STANDBY_AWS_WEB_IDENTITY_TOKEN_FILE", IRSA_TOKEN_FILE))
    elif standby.get("gs_wal_path"):
        env.append(value_env("STANDBY_WALE_GS_PREFIX", standby["gs_wal_path"]))
        env.append(value_env("STANDBY_METHOD", "STANDBY_WITH_WALE"))
        env.append(value_env("STANDBY_WAL_BUCKET_SCOPE_PREFIX", ""))
    return env


def pod_environment_secret_env(cfg, secret_keys):
    """Every key of ``pod_environment_secret`` as a secretKeyRef, sorted by name."""
    if not cfg.pod_environment_secret or not secret_keys:
        return []
    return [secret_env(key, cfg.pod_environment_secret, key) for key in sorted(secret_keys)]


def pod_environment_configmap_env(configmap_data):
    """Every entry of the ``pod_environment_configmap`` data as a plain value, sorted by name."""
    return [value_env(key, (configmap_data or {})[key]) for key in sorted(configmap_data or {})]


def bucket_env(cluster, cfg):
    """WAL and log bucket variables derived from the operator configuration."""
    suffix = bucket_scope_suffix(cluster.uid)
    env = []
    for key, name in (("wal_s3_bucket", "WAL_S3_BUCKET"), ("wal_gs_bucket", "WAL_GS_BUCKET"), ("wal_az_storage_account", "AZURE_STORAGE_ACCOUNT")):
        if getattr(cfg, key):
            env.append(value_env(name, getattr(cfg, key)))
            env.append(value_env("WAL_BUCKET_SCOPE_SUFFIX", suffix))
            env.append(value_env("WAL_BUCKET_SCOPE_PREFIX", ""))
    if cfg.gcp_credentials:
        env.append(value_env("GOOGLE_APPLICATION_CREDENTIALS", cfg.gcp_credentials))
    if cfg.log_s3_bucket:
        env.append(value_env("LOG_S3_BUCKET", cfg.log_s3_bucket))
        env.append(value_env("LOG_BUCKET_SCOPE_SUFFIX", suffix))
        env.append(value_env("LOG_BUCKET_SCOPE_PREFIX", ""))
    return env


def ensure_path(file_name, directory, default_file):
    """A TLS file path: the default under ``directory`` when empty, relative names resolved under it."""
    if not file_name:
        return posixpath.normpath(posixpath.join(directory, default_file)) if default_file else directory
    if not posixpath.isabs(file_name):
        return posixpath.normpath(posixpath.join(directory, file_name))
    return file_name


def tls_env(tls):
    """``SSL_CERTIFICATE_FILE``, ``SSL_PRIVATE_KEY_FILE`` and (with ``caFile``) ``SSL_CA_FILE``."""
    if not tls or not tls.get("secretName"):
        return []
    env = [
        value_env("SSL_CERTIFICATE_FILE", ensure_path(tls.get("certificateFile"), TLS_MOUNT_PATH, "tls.crt")),
        value_env("SSL_PRIVATE_KEY_FILE", ensure_path(tls.get("privateKeyFile"), TLS_MOUNT_PATH, "tls.key")),
    ]
    if tls.get("caFile"):
        ca_directory = TLS_MOUNT_PATH + "ca" if tls.get("caSecretName") else TLS_MOUNT_PATH
        env.append(value_env("SSL_CA_FILE", ensure_path(tls["caFile"], ca_directory, "")))
    return env


def build_spilo_env(cluster, cfg, spilo_configuration, pod_env_configmap_data=None, pod_env_secret_keys=None):
    """The ``env`` list of the postgres container."""
    spec = cluster.spec
    env = operator_env(cluster, cfg, spilo_configuration)
    append_env(env, copy.deepcopy(list(spec.get("env") or [])))
    append_env(env, clone_env(cluster, cfg))
    append_env(env, standby_env(cluster, cfg))
    append_env(env, pod_environment_secret_env(cfg, pod_env_secret_keys))
    append_env(env, pod_environment_configmap_env(pod_env_configmap_data))
    append_env(env, bucket_env(cluster, cfg))
    append_env(env, tls_env(spec.get("tls")))
    return env
