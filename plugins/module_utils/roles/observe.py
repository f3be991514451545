# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the current roles, memberships, role settings, databases, schemas and extensions.

Roles, memberships, cluster-wide role settings and databases come from ONE catalog query; each
existing prepared database from one more (schemas + extensions together).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FLAG_COLUMNS = (
    ("SUPERUSER", "rolsuper"), ("INHERIT", "rolinherit"), ("CREATEROLE", "rolcreaterole"), ("CREATEDB", "rolcreatedb"),
    ("LOGIN", "rolcanlogin"), ("REPLICATION", "rolreplication"), ("BYPASSRLS", "rolbypassrls"),
)

# One round trip: a row per role (kind 'role'), then a row per database (kind 'database'), the
# columns a kind does not have left NULL.
CATALOG_QUERY = """
SELECT 'role' AS kind, a.rolname::text, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin,
       a.rolreplication, a.rolbypassrls, a.rolpassword,
       ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_authid g ON g.oid = m.roleid
             WHERE m.member = a.oid) AS member_of,
       ARRAY(SELECT u.rolname::text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_authid u ON u.oid = m.member
             WHERE m.roleid = a.oid AND m.admin_option) AS admins,
       s.setconfig, pg_catalog.shobj_description(a.oid, 'pg_authid') AS comment, NULL::text AS owner
FROM pg_catalog.pg_authid a
LEFT JOIN pg_catalog.pg_db_role_setting s ON s.setrole = a.oid AND s.setdatabase = 0
UNION ALL
SELECT 'database', d.datname::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       pg_catalog.shobj_description(d.oid, 'pg_database'), pg_catalog.pg_get_userbyid(d.datdba)::text
FROM pg_catalog.pg_database d WHERE d.datallowconn OR NOT d.datistemplate
"""

DATABASE_OBJECTS_QUERY = """
SELECT 'schema', n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n
UNION ALL
SELECT 'extension', e.extname, n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
"""


class ObservedRole:
    __slots__ = ("name", "flags", "member_of", "admins", "settings", "_password", "comment")

    def __init__(self, name, flags, member_of, admins, settings, password, comment=None):
        self.comment = comment
        self.name = name
        self.flags = frozenset(flags)
        self.member_of = frozenset(member_of or ())
        self.admins = frozenset(admins or ())
        self.settings = dict(settings or {})
        self._password = password

    @property
    def password(self):
        return self._password

    def __repr__(self):
        return "ObservedRole(%r, flags=%r)" % (self.name, sorted(self.flags))


class ObservedDatabase:
    __slots__ = ("name", "owner", "schemas", "extensions", "loaded", "comment")

    def __init__(self, name, owner, comment=None):
        self.comment = comment
        self.name = name
        self.owner = owner
        self.schemas = {}  # name -> owner
        self.extensions = {}  # name -> schema
        self.loaded = False

    def __repr__(self):
        return "ObservedDatabase(%r, owner=%r)" % (self.name, self.owner)


class Observed:
    def __init__(self, roles=None, databases=None):
        self.roles = roles or {}
        self.databases = databases or {}
        self.queries = 0


def parse_setconfig(setconfig):
    result = {}
    for item in setconfig or ():
        key, sep, value = item.partition("=")
        if sep:
            result[key] = value
    return result


def _role(row):
    name = row[1]
    flags = [flag for index, (flag, _column) in enumerate(FLAG_COLUMNS) if row[2 + index]]
    return ObservedRole(name, flags, row[10], row[11], parse_setconfig(row[12]), row[9], row[13])


def observe_database_objects(cursor, database):
    cursor.execute(DATABASE_OBJECTS_QUERY)
    for kind, name, extra in cursor.fetchall():
        if kind == "schema":
            database.schemas[name] = extra
        else:
            database.extensions[name] = extra
    database.loaded = True
    return database


def observe(cursor):
    """Roles and databases, from one catalog query."""
    cursor.execute(CATALOG_QUERY)
    roles, databases = {}, {}
    for row in cursor.fetchall():
        if row[0] == "role":
            roles[row[1]] = _role(row)
        else:
            databases[row[1]] = ObservedDatabase(row[1], row[14], row[13])
    observed = Observed(roles, databases)
    observed.queries = 1
    return observed
