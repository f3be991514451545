# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every operator configuration key (reference §3.2) in one table.

One ``ConfigKey`` per key: its name (the ConfigMap key, also the attribute name
of ``OperatorConfig``), the group it lives in inside the ``OperatorConfiguration``
resource (``None`` = top level of ``configuration``), the kind of value, the
default when the key is absent from a ConfigMap (``cm_default``) and from an
OperatorConfiguration (``crd_default``), and flags.

Defaults are Python-typed, exactly as ``OperatorConfig`` exposes them: durations
in seconds, lists as ``list[str]``, maps as ``dict[str, str]``.

CRD defaults: the OperatorConfiguration CRD carries OpenAPI schema defaults that
the API server applies only when the enclosing group object exists. When the
whole group is missing, upstream's Go fallback applies instead. ``crd_fallback``
records that Go fallback where it differs from the schema default
(``password_rotation_user_retention`` 180, ``master_pod_move_timeout`` 10m,
``enable_postgres_team_crd`` false); elsewhere both are the same.

Secret keys (redacted by ``OperatorConfig.as_dict(redact=True)``):
``logical_backup_s3_access_key_id``, ``logical_backup_s3_secret_access_key``,
``logical_backup_azure_storage_account_key`` and ``scalyr_api_key``. Not secret:
``gcp_credentials`` and ``logical_backup_google_application_credentials`` are
file *paths* (the file itself comes from a mounted Secret); infrastructure role
passwords never appear in the configuration (only the Secret name and key names do).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

BOOL = "bool"
INT = "int"
DURATION = "duration"    # Go duration string -> seconds
LIST = "list"            # comma separated -> list[str]
MAP = "map"              # k:v,k2:v2 -> dict[str, str]
STR = "str"              # free text / quantity / template
NAMESPACED = "namespaced name"  # "[ns/]name", kept as the string
STRUCTURED = "structured"       # CRD-only or special syntax (see config_parse)

KINDS = (BOOL, INT, DURATION, LIST, MAP, STR, NAMESPACED, STRUCTURED)

GROUPS = (
    "users", "major_version_upgrade", "kubernetes", "postgres_pod_resources", "patroni", "timeouts",
    "load_balancer", "aws_or_gcp", "logical_backup", "debug", "teams_api", "logging_rest_api", "scalyr",
    "connection_pooler",
)

_UNSET = object()

ConfigKey = namedtuple("ConfigKey", "name group kind cm_default crd_default crd_fallback secret deprecated crd_only cm_only")


def _k(name, group, kind, cm_default, crd_default=_UNSET, crd_fallback=_UNSET, secret=False, deprecated=None,
       crd_only=False, cm_only=False):
    if crd_default is _UNSET:
        crd_default = cm_default
    if crd_fallback is _UNSET:
        crd_fallback = crd_default
    return ConfigKey(name, group, kind, cm_default, crd_default, crd_fallback, secret, deprecated, crd_only, cm_only)


_MIN = 60
SPILO_IMAGE = "ghcr.io/zalando/spilo-18:4.1-p2"
POOLER_IMAGE = "ghcr.io/zalando/postgres-operator/pgbouncer:v2.0.1"
LOGICAL_BACKUP_IMAGE = "ghcr.io/zalando/postgres-operator/logical-backup:v2.0.1"

