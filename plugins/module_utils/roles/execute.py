# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a role/database plan.

Phases: (1) the main transaction on the login database (roles, memberships, role parameters,
database owners); (2) CREATE/DROP DATABASE in autocommit; (3) one transaction per database for
schemas, default privileges and extensions. DROP ROLE runs after (2), in its own transaction, so
that a role owning a database dropped in (2) can go. In check mode (1) runs and is rolled back, (2) and
(3) are only reported (the databases and roles they need do not exist outside the rolled back
transaction).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError
from ansible_collections.pgkube.operator.plugins.module_utils.roles.connection import connect, psycopg2
from ansible_collections.pgkube.operator.plugins.module_utils.roles.observe import observe_database_objects


class ExecutionError(PgkubeError):
    """A statement failed; the message quotes the masked statement."""


class Result:
    def __init__(self):
        self.queries = []  # masked text of the statements executed (or that would be)
        self.executed = 0


def _run(cursor, statement, result):
    try:
        cursor.execute(statement.sql)
    except psycopg2.Error as exc:
        raise ExecutionError("statement failed: %s: %s" % (statement.text, str(exc).strip().splitlines()[0] if str(exc).strip() else exc))
    result.queries.append(statement.text)
    result.executed += 1


def load_database_objects(params, observed, databases):
    """Observe schemas and extensions of the existing ``databases`` (names); one query each."""
    count = 0
    for name in databases:
        current = observed.databases.get(name)
        if current is None or current.loaded:
            continue
        conn = connect(params, name)
        try:
            with conn.cursor() as cursor:
                observe_database_objects(cursor, current)
                count += 1
            conn.rollback()
        finally:
            conn.close()
    return count


def execute_plan(conn, params, plan, check_mode=False):
    """Execute ``plan`` on ``conn`` (the main connection, not in autocommit). Returns ``Result``."""
    result = Result()
    main = [s for s in plan.statements if s.database is None and s.transactional and not s.late]
    late = [s for s in plan.statements if s.late]
    outside = [s for s in plan.statements if s.database is None and not s.transactional]
    per_db = {}
    for statement in plan.statements:
        if statement.database is not None:
            per_db.setdefault(statement.database, []).append(statement)

    if main:
        try:
            with conn.cursor() as cursor:
                for statement in main:
                    _run(cursor, statement, result)
        except Exception:
            conn.rollback()
            raise
        if check_mode:
            conn.rollback()
        else:
            conn.commit()
    else:
        conn.rollback()  # ends the read-only observation transaction
    if check_mode:
        result.queries.extend(s.text for s in outside)
        result.queries.extend(s.text for s in late)
        for name in sorted(per_db):
            result.queries.extend(s.text for s in per_db[name])
        return result

    if outside:
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                for statement in outside:
                    _run(cursor, statement, result)
        finally:
            conn.autocommit = False
    if late:
        try:
            with conn.cursor() as cursor:
                for statement in late:
                    _run(cursor, statement, result)
            conn.commit()
        except Exception:
            conn.rollback()
            raise
    for name in sorted(per_db):
        db_conn = connect(params, name)
        try:
            with db_conn.cursor() as cursor:
                for statement in per_db[name]:
                    _run(cursor, statement, result)
            db_conn.commit()
        except Exception:
            db_conn.rollback()
            raise
        finally:
            db_conn.close()
    return result
