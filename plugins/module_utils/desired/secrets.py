# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential Secrets of a cluster's LOGIN roles (reference §4.5, §6.1, §6.3).

One Secret per LOGIN role that has a password:

- system users: ``super_username`` and ``replication_username`` (and the stream user
  ``fes_user`` when the manifest has ``streams``);
- manifest users (``spec.users``) whose flags include LOGIN, except names listed in
  ``protected_role_names`` or equal to a system user (skipped with a warning);
- prepared-database ``_user`` roles (``defaultUsers: true`` on a database or a schema).

Name clashes are resolved by origin as upstream does (a prepared-database role beats a manifest
user of the same name). A ``ns.user`` manifest user gets its Secret in namespace ``ns`` when
``enable_cross_namespace_secret`` is on; when it is off the Secret stays in the cluster
namespace (the role name keeps its ``ns.`` prefix either way, as upstream). Prepared databases
put their Secrets into ``secretNamespace`` under the same switch.

Existing Secrets are the source of truth: ``build_secrets(..., existing=...)`` keeps the
username and password (and a ``nextRotation`` date) of a Secret that already exists, so a
desired Secret never carries a new password for an existing role. New passwords are 64 random
characters from ``[a-zA-Z0-9]`` drawn with ``secrets``.

The returned Secret objects are ``SecretObject`` dicts whose ``repr`` hides the ``data``
values; warnings never contain passwords.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import secrets
import string
from collections import namedtuple

from ansible_collections.pgkube.operator.plugins.module_utils.desired import labels as labels_mod
from ansible_collections.pgkube.operator.plugins.module_utils.desired import naming

PASSWORD_LENGTH = 64
PASSWORD_ALPHABET = string.ascii_letters + string.digits

STREAM_USER = "fes_user"
OWNER_SUFFIX = "_owner"
READER_SUFFIX = "_reader"
WRITER_SUFFIX = "_writer"
USER_SUFFIX = "_user"
DEFAULT_SCHEMA = "data"

ORIGIN_MANIFEST = "manifest"
ORIGIN_INFRASTRUCTURE = "infrastructure"
ORIGIN_TEAMS_API = "teams_api"
ORIGIN_SYSTEM = "system"
ORIGIN_PREPARED_DATABASE = "prepared_database"
ORIGIN_CONNECTION_POOLER = "connection_pooler"
ORIGIN_STREAM = "stream"

# reference §6.1: on a name clash the role with the higher (or equal) origin wins
ORIGIN_PRIORITY = {
    ORIGIN_MANIFEST: 1,
    ORIGIN_INFRASTRUCTURE: 2,
    ORIGIN_TEAMS_API: 3,
    ORIGIN_SYSTEM: 4,
    ORIGIN_PREPARED_DATABASE: 5,
    ORIGIN_CONNECTION_POOLER: 6,
    ORIGIN_STREAM: 7,
}

SecretUser = namedtuple("SecretUser", ["username", "namespace", "secret_name", "origin"])
SecretUser.__doc__ = "A LOGIN role that gets a credentials Secret (no password in here)."

_Role = namedtuple("_Role", ["name", "namespace", "origin", "login"])


class SecretObject(dict):
    """A Secret dict whose ``repr``/``str`` never show the ``data`` / ``stringData`` values."""

    def __repr__(self):
        shown = {}
        for key, value in self.items():
            if key in ("data", "stringData") and isinstance(value, dict):
                shown[key] = dict((k, "<redacted>") for k in value)
            else:
                shown[key] = value
        return "SecretObject(%r)" % (shown,)

    __str__ = __repr__


