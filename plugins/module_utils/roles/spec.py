# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RoleSpec: one desired PostgreSQL role, with the source it came from (reference §6.1)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Origins, lowest priority first (reference §6.1: a role of a higher or equal origin replaces
# the one already known under the same name).
ORIGIN_MANIFEST = 1
ORIGIN_INFRASTRUCTURE = 2
ORIGIN_TEAMS_API = 3
ORIGIN_SYSTEM = 4
ORIGIN_BOOTSTRAP = 5
ORIGIN_GROUP = 0  # group roles referenced but not declared anywhere (created NOLOGIN if missing)

ORIGIN_NAMES = {
    ORIGIN_GROUP: "group",
    ORIGIN_MANIFEST: "manifest",
    ORIGIN_INFRASTRUCTURE: "infrastructure",
    ORIGIN_TEAMS_API: "teams_api",
    ORIGIN_SYSTEM: "system",
    ORIGIN_BOOTSTRAP: "prepared_database",
}


class RoleSpec:
    """A desired role.

    ``flags`` is the normalised flag list (``LOGIN`` present for login roles, ``NOLOGIN``
    never present, ``NO<flag>`` kept). ``password`` is the cleartext or an md5/SCRAM hash;
    it is never part of ``repr`` or ``as_dict``. ``keep_password``: the password is set when the
    role is created and never changed afterwards (system users, whose passwords Patroni and the
    replicas use; a role whose Secret was regenerated, see docs/roles.md).
    """

    __slots__ = ("name", "origin", "flags", "member_of", "admin_role", "parameters",
                 "is_db_owner", "rotation_parent", "_password", "path", "keep_password", "regenerated")

    def __init__(self, name, origin, flags=None, member_of=None, admin_role=None, parameters=None,
                 password=None, is_db_owner=False, rotation_parent=None, path=None, keep_password=False, regenerated=False):
        self.name = name
        self.origin = origin
        self.flags = sorted(set(flags or []))
        self.member_of = sorted(set(member_of or []))
        self.admin_role = admin_role or None
        self.parameters = dict(parameters or {})
        self._password = password
        self.is_db_owner = is_db_owner
        self.rotation_parent = rotation_parent
        self.path = path or name
        self.keep_password = keep_password
        self.regenerated = regenerated  # the password comes from a regenerated Secret (see secrets_data.Credential)

    @property
    def password(self):
        return self._password

    @password.setter
    def password(self, value):
        self._password = value

    @property
    def login(self):
        return "LOGIN" in self.flags

    @property
    def origin_name(self):
        return ORIGIN_NAMES.get(self.origin, str(self.origin))

    def add_member_of(self, *groups):
        self.member_of = sorted(set(self.member_of) | set(g for g in groups if g))

    def as_dict(self):
        """A printable description; the password is replaced by a boolean."""
        return {
            "name": self.name,
            "origin": self.origin_name,
            "flags": list(self.flags),
            "member_of": list(self.member_of),
            "admin_role": self.admin_role,
            "parameters": dict(self.parameters),
            "has_password": self._password is not None,
        }

    def __repr__(self):
        return "RoleSpec(%r, origin=%s, flags=%r, member_of=%r)" % (self.name, self.origin_name, self.flags, self.member_of)


class DatabaseSpec:
    """A desired database with its owner; prepared databases carry schemas and extensions."""

    __slots__ = ("name", "owner", "prepared", "schemas", "extensions", "default_privileges", "path")

    def __init__(self, name, owner, prepared=False, schemas=None, extensions=None, default_privileges=None, path=None):
        self.name = name
        self.owner = owner
        self.prepared = prepared
        self.schemas = list(schemas or [])  # list of SchemaSpec
        self.extensions = dict(extensions or {})  # extension -> schema
        # list of (owner_role, schema_or_None, reader_role, writer_role): applied at creation only
        self.default_privileges = list(default_privileges or [])
        self.path = path or name

    def __repr__(self):
        return "DatabaseSpec(%r, owner=%r, prepared=%r)" % (self.name, self.owner, self.prepared)


class SchemaSpec:
    __slots__ = ("name", "owner", "default_privileges")

    def __init__(self, name, owner, default_privileges=None):
        self.name = name
        self.owner = owner
        self.default_privileges = list(default_privileges or [])

    def __repr__(self):
        return "SchemaSpec(%r, owner=%r)" % (self.name, self.owner)


class DesiredState:
    """What the cluster should contain: roles by name, databases by name, warnings collected."""

    def __init__(self):
        self.roles = {}
        self.databases = {}
        self.warnings = []
        self.drop_roles = []  # rotation users past retention

    def add_role(self, role):
        """Add ``role`` unless a role of higher origin already holds the name (§6.1)."""
        current = self.roles.get(role.name)
        if current is not None and role.origin < current.origin:
            return False
        self.roles[role.name] = role
        return True
