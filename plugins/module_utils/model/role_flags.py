# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role names and role flags as the Zalando operator accepts them (reference §2.2).

Shared by the manifest model (validation of ``spec.users``) and by the role
sync (``postgres_roles``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError

ROLE_FLAGS = ("SUPERUSER", "LOGIN", "CREATEDB", "INHERIT", "REPLICATION", "BYPASSRLS", "CREATEROLE")

USERNAME_RE = re.compile(r"^[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$")
DATABASE_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_ALNUM_RE = re.compile(r"^[A-Za-z0-9]+$")

# PostgreSQL keeps NAMEDATALEN - 1 bytes of a name and silently truncates the rest: the first sync
# would create the truncated name and every later one fail ("role ... already exists").
MAX_NAME_BYTES = 63
# the databases every server has: never created, re-owned or prepared from a manifest
SYSTEM_DATABASES = ("postgres", "template0", "template1")
ROTATION_SUFFIX_LENGTH = 6  # <user>YYMMDD, the role a password rotation creates


def name_bytes(name):
    return len(name.encode("utf-8"))


def too_long(name, what="name"):
    """Why PostgreSQL would truncate ``name`` (more than 63 bytes), or None."""
    size = name_bytes(name)
    if size <= MAX_NAME_BYTES:
        return None
    return "%s %r is %d bytes long; PostgreSQL truncates names to %d bytes, so it would be created under another name" % (
        what, name, size, MAX_NAME_BYTES)


def default_role_names(prefix, default_users):
    """The roles a prepared database (``prefix`` = db) or schema (``<db>_<schema>``) gets."""
    names = [prefix + "_owner", prefix + "_reader", prefix + "_writer"]
    return names + ([name + "_user" for name in names] if default_users else [])


def prepared_name_problems(database, default_users, schemas, extensions):
    """``[(relative path, reason)]`` for a prepared database whose names PostgreSQL would truncate.

    ``schemas``: ``{schema: (default_roles, default_users)}``; ``extensions``: ``{extension: schema}``.
    The relative path is ``""`` (the database), ``schemas.<s>`` or ``extensions.<e>``.
    """
    problems = []
    reason = too_long(database, "database name")
    if reason:
        return [("", reason)]
    longest = max(default_role_names(database, default_users), key=name_bytes)
    if too_long(longest):
        problems.append(("", too_long(longest, "the database's role")))
    for schema, (default_roles, schema_users) in sorted(schemas.items()):
        reason = too_long(schema, "schema name")
        if not reason and default_roles:
            longest = max(default_role_names("%s_%s" % (database, schema), schema_users), key=name_bytes)
            reason = too_long(longest, "the schema's role")
        if reason:
            problems.append(("schemas.%s" % schema, reason))
    for extension, schema in sorted(extensions.items()):
        reason = too_long(str(extension), "extension name") or too_long(str(schema), "schema name")
        if reason:
            problems.append(("extensions.%s" % extension, reason))
    return problems


def is_valid_username(name):
    return isinstance(name, str) and bool(USERNAME_RE.match(name))


def is_valid_database_name(name):
    """Database and schema names: ``^[a-zA-Z_][a-zA-Z0-9_]*$``."""
    return isinstance(name, str) and bool(DATABASE_NAME_RE.match(name))


def normalize_flags(flags, path="flags"):
    """Return the sorted, upper-cased internal flag list for a manifest role.

    Rules (reference §2.2): each flag is alphanumeric and one of ROLE_FLAGS or
    ``NO`` + one of them; a flag together with its inverse is an error; LOGIN is
    added unless LOGIN or NOLOGIN is given; NOLOGIN is dropped from the result.
    ``path`` names the field in error messages.
    """
    if flags is None:
        flags = []
    if not isinstance(flags, (list, tuple)):
        raise ValidationError(path, "must be a list of role flags, got %s" % type(flags).__name__)
    seen = set()
    for index, flag in enumerate(flags):
        where = "%s[%d]" % (path, index)
        if not isinstance(flag, str) or not _ALNUM_RE.match(flag):
            raise ValidationError(where, "role flag %r must be alphanumeric" % (flag,))
        upper = flag.upper()
        base = upper[2:] if upper.startswith("NO") and upper[2:] in ROLE_FLAGS else upper
        if base not in ROLE_FLAGS:
            raise ValidationError(where, "unknown role flag %r (allowed: %s and their NO forms)" % (flag, ", ".join(ROLE_FLAGS)))
        inverse = ("NO" + upper) if upper == base else base
        if inverse in seen:
            raise ValidationError(where, "role flag %s conflicts with %s" % (upper, inverse))
        seen.add(upper)
    if "LOGIN" not in seen and "NOLOGIN" not in seen:
        seen.add("LOGIN")
    seen.discard("NOLOGIN")
    return sorted(seen)