def generate_password(length=PASSWORD_LENGTH):
    """A random password of ``length`` characters from ``[a-zA-Z0-9]``."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for dummy in range(length))


def _warn(warnings, message):
    if warnings is not None:
        warnings.append(message)


def _b64encode(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _b64decode(value):
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None


def read_credentials(secret):
    """``(username, password)`` stored in a Secret dict (``data`` base64, or ``stringData``).

    Either value is None when missing or undecodable.
    """
    values = {}
    data = (secret or {}).get("data") or {}
    string_data = (secret or {}).get("stringData") or {}
    for key in ("username", "password"):
        if isinstance(string_data.get(key), str):
            values[key] = string_data[key]
        elif isinstance(data.get(key), str):
            values[key] = _b64decode(data[key])
        else:
            values[key] = None
    return values["username"], values["password"]


def system_usernames(cluster, cfg):
    """Names of the system users of the cluster (super user, replication user, stream user)."""
    names = [cfg.super_username, cfg.replication_username]
    if cluster.spec.get("streams"):
        names.append(STREAM_USER)
    return names


def _system_roles(cluster, cfg):
    roles = [_Role(cfg.super_username, cluster.namespace, ORIGIN_SYSTEM, True),
             _Role(cfg.replication_username, cluster.namespace, ORIGIN_SYSTEM, True)]
    if cluster.spec.get("streams"):
        roles.append(_Role(STREAM_USER, cluster.namespace, ORIGIN_STREAM, True))
    return roles


def prepared_databases(cluster):
    """``preparedDatabases`` with the upstream default: ``{}`` means one database named like the
    cluster (``-`` replaced by ``_``); None means no prepared databases."""
    prepared = cluster.spec.get("preparedDatabases")
    if prepared is None:
        return {}
    if not prepared:
        return {cluster.name.replace("-", "_"): {}}
    return prepared


def prepared_schemas(database_spec):
    """The schemas of a prepared database; none given means schema ``data`` with default roles."""
    schemas = (database_spec or {}).get("schemas") or {}
    if not schemas:
        return {DEFAULT_SCHEMA: {"defaultRoles": True}}
    return schemas


def _prepared_namespace(cluster, cfg, database, database_spec, warnings):
    wanted = (database_spec or {}).get("secretNamespace") or ""
    if not wanted:
        return cluster.namespace
    if cfg.enable_cross_namespace_secret:
        return wanted
    _warn(warnings, "preparedDatabases.%s.secretNamespace %r ignored because enable_cross_namespace_secret is off; "
                    "secrets are created in namespace %r" % (database, wanted, cluster.namespace))
    return cluster.namespace


def _prepared_role_set(prefix, namespace, with_users):
    roles = [_Role(prefix + suffix, namespace, ORIGIN_PREPARED_DATABASE, False)
             for suffix in (OWNER_SUFFIX, READER_SUFFIX, WRITER_SUFFIX)]
    if with_users:
        roles.extend(_Role(prefix + suffix + USER_SUFFIX, namespace, ORIGIN_PREPARED_DATABASE, True)
                     for suffix in (OWNER_SUFFIX, READER_SUFFIX, WRITER_SUFFIX))
    return roles


def _prepared_roles(cluster, cfg, warnings):
    roles = []
    for database in sorted(prepared_databases(cluster)):
        database_spec = prepared_databases(cluster)[database] or {}
        namespace = _prepared_namespace(cluster, cfg, database, database_spec, warnings)
        roles.extend(_prepared_role_set(database, namespace, bool(database_spec.get("defaultUsers"))))
        schemas = prepared_schemas(database_spec)
        for schema in sorted(schemas):
            schema_spec = schemas[schema] or {}
            if schema_spec.get("defaultRoles") is False:
                continue
            roles.extend(_prepared_role_set(database + "_" + schema, namespace, bool(schema_spec.get("defaultUsers"))))
    return roles


def _manifest_roles(cluster, cfg, warnings):
    protected = set(cfg.protected_role_names or [])
    system = set(system_usernames(cluster, cfg))
    roles = []
    users = cluster.spec.get("users") or {}
    for username in sorted(users):
        if username in protected:
            _warn(warnings, "manifest user %r skipped: the name is a protected role name" % username)
            continue
        if username in system:
            _warn(warnings, "manifest user %r skipped: the name is a system user name" % username)
            continue
        namespace = cluster.namespace
        if "." in username:
            if cfg.enable_cross_namespace_secret:
                namespace = username.split(".", 1)[0]
            else:
                _warn(warnings, "manifest user %r: enable_cross_namespace_secret is off, its secret is created in "
                                "namespace %r" % (username, cluster.namespace))
        flags = users[username] or []
        roles.append(_Role(username, namespace, ORIGIN_MANIFEST, "LOGIN" in flags))
    return roles


def _resolve(roles):
    """Name -> role, the later role replacing an earlier one when its origin is not lower."""
    chosen = {}
    for role in roles:
        current = chosen.get(role.name)
        if current is None or ORIGIN_PRIORITY[role.origin] >= ORIGIN_PRIORITY[current.origin]:
            chosen[role.name] = role
    return chosen


def secret_users(cluster, cfg, warnings=None):
    """The LOGIN roles that get a credentials Secret, as a list of ``SecretUser``
    ``(username, namespace, secret_name, origin)``: system users first, then the other roles
    sorted by name. ``warnings`` (a list) receives the reasons for skipped or moved users.
    """
    system = _system_roles(cluster, cfg)
    # upstream initialisation order: prepared-database roles, then manifest users
    others = _resolve(_prepared_roles(cluster, cfg, warnings) + _manifest_roles(cluster, cfg, warnings))
    system_names = set(role.name for role in system)
    result = []
    for role in system + [others[name] for name in sorted(others) if name not in system_names]:
        if not role.login:
            continue
        result.append(SecretUser(role.name, role.namespace, naming.secret_name(role.name, cluster.name, cfg), role.origin))
    return result


def _find_existing(existing, namespace, name):
    if not existing:
        return None
    found = existing.get(namespace + "/" + name)
    if found is None:
        found = existing.get(name)
        if found is not None:
            found_namespace = (found.get("metadata") or {}).get("namespace")
            if found_namespace and found_namespace != namespace:
                return None
    return found


def build_secret(cluster, cfg, user, existing_secret=None):
    """The Secret of one ``SecretUser``; keeps the credentials of ``existing_secret`` when given."""
    username, password = (None, None)
    extra = {}
    if existing_secret is not None:
        username, password = read_credentials(existing_secret)
        next_rotation = (existing_secret.get("data") or {}).get("nextRotation")
        if isinstance(next_rotation, str):
            extra["nextRotation"] = next_rotation
    if not username:
        username = user.username
    if not password:
        password = generate_password()
    metadata = {
        "name": user.secret_name,
        "namespace": user.namespace,
        "labels": labels_mod.object_labels(cluster, cfg),
    }
    annotations = labels_mod.inherited_annotations(cluster, cfg)
    if annotations:
        metadata["annotations"] = annotations
    data = {"username": _b64encode(username), "password": _b64encode(password)}
    data.update(extra)
    return SecretObject(apiVersion="v1", kind="Secret", type="Opaque", metadata=metadata, data=data)


def build_secrets(cluster, cfg, existing=None, warnings=None):
    """One Secret per ``secret_users`` entry.

    ``existing`` maps a Secret name (or ``"<namespace>/<name>"``) to the Secret dict read from
    the cluster; its username and password are kept. ``warnings`` (a list) receives notes.
    """
    result = []
    for user in secret_users(cluster, cfg, warnings):
        result.append(build_secret(cluster, cfg, user, _find_existing(existing, user.namespace, user.secret_name)))
    return result
