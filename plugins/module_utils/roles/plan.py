# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning: desired roles/databases vs observed catalogs -> SQL statements (reference §6.4, §6.5, §6.3).

Every statement is a ``psycopg2.sql.Composed``; its display text (``masked``) replaces password
literals by ``'********'``. Changes are additive (upstream behaviour) except where the desired
state says otherwise explicitly (``NO<flag>``, NOLOGIN, managed role parameters) and the
``absent`` policy for roles and databases that left the manifest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from psycopg2 import sql
    HAS_PSYCOPG2 = True
except ImportError:
    sql = None
    HAS_PSYCOPG2 = False

from ansible_collections.pgkube.operator.plugins.module_utils.errors import ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.model.role_flags import ROLE_FLAGS
from ansible_collections.pgkube.operator.plugins.module_utils.roles import scram
from ansible_collections.pgkube.operator.plugins.module_utils.roles.spec import ORIGIN_GROUP

MARKER = "managed by pgkube.operator"
MASK = "'********'"
ABSENT_POLICIES = ("keep", "rename", "drop")
_PARAM_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$")
_ROTATION_SUFFIX_RE = re.compile(r"^\d{6}$")
LIST_PARAMETERS = ("search_path",)


class Statement:
    """One SQL statement. ``database``: None = the main connection; ``transactional`` False for
    CREATE/DROP DATABASE (run in autocommit, only reported in check mode)."""

    __slots__ = ("sql", "masked", "database", "transactional", "reason", "late")

    def __init__(self, query, masked=None, database=None, transactional=True, reason="", late=False):
        self.late = late
        self.sql = query
        self.masked = masked if masked is not None else query
        self.database = database
        self.transactional = transactional
        self.reason = reason

    @property
    def text(self):
        return render(self.masked)

    def __repr__(self):
        return "Statement(%r)" % self.text


class Plan:
    def __init__(self):
        self.statements = []
        self.roles_created = []
        self.roles_altered = []
        self.roles_renamed = []
        self.roles_dropped = []
        self.databases_created = []
        self.databases_altered = []
        self.databases_renamed = []
        self.databases_dropped = []
        self.warnings = []
        # roles whose password came from a regenerated Secret: kept in PostgreSQL (it differs), or in
        # effect (the role was created with it, or already has it)
        self.passwords_held = []
        self.passwords_in_effect = []

    def add(self, statement):
        self.statements.append(statement)

    def summary(self):
        return dict((key, list(getattr(self, key))) for key in (
            "roles_created", "roles_altered", "roles_renamed", "roles_dropped",
            "databases_created", "databases_altered", "databases_renamed", "databases_dropped"))


def render(obj):
    """Readable SQL text of a Composable without a connection (display only, never executed)."""
    if isinstance(obj, sql.Composed):
        return "".join(render(part) for part in obj.seq)
    if isinstance(obj, sql.Identifier):
        return ".".join('"%s"' % s.replace('"', '""') for s in obj.strings)
    if isinstance(obj, sql.Literal):
        value = obj.wrapped
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        text = str(value).replace("'", "''")
        return ("E'%s'" % text.replace("\\", "\\\\")) if "\\" in text else "'%s'" % text
    if isinstance(obj, sql.SQL):
        return obj.string
    return str(obj)


def _ident(name):
    return sql.Identifier(name)


def _idents(names):
    return sql.SQL(", ").join(_ident(n) for n in names)


def parse_list_value(value):
    """Split a GUC list (``"$user", data``) into names, honouring double quotes."""
    items, current, quoted, i = [], [], False, 0
    text = value or ""
    while i < len(text):
        c = text[i]
        if quoted:
            if c == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    current.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                current.append(c)
        elif c == '"':
            quoted = True
        elif c == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        i += 1
    tail = "".join(current).strip()
    if tail or items:
        items.append(tail)
    return [item for item in items if item != ""]


def _param_name(name, path):
    if not isinstance(name, str) or not _PARAM_NAME_RE.match(name):
        raise ValidationError(path, "invalid role parameter name %r" % (name,))
    return sql.Identifier(*name.split("."))