_KEYS = (
    # General: top level of `configuration`
    _k("enable_crd_registration", None, BOOL, True),
    _k("crd_categories", None, LIST, ["all"]),
    _k("enable_lazy_spilo_upgrade", None, BOOL, False),
    _k("enable_pgversion_env_var", None, BOOL, True),
    _k("enable_spilo_wal_path_compat", None, BOOL, False),
    _k("enable_team_id_clustername_prefix", None, BOOL, False),
    _k("etcd_host", None, STR, ""),
    _k("kubernetes_use_configmaps", None, BOOL, True),
    _k("docker_image", None, STR, SPILO_IMAGE),
    _k("sidecar_docker_images", None, MAP, {}, deprecated="deprecated, use sidecars"),
    _k("sidecars", None, STRUCTURED, [], crd_only=True),
    _k("enable_shm_volume", None, BOOL, True),
    _k("workers", None, INT, 8),
    _k("max_instances", None, INT, -1),
    _k("min_instances", None, INT, -1),
    _k("ignore_instance_limits_annotation_key", None, STR, ""),
    _k("ignore_resources_limits_annotation_key", None, STR, ""),
    _k("enable_maintenance_windows", None, BOOL, True),
    _k("maintenance_windows", None, LIST, []),
    _k("resync_period", None, DURATION, 30 * _MIN),
    _k("repair_period", None, DURATION, 5 * _MIN),
    _k("set_memory_request_to_limit", None, BOOL, False),
    # users
    _k("super_username", "users", STR, "postgres"),
    _k("replication_username", "users", STR, "standby"),
    _k("additional_owner_roles", "users", LIST, []),
    _k("enable_password_rotation", "users", BOOL, False),
    _k("password_rotation_interval", "users", INT, 90),  # days, a plain integer
    _k("password_rotation_user_retention", "users", INT, 180, crd_default=120, crd_fallback=180),  # days
    # major_version_upgrade
    _k("major_version_upgrade_mode", "major_version_upgrade", STR, "manual"),
    _k("major_version_upgrade_team_allow_list", "major_version_upgrade", LIST, []),
    _k("minimal_major_version", "major_version_upgrade", STR, "14"),   # a version string as upstream
    _k("target_major_version", "major_version_upgrade", STR, "18"),
    # kubernetes
    _k("enable_finalizers", "kubernetes", BOOL, False),
    _k("enable_owner_references", "kubernetes", BOOL, False),
    _k("delete_annotation_date_key", "kubernetes", STR, ""),
    _k("delete_annotation_name_key", "kubernetes", STR, ""),
    _k("pod_service_account_name", "kubernetes", STR, "postgres-pod"),
    _k("pod_service_account_definition", "kubernetes", STR, ""),
    _k("pod_service_account_role_binding_definition", "kubernetes", STR, ""),
    _k("pod_terminate_grace_period", "kubernetes", DURATION, 5 * _MIN),
    _k("liveness_probe", "kubernetes", STRUCTURED, None, crd_only=True),
    _k("custom_pod_annotations", "kubernetes", MAP, {}),
    _k("downscaler_annotations", "kubernetes", LIST, []),
    _k("ignored_annotations", "kubernetes", LIST, []),
    _k("watched_namespace", "kubernetes", STR, ""),
    _k("pdb_name_format", "kubernetes", STR, "postgres-{cluster}-pdb"),
    _k("pdb_master_label_selector", "kubernetes", BOOL, True),
    _k("persistent_volume_claim_retention_policy", "kubernetes", STRUCTURED, {"when_deleted": "retain", "when_scaled": "retain"}),
    _k("enable_secrets_deletion", "kubernetes", BOOL, True),
    # pgkube deviation (docs/compatibility.md): keep data volumes unless the configuration asks otherwise
    _k("enable_persistent_volume_claim_deletion", "kubernetes", BOOL, False),
    _k("enable_pod_disruption_budget", "kubernetes", BOOL, True),
    _k("enable_cross_namespace_secret", "kubernetes", BOOL, False),
    _k("enable_init_containers", "kubernetes", BOOL, True),
    _k("enable_sidecars", "kubernetes", BOOL, True),
    _k("share_pgsocket_with_sidecars", "kubernetes", BOOL, False),
    _k("secret_name_template", "kubernetes", STR, "{username}.{cluster}.credentials.{tprkind}.{tprgroup}"),
    _k("cluster_domain", "kubernetes", STR, "cluster.local"),
    _k("oauth_token_secret_name", "kubernetes", NAMESPACED, "postgresql-operator", crd_default="postgres-operator"),
    _k("infrastructure_roles_secret_name", "kubernetes", NAMESPACED, "", deprecated="deprecated, use infrastructure_roles_secrets"),
    _k("infrastructure_roles_secrets", "kubernetes", STRUCTURED, []),
    _k("inherited_annotations", "kubernetes", LIST, []),
    _k("pod_role_label", "kubernetes", STR, "spilo-role"),
    _k("cluster_labels", "kubernetes", MAP, {"application": "spilo"}),
    _k("inherited_labels", "kubernetes", LIST, []),
    _k("cluster_name_label", "kubernetes", STR, "cluster-name"),
    _k("node_readiness_label", "kubernetes", MAP, {}),
    _k("node_readiness_label_merge", "kubernetes", STR, "OR"),
    _k("toleration", "kubernetes", MAP, {}),
    _k("pod_environment_configmap", "kubernetes", NAMESPACED, ""),
    _k("pod_environment_secret", "kubernetes", STR, ""),
    _k("pod_priority_class_name", "kubernetes", STR, ""),
    _k("spilo_runasuser", "kubernetes", INT, None),
    _k("spilo_runasgroup", "kubernetes", INT, None),
    _k("spilo_fsgroup", "kubernetes", INT, None),
    _k("spilo_privileged", "kubernetes", BOOL, False),
    _k("spilo_allow_privilege_escalation", "kubernetes", BOOL, True),
    _k("additional_pod_capabilities", "kubernetes", LIST, []),
    _k("master_pod_move_timeout", "kubernetes", DURATION, 20 * _MIN, crd_default=20 * _MIN, crd_fallback=10 * _MIN),
    _k("enable_pod_antiaffinity", "kubernetes", BOOL, False),
    _k("pod_antiaffinity_topology_key", "kubernetes", STR, "kubernetes.io/hostname"),
    _k("pod_antiaffinity_preferred_during_scheduling", "kubernetes", BOOL, False),
    _k("pod_management_policy", "kubernetes", STR, "ordered_ready"),
    _k("enable_readiness_probe", "kubernetes", BOOL, False),
    _k("storage_resize_mode", "kubernetes", STR, "pvc"),
    # postgres_pod_resources
    _k("default_cpu_request", "postgres_pod_resources", STR, ""),
    _k("default_memory_request", "postgres_pod_resources", STR, ""),
    _k("default_cpu_limit", "postgres_pod_resources", STR, ""),
    _k("default_memory_limit", "postgres_pod_resources", STR, ""),
    _k("min_cpu_limit", "postgres_pod_resources", STR, ""),
    _k("min_memory_limit", "postgres_pod_resources", STR, ""),
    _k("max_cpu_request", "postgres_pod_resources", STR, ""),
    _k("max_memory_request", "postgres_pod_resources", STR, ""),
    # patroni
    _k("enable_patroni_failsafe_mode", "patroni", BOOL, False),
    # timeouts
    _k("resource_check_interval", "timeouts", DURATION, 3),
    _k("resource_check_timeout", "timeouts", DURATION, 10 * _MIN),
    _k("pod_label_wait_timeout", "timeouts", DURATION, 10 * _MIN),
    _k("pod_deletion_wait_timeout", "timeouts", DURATION, 10 * _MIN),
    _k("ready_wait_interval", "timeouts", DURATION, 4),
    _k("ready_wait_timeout", "timeouts", DURATION, 30),
    _k("patroni_api_check_interval", "timeouts", DURATION, 1),
    _k("patroni_api_check_timeout", "timeouts", DURATION, 5),
    # load_balancer
    _k("custom_service_annotations", "load_balancer", MAP, {}),
    _k("db_hosted_zone", "load_balancer", STR, "db.example.com"),
    _k("enable_master_load_balancer", "load_balancer", BOOL, True, crd_default=False),
    _k("enable_master_pooler_load_balancer", "load_balancer", BOOL, False),
    _k("enable_replica_load_balancer", "load_balancer", BOOL, False),
    _k("enable_replica_pooler_load_balancer", "load_balancer", BOOL, False),
    _k("enable_master_node_port", "load_balancer", BOOL, False),
    _k("enable_replica_node_port", "load_balancer", BOOL, False),
    _k("enable_master_pooler_node_port", "load_balancer", BOOL, False),
    _k("enable_replica_pooler_node_port", "load_balancer", BOOL, False),
    _k("external_traffic_policy", "load_balancer", STR, "Cluster"),
    _k("master_dns_name_format", "load_balancer", STR, "{cluster}.{namespace}.{hostedzone}"),
    _k("master_legacy_dns_name_format", "load_balancer", STR, "{cluster}.{team}.{hostedzone}"),
    _k("replica_dns_name_format", "load_balancer", STR, "{cluster}-repl.{namespace}.{hostedzone}"),
    _k("replica_legacy_dns_name_format", "load_balancer", STR, "{cluster}-repl.{team}.{hostedzone}"),
    _k("enable_load_balancer", "load_balancer", BOOL, None, cm_only=True,
       deprecated="deprecated and has no effect, use enable_master_load_balancer / enable_replica_load_balancer"),
    # aws_or_gcp
    _k("wal_s3_bucket", "aws_or_gcp", STR, ""),
    _k("wal_gs_bucket", "aws_or_gcp", STR, ""),
    _k("gcp_credentials", "aws_or_gcp", STR, ""),
    _k("wal_az_storage_account", "aws_or_gcp", STR, ""),
    _k("log_s3_bucket", "aws_or_gcp", STR, ""),
    _k("kube_iam_role", "aws_or_gcp", STR, ""),
    _k("irsa_role_arn", "aws_or_gcp", STR, ""),
    _k("aws_region", "aws_or_gcp", STR, "eu-central-1"),
    _k("additional_secret_mount", "aws_or_gcp", STR, ""),
    _k("additional_secret_mount_path", "aws_or_gcp", STR, "/meta/credentials"),
    # logical_backup
    _k("logical_backup_schedule", "logical_backup", STR, "30 00 * * *"),
    _k("logical_backup_docker_image", "logical_backup", STR, LOGICAL_BACKUP_IMAGE),
    _k("logical_backup_provider", "logical_backup", STR, "s3"),
    _k("logical_backup_s3_bucket", "logical_backup", STR, ""),
    _k("logical_backup_s3_bucket_prefix", "logical_backup", STR, "spilo"),
    _k("logical_backup_s3_region", "logical_backup", STR, ""),
    _k("logical_backup_s3_endpoint", "logical_backup", STR, ""),
    _k("logical_backup_s3_access_key_id", "logical_backup", STR, "", secret=True),
    _k("logical_backup_s3_secret_access_key", "logical_backup", STR, "", secret=True),
    _k("logical_backup_s3_sse", "logical_backup", STR, "AES256"),
    _k("logical_backup_s3_retention_time", "logical_backup", STR, ""),
    _k("logical_backup_google_application_credentials", "logical_backup", STR, ""),
    _k("logical_backup_azure_storage_account_name", "logical_backup", STR, ""),
    _k("logical_backup_azure_storage_container", "logical_backup", STR, ""),
    _k("logical_backup_azure_storage_account_key", "logical_backup", STR, "", secret=True),
    _k("logical_backup_job_prefix", "logical_backup", STR, "logical-backup-"),
    _k("logical_backup_cronjob_environment_secret", "logical_backup", STR, ""),
    _k("logical_backup_cpu_request", "logical_backup", STR, ""),
    _k("logical_backup_memory_request", "logical_backup", STR, ""),
    _k("logical_backup_cpu_limit", "logical_backup", STR, ""),
    _k("logical_backup_memory_limit", "logical_backup", STR, ""),
    _k("logical_backup_successful_jobs_history_limit", "logical_backup", INT, 3),
    _k("logical_backup_failed_jobs_history_limit", "logical_backup", INT, 3),
    _k("logical_backup_ttl_seconds_after_finished", "logical_backup", INT, 86400),
    # debug
    _k("debug_logging", "debug", BOOL, True),
    _k("enable_database_access", "debug", BOOL, True),
    # teams_api
    _k("enable_teams_api", "teams_api", BOOL, True, crd_default=False),
    _k("teams_api_url", "teams_api", STR, "https://teams.example.com/api/"),
    _k("team_api_role_configuration", "teams_api", MAP, {"log_statement": "all"}),
    _k("enable_team_superuser", "teams_api", BOOL, False),
    _k("team_admin_role", "teams_api", STR, "admin"),
    _k("enable_admin_role_for_users", "teams_api", BOOL, True),
    _k("pam_role_name", "teams_api", STR, "zalandos"),
    _k("pam_configuration", "teams_api", STR, "https://info.example.com/oauth2/tokeninfo?access_token= uid realm=/employees"),
    _k("protected_role_names", "teams_api", LIST, ["admin", "cron_admin"]),
    _k("postgres_superuser_teams", "teams_api", LIST, []),
    _k("role_deletion_suffix", "teams_api", STR, "_deleted"),
    _k("enable_team_member_deprecation", "teams_api", BOOL, False),
    _k("enable_postgres_team_crd", "teams_api", BOOL, False, crd_default=True, crd_fallback=False),
    _k("enable_postgres_team_crd_superusers", "teams_api", BOOL, False),
    # logging_rest_api
    _k("api_port", "logging_rest_api", INT, 8080),
    _k("ring_log_lines", "logging_rest_api", INT, 100),
    _k("cluster_history_entries", "logging_rest_api", INT, 1000),
    # scalyr (deprecated upstream; the sidecar is only added when key and image are set)
    _k("scalyr_api_key", "scalyr", STR, "", secret=True, deprecated="the Scalyr sidecar is deprecated"),
    _k("scalyr_image", "scalyr", STR, "", deprecated="the Scalyr sidecar is deprecated"),
    _k("scalyr_server_url", "scalyr", STR, "https://upload.eu.scalyr.com"),
    _k("scalyr_cpu_request", "scalyr", STR, "100m"),
    _k("scalyr_memory_request", "scalyr", STR, "50Mi"),
    _k("scalyr_cpu_limit", "scalyr", STR, "1"),
    _k("scalyr_memory_limit", "scalyr", STR, "500Mi"),
    # connection_pooler
    _k("connection_pooler_number_of_instances", "connection_pooler", INT, 2),
    _k("connection_pooler_schema", "connection_pooler", STR, "pooler"),
    _k("connection_pooler_user", "connection_pooler", STR, "pooler"),
    _k("connection_pooler_image", "connection_pooler", STR, POOLER_IMAGE),
    _k("connection_pooler_max_db_connections", "connection_pooler", INT, 60),
    _k("connection_pooler_mode", "connection_pooler", STR, "transaction"),
    _k("connection_pooler_default_cpu_request", "connection_pooler", STR, ""),
    _k("connection_pooler_default_memory_request", "connection_pooler", STR, ""),
    _k("connection_pooler_default_cpu_limit", "connection_pooler", STR, ""),
    _k("connection_pooler_default_memory_limit", "connection_pooler", STR, ""),
)

