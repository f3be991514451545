# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""community.postgresql-style connection options -> psycopg2 connections."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

try:
    import psycopg2
    HAS_PSYCOPG2 = True
    PSYCOPG2_IMPORT_ERROR = None
except ImportError:
    psycopg2 = None
    HAS_PSYCOPG2 = False
    PSYCOPG2_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError

SQL_ERRORS = (psycopg2.Error,) if HAS_PSYCOPG2 else ()

CONNECTION_ARGUMENT_SPEC = dict(
    login_user=dict(type="str", default="postgres", aliases=["login"]),
    login_password=dict(type="str", default="", no_log=True),
    login_host=dict(type="str", default=""),
    login_unix_socket=dict(type="str", default=""),
    login_port=dict(type="int", default=5432),
    login_db=dict(type="str", default="postgres"),
    ssl_mode=dict(type="str", default="prefer", choices=["allow", "disable", "prefer", "require", "verify-ca", "verify-full"]),
    ca_cert=dict(type="str", aliases=["ssl_rootcert"]),
    connect_timeout=dict(type="int", default=15),
    statement_timeout=dict(type="int", default=60),
)
# a server that stops answering mid-sync is noticed by TCP keepalives within about 25 s
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


class ConnectionError_(PgkubeError):
    """Cannot connect to PostgreSQL (the message never contains the password)."""


def conn_params(params, dbname=None):
    """Map module parameters to libpq keywords (community.postgresql's mapping)."""
    result = {
        "user": params.get("login_user") or "postgres",
        "port": params.get("login_port") or 5432,
        "dbname": dbname or params.get("login_db") or "postgres",
        "sslmode": params.get("ssl_mode") or "prefer",
        "connect_timeout": params.get("connect_timeout") or 15,
    }
    result.update(KEEPALIVES)
    statement_timeout = params.get("statement_timeout")
    statement_timeout = 60 if statement_timeout is None else int(statement_timeout)
    if statement_timeout > 0:
        result["options"] = "-c statement_timeout=%ds" % statement_timeout
    host = params.get("login_host") or ""
    socket = params.get("login_unix_socket") or ""
    if socket and host in ("", "localhost"):
        result["host"] = socket
    elif host:
        result["host"] = host
    if params.get("login_password"):
        result["password"] = params["login_password"]
    if params.get("ca_cert"):
        result["sslrootcert"] = params["ca_cert"]
    return result


def endpoint(params):
    """``host:port`` of the server the parameters name (a socket directory or a host), for messages."""
    kwargs = conn_params(params)
    return "%s:%s" % (kwargs.get("host", "(default socket)"), kwargs["port"])


def sql_error(exc, params):
    """A ``PgkubeError`` naming the server for a failed statement: PostgreSQL's primary message only
    (never the statement, which may carry a password verifier)."""
    diag = getattr(exc, "diag", None)
    message = getattr(diag, "message_primary", None) or (str(exc).strip().splitlines() or [""])[0]
    return PgkubeError("PostgreSQL at %s: %s (%s)" % (endpoint(params), message, type(exc).__name__))


def connect(params, dbname=None):
    if not HAS_PSYCOPG2:
        raise ConnectionError_("psycopg2 is required")
    kwargs = conn_params(params, dbname)
    try:
        return psycopg2.connect(**kwargs)
    except psycopg2.Error as exc:
        message = str(exc).strip()
        password = kwargs.get("password")
        if password:
            message = message.replace(password, "********")
        raise ConnectionError_("cannot connect to database %r on %s:%s as %r: %s" % (
            kwargs["dbname"], kwargs.get("host", "(default socket)"), kwargs["port"], kwargs["user"], message))