def _param_value_sql(name, value, path):
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError("%s.%s" % (path, name), "role parameter value must be a string without NUL bytes")
    if name.lower() in LIST_PARAMETERS:
        items = parse_list_value(value)
        if not items:
            raise ValidationError("%s.%s" % (path, name), "empty list value")
        return _idents(items)
    return sql.Literal(value)


def _param_equal(name, desired, observed):
    if observed is None:
        return False
    if name.lower() in LIST_PARAMETERS:
        return parse_list_value(desired) == parse_list_value(observed)
    return desired == observed


def _flag_changes(role, observed):
    """Flags to add to an existing role (additive; explicit NO<flag> and NOLOGIN are honoured)."""
    changes = []
    for flag in role.flags:
        if flag in ROLE_FLAGS:
            if flag not in observed.flags:
                changes.append(flag)
        elif flag.startswith("NO") and flag[2:] in ROLE_FLAGS and flag[2:] in observed.flags:
            changes.append(flag)
    if not role.login and "LOGIN" in observed.flags:
        changes.append("NOLOGIN")
    return changes


def _create_flags(role):
    flags = list(role.flags)
    if not role.login:
        flags.append("NOLOGIN")
    return sorted(flags)


def _password_parts(role, encryption):
    verifier = scram.hash_password(role.password, role.name, encryption)
    return sql.SQL(" PASSWORD ") + sql.Literal(verifier), sql.SQL(" PASSWORD " + MASK)


def _create_order(desired, observed):
    """Roles to create, groups before members where possible; the rest get separate GRANTs."""
    missing = [name for name in sorted(desired.roles) if name not in observed.roles]
    available = set(observed.roles)
    ordered, pending = [], list(missing)
    while pending:
        progress = False
        rest = []
        for name in pending:
            role = desired.roles[name]
            needs = set(role.member_of) | ({role.admin_role} if role.admin_role else set())
            if needs <= available:
                ordered.append((name, True))
                available.add(name)
                progress = True
            else:
                rest.append(name)
        pending = rest
        if not progress:
            ordered.extend((name, False) for name in pending)
            break
    return ordered


