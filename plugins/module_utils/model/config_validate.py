# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start-up checks of the operator configuration (reference §3.1) plus sanity checks.

Upstream's checks (the ConfigMap path panics on them): ``min_instances`` <=
``max_instances`` when both are > 0; ``workers`` > 0; at least one pooler
instance; the pooler user is not the superuser. Ours on top: enumerations
(``config_keys.ENUMS``), ports, non-negative counts, version strings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ConfigurationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_keys import ENUMS
from ansible_collections.pgkube.operator.plugins.module_utils.model.config_parse import show

_POSITIVE = ("workers", "password_rotation_interval", "connection_pooler_max_db_connections", "resync_period", "repair_period")
_NON_NEGATIVE = (
    "password_rotation_user_retention", "ring_log_lines", "cluster_history_entries",
    "logical_backup_successful_jobs_history_limit", "logical_backup_failed_jobs_history_limit",
    "logical_backup_ttl_seconds_after_finished", "spilo_runasuser", "spilo_runasgroup", "spilo_fsgroup",
)


def validate(values, path_of):
    """A list of ``ConfigurationError`` for ``values`` (key -> typed value); empty when valid.

    ``path_of(key)`` gives the path to name in the error.
    """
    errors = []

    def fail(key, reason):
        errors.append(ConfigurationError(path_of(key), reason))

    for key, allowed in ENUMS.items():
        if values[key] not in allowed:
            fail(key, "must be one of %s, got %s" % (", ".join(allowed), show(values[key])))
    for key in _POSITIVE:
        if values[key] <= 0:
            fail(key, "must be greater than 0, got %s" % show(values[key]))
    for key in _NON_NEGATIVE:
        if values[key] is not None and values[key] < 0:
            fail(key, "must not be negative, got %s" % show(values[key]))
    low, high = values["min_instances"], values["max_instances"]
    if low > 0 and high > 0 and low > high:
        fail("min_instances", "must not be greater than max_instances (%d > %d)" % (low, high))
    if values["connection_pooler_number_of_instances"] < 1:
        fail("connection_pooler_number_of_instances", "must be at least 1, got %s" % show(values["connection_pooler_number_of_instances"]))
    if values["connection_pooler_user"] == values["super_username"]:
        fail("connection_pooler_user", "must differ from super_username %s" % show(values["super_username"]))
    if not 0 < values["api_port"] < 65536:
        fail("api_port", "must be a port number (1-65535), got %s" % show(values["api_port"]))
    for key in ("minimal_major_version", "target_major_version"):
        if not values[key].isdigit():
            fail(key, "must be a major version number such as \"17\", got %s" % show(values[key]))
    for key in ("super_username", "replication_username", "connection_pooler_user"):
        if not values[key]:
            fail(key, "must not be empty")
    return errors
