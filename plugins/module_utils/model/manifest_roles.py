# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users, databases and prepared databases of the ``postgresql`` spec (reference §2.2, §6.3).

Bad user names and bad role flags are errors (upstream fails the user initialisation).
Database and schema names that are not ``^[a-zA-Z_][a-zA-Z0-9_]*$`` are skipped with a
warning, as upstream skips them with a log message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.fields import describe, join
from ansible_collections.pgkube.operator.plugins.module_utils.model.role_flags import (
    DATABASE_NAME_RE, MAX_NAME_BYTES, ROTATION_SUFFIX_LENGTH, SYSTEM_DATABASES, is_valid_database_name, is_valid_username, name_bytes,
    normalize_flags, prepared_name_problems, too_long)

USERNAME_FORM = ("lower-case letters, digits, '-' and '_', starting and ending with a letter or digit; "
                 "\"<namespace>.<user>\" for a user whose secret lives in another namespace")
NAME_FORM = DATABASE_NAME_RE.pattern


def read_users(fields, spec, path):
    """``{name: normalised flag list}``; the CRD allows each flag all lower- or all upper-case."""
    users = fields.mapping(spec, "users", path, default={})
    where = join(path, "users")
    result = {}
    for name, flags in users.items():
        user_path = join(where, name)
        if not is_valid_username(name):
            fields.error(user_path, "%r is not a valid user name (%s)" % (name, USERNAME_FORM))
            continue
        if too_long(name, "user name"):
            fields.error(user_path, too_long(name, "user name"))
            continue
        if isinstance(flags, list):
            bad = [i for i, flag in enumerate(flags) if isinstance(flag, str) and flag not in (flag.lower(), flag.upper())]
            if bad:
                fields.error(join(user_path, bad[0]), "role flag %r must be written all lower-case or all upper-case" % flags[bad[0]])
                continue
        try:
            result[name] = normalize_flags(flags, user_path)
        except ValidationError as error:
            fields.errors.append(error)
    return result


def read_databases(fields, spec, path):
    """``{database: owner}``; invalid database names are dropped with a warning."""
    databases = fields.mapping(spec, "databases", path, default={})
    where = join(path, "databases")
    result = {}
    for name, owner in databases.items():
        if not is_valid_database_name(name):
            fields.warn("%s: database name %r skipped: it must match %s" % (where, name, NAME_FORM))
            continue
        if name in SYSTEM_DATABASES:
            fields.error(join(where, name), system_database_reason(name))
            continue
        if not isinstance(owner, str) or not owner:
            fields.error(join(where, name), "must be the name of the owner role, got %s" % describe(owner))
            continue
        reason = too_long(name, "database name") or too_long(owner, "owner name")
        if reason:
            fields.error(join(where, name), reason)
            continue
        result[name] = owner
    return result


def system_database_reason(name):
    return ("%r is a system database: it exists in every cluster and is never created, re-owned or prepared from a manifest "
            "(system databases: %s)" % (name, ", ".join(SYSTEM_DATABASES)))


def check_rotation_names(fields, users, path):
    """A dated rotation role ``<user>YYMMDD`` must fit PostgreSQL's 63 bytes."""
    for index, user in enumerate(users):
        if name_bytes(user) + ROTATION_SUFFIX_LENGTH > MAX_NAME_BYTES:
            most = MAX_NAME_BYTES - ROTATION_SUFFIX_LENGTH
            fields.error(join(path, index), "user %r is %d bytes long; its rotation role %s<YYMMDD> would pass PostgreSQL's %d bytes "
                         "(rotated users may have at most %d)" % (user, name_bytes(user), user, MAX_NAME_BYTES, most))


def check_prepared_names(fields, prepared, path):
    """Names of prepared databases (as normalised here) that PostgreSQL would truncate or that are system databases."""
    for name, body in sorted((prepared or {}).items()):
        db_path = join(path, name)
        if name in SYSTEM_DATABASES:
            fields.error(db_path, system_database_reason(name))
            continue
        schemas = dict((s, (v["defaultRoles"], v["defaultUsers"])) for s, v in body["schemas"].items())
        for relative, reason in prepared_name_problems(name, body["defaultUsers"], schemas, body["extensions"]):
            fields.error(join(db_path, relative) if relative else db_path, reason)


def read_prepared_databases(fields, spec, path):
    """``None`` when absent; else ``{db: {defaultUsers, extensions, schemas, secretNamespace}}``.

    ``schemas`` maps each schema to ``{"defaultUsers": bool, "defaultRoles": bool}``
    (defaults false / true). Absent or empty ``schemas`` stays ``{}`` here; the effective
    default schema ``data`` is applied by ``effective_prepared_databases``.
    """
    prepared = fields.mapping(spec, "preparedDatabases", path)
    if prepared is None:
        return None
    where = join(path, "preparedDatabases")
    result = {}
    for name, body in prepared.items():
        db_path = join(where, name)
        if not is_valid_database_name(name):
            fields.warn("%s: prepared database name %r skipped: it must match %s" % (where, name, NAME_FORM))
            continue
        if body is None:
            body = {}
        if not isinstance(body, dict):
            fields.error(db_path, "must be a mapping (defaultUsers, extensions, schemas, secretNamespace), got %s" % describe(body))
            continue
        result[name] = {
            "defaultUsers": fields.boolean(body, "defaultUsers", db_path, default=False),
            "extensions": fields.string_map(body, "extensions", db_path, default={}),
            "schemas": _read_schemas(fields, body, db_path),
            "secretNamespace": fields.string(body, "secretNamespace", db_path),
        }
    check_prepared_names(fields, result, where)
    return result


def _read_schemas(fields, body, db_path):
    schemas = fields.mapping(body, "schemas", db_path, default={})
    where = join(db_path, "schemas")
    result = {}
    for name, schema in schemas.items():
        if not is_valid_database_name(name):
            fields.warn("%s: schema name %r skipped: it must match %s" % (where, name, NAME_FORM))
            continue
        if schema is None:
            schema = {}
        if not isinstance(schema, dict):
            fields.error(join(where, name), "must be a mapping (defaultUsers, defaultRoles), got %s" % describe(schema))
            continue
        result[name] = {
            "defaultUsers": fields.boolean(schema, "defaultUsers", join(where, name), default=False),
            "defaultRoles": fields.boolean(schema, "defaultRoles", join(where, name), default=True),
        }
    return result


def effective_prepared_databases(prepared, cluster_name):
    """Apply upstream's implicit defaults to a normalised ``preparedDatabases`` value.

    ``{}`` means one database named like the cluster with ``-`` turned into ``_``; a
    database without schemas gets the schema ``data`` (defaultRoles true). ``None``
    (section absent) gives ``{}``.
    """
    if prepared is None:
        return {}
    if not prepared:
        prepared = {cluster_name.replace("-", "_"): {"defaultUsers": False, "extensions": {}, "schemas": {}, "secretNamespace": None}}
    result = {}
    for name, body in prepared.items():
        body = dict(body)
        if not body.get("schemas"):
            body["schemas"] = {"data": {"defaultUsers": False, "defaultRoles": True}}
        result[name] = body
    return result
