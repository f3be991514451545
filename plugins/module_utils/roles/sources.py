# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired role and database set of a cluster, from every source, by priority (reference §6.1).

``build_desired`` takes plain data only (manifest dict, settings, credentials, infrastructure
and team roles already resolved) and does no I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.role_flags import (
    MAX_NAME_BYTES, ROTATION_SUFFIX_LENGTH, SYSTEM_DATABASES, normalize_flags, is_valid_username, is_valid_database_name, name_bytes, too_long,
)
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest_roles import system_database_reason
from ansible_collections.pgkube.operator.plugins.module_utils.roles.prepared import prepared_databases
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import (
    DesiredState, RoleSpec, DatabaseSpec, ORIGIN_MANIFEST, ORIGIN_SYSTEM, ORIGIN_GROUP, ORIGIN_TEAMS_API,
)


def manifest_spec(manifest):
    """``(cluster_name, spec)`` of a ``postgresql`` manifest dict (validated lightly)."""
    if not isinstance(manifest, dict):
        raise ValidationError("definition", "must be a mapping (a postgresql manifest)")
    metadata = manifest.get("metadata") or {}
    name = metadata.get("name")
    if not name or not isinstance(name, str):
        raise ValidationError("metadata.name", "is required")
    spec = manifest.get("spec") or {}
    if not isinstance(spec, dict):
        raise ValidationError("spec", "must be a mapping")
    for key in ("users", "databases"):
        if spec.get(key) is not None and not isinstance(spec.get(key), dict):
            raise ValidationError("spec." + key, "must be a mapping")
    for key in ("usersWithSecretRotation", "usersWithInPlaceSecretRotation", "usersIgnoringSecretRotation"):
        value = spec.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise ValidationError("spec." + key, "must be a list of user names")
    for index, user in enumerate(spec.get("usersWithSecretRotation") or []):
        if name_bytes(user) + ROTATION_SUFFIX_LENGTH > MAX_NAME_BYTES:
            raise ValidationError("spec.usersWithSecretRotation[%d]" % index, "user %r is %d bytes long; its rotation role %s<YYMMDD> would "
                                  "pass PostgreSQL's %d bytes" % (user, name_bytes(user), user, MAX_NAME_BYTES))
    return name, spec


def password_encryption(spec):
    params = ((spec.get("postgresql") or {}).get("parameters") or {})
    value = str(params.get("password_encryption", "scram-sha-256")).strip().lower()
    return "md5" if value == "md5" else "scram-sha-256"


def build_desired(manifest, settings, credentials=None, infra_roles=(), team_roles=(), warnings=None):
    """Return a ``DesiredState``; ``credentials``: ``{user: Credential}``."""
    credentials = credentials or {}
    desired = DesiredState()
    if warnings is not None:
        desired.warnings = warnings
    name, spec = manifest_spec(manifest)
    refused = settings.system_names() | set(settings.protected_role_names)

    # System users: Spilo creates them at bootstrap with their Secrets' passwords; the superuser's is our own login and
    # Patroni's, the replication user's is in every replica's environment: never changed here (created if missing).
    desired.add_role(RoleSpec(settings.super_username, ORIGIN_SYSTEM, flags=["LOGIN", "SUPERUSER"], path="system", keep_password=True))
    desired.add_role(RoleSpec(settings.replication_username, ORIGIN_SYSTEM, flags=["LOGIN", "REPLICATION"], path="system",
                              keep_password=True))
    for role in infra_roles:
        desired.add_role(role)

    prepared_roles, prepared_dbs = prepared_databases(spec.get("preparedDatabases"), name, settings.team_admin_role)
    for role in prepared_roles:
        desired.add_role(role)

    admin = settings.team_admin_role if settings.enable_admin_role_for_users else None
    for user in sorted(spec.get("users") or {}):
        path = "spec.users.%s" % user
        if not is_valid_username(user):
            raise ValidationError(path, "invalid user name %r (must match %s)" % (user, "^[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$"))
        if too_long(user, "user name"):
            raise ValidationError(path, too_long(user, "user name"))
        flags = normalize_flags(spec["users"][user], path=path)
        if user in refused:
            desired.warnings.append("%s: role %r is protected or a system role; ignored" % (path, user))
            continue
        desired.add_role(RoleSpec(user, ORIGIN_MANIFEST, flags=flags, admin_role=admin, path=path))

    for role in team_roles:
        desired.add_role(role)

    for db in sorted(spec.get("databases") or {}):
        owner = spec["databases"][db]
        path = "spec.databases.%s" % db
        if not is_valid_database_name(db):
            raise ValidationError(path, "invalid database name %r (must match ^[a-zA-Z_][a-zA-Z0-9_]*$)" % (db,))
        if db in SYSTEM_DATABASES:
            raise ValidationError(path, system_database_reason(db))
        if too_long(db, "database name") or (isinstance(owner, str) and too_long(owner, "owner name")):
            raise ValidationError(path, too_long(db, "database name") or too_long(owner, "owner name"))
        if not isinstance(owner, str) or owner not in desired.roles:
            raise ValidationError(path, "owner %r is not a role of this cluster" % (owner,))
        desired.databases[db] = DatabaseSpec(db, owner, path=path)
    for db in prepared_dbs:
        if db.name in desired.databases:
            desired.warnings.append("%s: database also listed in spec.databases; the prepared database wins" % db.path)
        desired.databases[db.name] = db

    for db in desired.databases.values():
        role = desired.roles[db.owner]
        role.is_db_owner = True
        role.add_member_of(*settings.additional_owner_roles)

    # Passwords: the Secret is authoritative, except for infrastructure roles (they bring their own).
    for role in desired.roles.values():
        if role.origin in (ORIGIN_MANIFEST, ORIGIN_SYSTEM) or (role.origin > ORIGIN_SYSTEM and role.login):
            cred = credentials.get(role.name)
            if cred is not None and cred.password is not None:
                role.password = cred.password
                if cred.regenerated:
                    # a new password for a role PostgreSQL may know with another one: used to create it only
                    role.keep_password = role.regenerated = True
        elif role.origin == ORIGIN_TEAMS_API:
            role.password = None

    # Group roles referenced but declared nowhere (Spilo creates admin, zalandos, cron_admin at bootstrap).
    for role in list(desired.roles.values()):
        for group in list(role.member_of) + ([role.admin_role] if role.admin_role else []):
            if group not in desired.roles:
                desired.roles[group] = RoleSpec(group, ORIGIN_GROUP, flags=[], path="group of %s" % role.name)
    return desired