def plan_roles(desired, observed, plan, encryption="scram-sha-256"):
    late_grants = []
    for name, inline in _create_order(desired, observed):
        role = desired.roles[name]
        parts = [sql.SQL("CREATE ROLE "), _ident(name), sql.SQL(" WITH " + " ".join(_create_flags(role)))]
        masked = list(parts)
        if inline and role.member_of:
            clause = [sql.SQL(" IN ROLE "), _idents(role.member_of)]
            parts += clause
            masked += clause
        if inline and role.admin_role:
            clause = [sql.SQL(" ADMIN "), _ident(role.admin_role)]
            parts += clause
            masked += clause
        if role.password is not None:
            real, hidden = _password_parts(role, encryption)
            parts.append(real)
            masked.append(hidden)
        plan.add(Statement(sql.Composed(parts), sql.Composed(masked), reason="create role %s" % name))
        if role.regenerated:
            plan.passwords_in_effect.append(name)
        plan.add(Statement(sql.SQL("COMMENT ON ROLE {} IS {}").format(_ident(name), sql.Literal(MARKER)), reason="mark role %s" % name))
        if not inline:
            late_grants.append(role)
        for key in sorted(role.parameters):
            plan.add(Statement(sql.SQL("ALTER ROLE {} SET {} TO {}").format(
                _ident(name), _param_name(key, role.path), _param_value_sql(key, role.parameters[key], role.path)),
                reason="role parameter"))
        plan.roles_created.append(name)
    for role in late_grants:
        if role.member_of:
            plan.add(Statement(sql.SQL("GRANT {} TO {}").format(_idents(role.member_of), _ident(role.name)), reason="membership"))
        if role.admin_role:
            plan.add(Statement(sql.SQL("GRANT {} TO {} WITH ADMIN OPTION").format(_ident(role.name), _ident(role.admin_role)),
                               reason="admin role"))

    existing = [name for name in sorted(desired.roles) if name in observed.roles and desired.roles[name].origin != ORIGIN_GROUP]
    verdicts = dict(zip(existing, scram.passwords_match(
        [(observed.roles[n].password, desired.roles[n].password, n) for n in existing], encryption)))
    for name in existing:
        role = desired.roles[name]
        current = observed.roles[name]
        altered = False
        flags = _flag_changes(role, current)
        matches = role.password is None or verdicts[name]
        password_changed = not matches and not role.keep_password
        if role.regenerated:
            (plan.passwords_in_effect if matches else plan.passwords_held).append(name)
        if flags or password_changed:
            parts = [sql.SQL("ALTER ROLE "), _ident(name)]
            if flags:
                parts.append(sql.SQL(" WITH " + " ".join(flags)))
            masked = list(parts)
            if password_changed:
                real, hidden = _password_parts(role, encryption)
                parts.append(real)
                masked.append(hidden)
            plan.add(Statement(sql.Composed(parts), sql.Composed(masked), reason="alter role %s" % name))
            altered = True
        missing_groups = sorted(set(role.member_of) - current.member_of)
        if missing_groups:
            plan.add(Statement(sql.SQL("GRANT {} TO {}").format(_idents(missing_groups), _ident(name)), reason="membership"))
            altered = True
        if role.admin_role and role.admin_role not in current.admins:
            plan.add(Statement(sql.SQL("GRANT {} TO {} WITH ADMIN OPTION").format(_ident(name), _ident(role.admin_role)),
                               reason="admin role"))
            altered = True
        if role.parameters:
            for key in sorted(role.parameters):
                if not _param_equal(key, role.parameters[key], current.settings.get(key)):
                    plan.add(Statement(sql.SQL("ALTER ROLE {} SET {} TO {}").format(
                        _ident(name), _param_name(key, role.path), _param_value_sql(key, role.parameters[key], role.path)),
                        reason="role parameter"))
                    altered = True
            for key in sorted(set(current.settings) - set(role.parameters)):
                if _PARAM_NAME_RE.match(key):
                    plan.add(Statement(sql.SQL("ALTER ROLE {} RESET {}").format(_ident(name), _param_name(key, role.path)),
                                       reason="role parameter"))
                    altered = True
        if altered:
            plan.roles_altered.append(name)


def _is_rotation_role(name, desired):
    for parent in desired.roles:
        if name.startswith(parent) and _ROTATION_SUFFIX_RE.match(name[len(parent):]):
            return True
    return False


def plan_absent_roles(desired, observed, plan, policy, suffix, drop_roles=()):
    for name in sorted(set(drop_roles)):
        if name in observed.roles and name not in desired.roles:
            plan.add(Statement(sql.SQL("DROP ROLE {}").format(_ident(name)), reason="rotation role past retention", late=True))
            plan.roles_dropped.append(name)
    if policy == "keep":
        return
    for name in sorted(observed.roles):
        current = observed.roles[name]
        if name in desired.roles or current.comment != MARKER or name in drop_roles or _is_rotation_role(name, desired):
            continue
        if policy == "drop":
            plan.add(Statement(sql.SQL("DROP ROLE {}").format(_ident(name)), reason="role left the manifest", late=True))
            plan.roles_dropped.append(name)
        elif not name.endswith(suffix):
            target = name + suffix
            if target in observed.roles:
                plan.warnings.append("role %r left the manifest but %r exists already; not renamed" % (name, target))
                continue
            if "LOGIN" in current.flags:
                plan.add(Statement(sql.SQL("ALTER ROLE {} WITH NOLOGIN").format(_ident(name)), reason="role left the manifest"))
            plan.add(Statement(sql.SQL("ALTER ROLE {} RENAME TO {}").format(_ident(name), _ident(target)), reason="role left the manifest"))
            plan.roles_renamed.append(name)


