# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prepared databases: default roles, default users, schemas, extensions (reference §6.3)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest_roles import system_database_reason
from ansible_collections.pgkube.operator.plugins.module_utils.model.role_flags import SYSTEM_DATABASES, is_valid_database_name, prepared_name_problems
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import (
    RoleSpec, DatabaseSpec, SchemaSpec, ORIGIN_BOOTSTRAP,
)

DEFAULT_SCHEMA = "data"


def _bool(value, default, path):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise ValidationError(path, "must be a boolean, got %r" % (value,))


def _search_path(schemas):
    return ", ".join(['"$user"'] + list(schemas))


def _default_roles(prefix, admin, search_path, default_users, path):
    """The owner/reader/writer triple (and their ``_user`` LOGIN variants) for ``prefix``."""
    owner, reader, writer = prefix + "_owner", prefix + "_reader", prefix + "_writer"
    params = {"search_path": search_path}
    roles = [
        RoleSpec(owner, ORIGIN_BOOTSTRAP, flags=[], admin_role=admin, parameters=params, path=path),
        RoleSpec(reader, ORIGIN_BOOTSTRAP, flags=[], admin_role=owner, parameters=params, path=path),
        RoleSpec(writer, ORIGIN_BOOTSTRAP, flags=[], member_of=[reader], admin_role=owner, parameters=params, path=path),
    ]
    if default_users:
        for base in list(roles):
            roles.append(RoleSpec(base.name + "_user", ORIGIN_BOOTSTRAP, flags=["LOGIN"], member_of=[base.name],
                                  admin_role=base.admin_role, parameters=params, path=path))
    return roles


def _check_names(db, db_users, schemas, extensions, path):
    """A system database, or names PostgreSQL would truncate (63 bytes), are refused."""
    if db in SYSTEM_DATABASES:
        raise ValidationError(path, system_database_reason(db))
    flags = {}
    for schema, body in schemas.items():
        body = body if isinstance(body, dict) else {}
        flags[schema] = (body.get("defaultRoles") is not False, body.get("defaultUsers") is True)
    for relative, reason in prepared_name_problems(db, db_users, flags, extensions if isinstance(extensions, dict) else {}):
        raise ValidationError("%s.%s" % (path, relative) if relative else path, reason)


def prepared_databases(prepared, cluster_name, team_admin_role):
    """Return ``(roles, databases)`` for ``spec.preparedDatabases`` (``None`` ⇒ nothing)."""
    if prepared is None:
        return [], []
    if not isinstance(prepared, dict):
        raise ValidationError("spec.preparedDatabases", "must be a mapping")
    if not prepared:
        prepared = {cluster_name.replace("-", "_"): {}}
    roles, databases = [], []
    for db in sorted(prepared):
        path = "spec.preparedDatabases.%s" % db
        body = prepared[db] or {}
        if not is_valid_database_name(db):
            raise ValidationError(path, "invalid database name %r (must match ^[a-zA-Z_][a-zA-Z0-9_]*$)" % (db,))
        if not isinstance(body, dict):
            raise ValidationError(path, "must be a mapping")
        db_users = _bool(body.get("defaultUsers"), False, path + ".defaultUsers")
        schemas = body.get("schemas")
        if schemas is None or schemas == {}:
            schemas = {DEFAULT_SCHEMA: {}}
        if not isinstance(schemas, dict):
            raise ValidationError(path + ".schemas", "must be a mapping")
        for schema in schemas:
            if not is_valid_database_name(schema):
                raise ValidationError("%s.schemas.%s" % (path, schema), "invalid schema name %r (must match ^[a-zA-Z_][a-zA-Z0-9_]*$)" % (schema,))
        _check_names(db, db_users, schemas, body.get("extensions"), path)
        schema_names = sorted(schemas)
        db_owner = db + "_owner"
        roles.extend(_default_roles(db, team_admin_role, _search_path(schema_names), db_users, path))
        db_owners = [db_owner] + ([db_owner + "_user"] if db_users else [])
        db_privs = [(o, None, db + "_reader", db + "_writer") for o in db_owners]
        schema_specs = []
        for schema in schema_names:
            spath = "%s.schemas.%s" % (path, schema)
            sbody = schemas[schema] or {}
            if not isinstance(sbody, dict):
                raise ValidationError(spath, "must be a mapping")
            default_roles = _bool(sbody.get("defaultRoles"), True, spath + ".defaultRoles")
            default_users = _bool(sbody.get("defaultUsers"), False, spath + ".defaultUsers")
            if default_roles:
                prefix = "%s_%s" % (db, schema)
                roles.extend(_default_roles(prefix, db_owner, _search_path([schema]), default_users, spath))
                owners = [prefix + "_owner"] + ([prefix + "_owner_user"] if default_users else [])
                privs = [(o, schema, prefix + "_reader", prefix + "_writer") for o in owners]
                schema_owner = prefix + "_owner"
            else:
                privs = [(o, schema, db + "_reader", db + "_writer") for o in db_owners]
                schema_owner = db_owner
            schema_specs.append(SchemaSpec(schema, schema_owner, default_privileges=privs))
        extensions = body.get("extensions") or {}
        if not isinstance(extensions, dict):
            raise ValidationError(path + ".extensions", "must be a mapping")
        for ext, ext_schema in extensions.items():
            epath = "%s.extensions.%s" % (path, ext)
            if not isinstance(ext, str) or not ext or "\x00" in ext:
                raise ValidationError(epath, "invalid extension name")
            if not is_valid_database_name(ext_schema):
                raise ValidationError(epath, "invalid schema name %r (must match ^[a-zA-Z_][a-zA-Z0-9_]*$)" % (ext_schema,))
        databases.append(DatabaseSpec(db, db_owner, prepared=True, schemas=schema_specs, extensions=extensions,
                                      default_privileges=db_privs, path=path))
    return roles, databases