CONFIG_KEYS = dict((key.name, key) for key in _KEYS)
"""Key name -> ConfigKey, in the order of reference §3.2."""

KEY_NAMES = tuple(key.name for key in _KEYS)

SECRET_KEYS = frozenset(key.name for key in _KEYS if key.secret)

KEYS_BY_GROUP = dict((group, tuple(k.name for k in _KEYS if k.group == group)) for group in (None,) + GROUPS)

REMOVED_KEYS = {
    "enable_ebs_gp3_migration": "EBS gp3 migration is not supported; ignored",
    "enable_ebs_gp3_migration_max_size": "EBS gp3 migration is not supported; ignored",
    "enable_crd_validation": "removed upstream (CRDs are always validated); ignored",
}
"""Keys older configurations still carry: accepted with a warning, no effect."""

ENUMS = {
    "major_version_upgrade_mode": ("off", "manual", "full"),
    "pod_management_policy": ("ordered_ready", "parallel"),
    "storage_resize_mode": ("ebs", "mixed", "pvc", "off"),
    "node_readiness_label_merge": ("AND", "OR"),
    "external_traffic_policy": ("Cluster", "Local"),
    "logical_backup_provider": ("s3", "gcs", "az"),
    "connection_pooler_mode": ("session", "transaction"),
}
"""Keys whose value must be one of a fixed set (checked at construction)."""


def default_for(key, source, group_present=True):
    """The default of ``key`` (a ConfigKey) for ``source`` "configmap" or "crd".

    For the CRD, ``group_present`` says whether the key's group object exists in
    the resource (the schema default applies) or not (the Go fallback applies).
    """
    if source == "crd":
        return key.crd_default if group_present else key.crd_fallback
    return key.cm_default