def _default_privilege_statements(database, owner, schema, reader, writer):
    prefix = sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {}").format(_ident(owner))
    if schema:
        prefix = prefix + sql.SQL(" IN SCHEMA {}").format(_ident(schema))
    grants = [
        ("SELECT ON TABLES", [reader]), ("SELECT ON SEQUENCES", [reader]),
        ("INSERT, UPDATE, DELETE ON TABLES", [writer]), ("USAGE, UPDATE ON SEQUENCES", [writer]),
        ("EXECUTE ON FUNCTIONS", [reader, writer]), ("USAGE ON TYPES", [reader, writer]),
    ]
    if not schema:
        grants.insert(0, ("USAGE ON SCHEMAS", [reader, writer]))
    result = []
    for what, roles in grants:
        result.append(Statement(prefix + sql.SQL(" GRANT " + what + " TO ") + _idents(roles), database=database,
                                reason="default privileges"))
    return result


def plan_database_objects(db, current, plan):
    """Schemas, default privileges and extensions of a prepared database (``current`` None = new)."""
    new_db = current is None
    schemas = {} if new_db else current.schemas
    extensions = {} if new_db else current.extensions
    if new_db:
        for owner, _schema, reader, writer in db.default_privileges:
            plan.statements.extend(_default_privilege_statements(db.name, owner, None, reader, writer))
    for schema in db.schemas:
        if schema.name in schemas:
            continue
        plan.add(Statement(sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(_ident(schema.name), _ident(schema.owner)),
                           database=db.name, reason="prepared schema"))
        readers = sorted(set(p[2] for p in schema.default_privileges) | set(p[3] for p in schema.default_privileges))
        if readers:
            plan.add(Statement(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(_ident(schema.name), _idents(readers)),
                               database=db.name, reason="schema usage"))
        for owner, sname, reader, writer in schema.default_privileges:
            plan.statements.extend(_default_privilege_statements(db.name, owner, sname, reader, writer))
    for ext in sorted(db.extensions):
        target = db.extensions[ext]
        if ext not in extensions:
            plan.add(Statement(sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA {}").format(_ident(ext), _ident(target)),
                               database=db.name, reason="extension"))
        elif extensions[ext] != target:
            plan.add(Statement(sql.SQL("ALTER EXTENSION {} SET SCHEMA {}").format(_ident(ext), _ident(target)),
                               database=db.name, reason="extension schema"))


def plan_databases(desired, observed, plan, policy="keep", suffix="_deleted"):
    for name in sorted(desired.databases):
        db = desired.databases[name]
        current = observed.databases.get(name)
        if current is None:
            plan.add(Statement(sql.SQL("CREATE DATABASE {} OWNER {}").format(_ident(name), _ident(db.owner)),
                               transactional=False, reason="create database %s" % name))
            plan.add(Statement(sql.SQL("COMMENT ON DATABASE {} IS {}").format(_ident(name), sql.Literal(MARKER)), database=name,
                               reason="mark database"))
            plan.databases_created.append(name)
        elif current.owner != db.owner:
            plan.add(Statement(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(_ident(name), _ident(db.owner)), reason="database owner"))
            plan.databases_altered.append(name)
        if db.prepared:
            plan_database_objects(db, current, plan)
    if policy == "keep":
        return
    for name in sorted(observed.databases):
        current = observed.databases[name]
        if name in desired.databases or current.comment != MARKER:
            continue
        if policy == "drop":
            plan.add(Statement(sql.SQL("DROP DATABASE {}").format(_ident(name)), transactional=False, reason="database left the manifest"))
            plan.databases_dropped.append(name)
        elif not name.endswith(suffix):
            target = name + suffix
            if target in observed.databases:
                plan.warnings.append("database %r left the manifest but %r exists already; not renamed" % (name, target))
                continue
            plan.add(Statement(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(_ident(name), _ident(target)),
                               reason="database left the manifest"))
            plan.databases_renamed.append(name)


def build_plan(desired, observed, encryption="scram-sha-256", absent="keep", deletion_suffix="_deleted"):
    if absent not in ABSENT_POLICIES:
        raise ValidationError("absent_roles", "must be one of %s" % ", ".join(ABSENT_POLICIES))
    plan = Plan()
    plan_roles(desired, observed, plan, encryption)
    plan_absent_roles(desired, observed, plan, absent, deletion_suffix, getattr(desired, "drop_roles", ()))
    plan_databases(desired, observed, plan, absent, deletion_suffix)
    return plan
