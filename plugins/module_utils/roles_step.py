# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role and database step of a reconcile (reference §5.3-§5.5, §6.4).

``make_sync_roles(api, db_port=None, connect=None) -> callable(cr, cfg) -> RolesOutcome`` is what
both engines pass to ``reconcile.reconcile_cluster`` as ``sync_roles``. The callable:

- skips, without an error, when ``enable_database_access`` is false, ``numberOfInstances`` is 0,
  the cluster is a standby, or no master pod is ready yet (a pod with the cluster's selector labels,
  ``<pod_role_label>=master``, condition ``Ready=True`` and a ``status.podIP``). The outcome is
  ``RolesSynced=Unknown`` with reason ``DatabaseAccessDisabled``, ``NoInstances``, ``Standby`` or
  ``WaitingForMaster`` and a fixed message, so a resync that still waits writes nothing;
- otherwise reads the credentials Secrets of the cluster's LOGIN roles through the reconcile's
  ``KubeApi`` (the superuser's gives the login), connects to the master pod's IP as the superuser and
  runs the same sync as ``postgres_roles`` (manifest users and databases, prepared databases,
  system, infrastructure and Teams API roles, password rotation). Rotated credentials are written
  back to their Secrets. A connection or SQL failure raises; the reconcile reports it.

The port is 5432 unless ``db_port`` is given or the environment variable ``PGKUBE_DB_PORT`` is set
(meant for tests and unusual setups where PostgreSQL does not listen on 5432 at the pod IP). The
connection uses ``sslmode=require`` and a 15 s connect timeout, as upstream's superuser connection
does (Spilo serves TLS with its own certificate by default); the environment variable
``PGKUBE_DB_SSLMODE`` picks another libpq mode (``verify-ca`` with ``PGSSLROOTCERT`` naming the CA, say).
Each statement may run 60 s (``PGKUBE_DB_STATEMENT_TIMEOUT`` seconds, 0 = no limit); a failing
statement is reported with the server's address and PostgreSQL's message, never the statement.

Regenerated credentials (docs/roles.md): a Secret annotated ``pgkube.operator/regenerated-password``
holds a password made while the cluster's data existed. Its role is created with it when missing;
an existing role keeps its own password (applications using it keep working), the outcome is
``RolesSynced=False`` / ``PasswordsHeld`` naming each Secret and role, and removing the annotation
applies the password at the next reconcile. When the Secret's password is the role's (created with
it, or the old password written back), the annotation is removed. A regenerated superuser Secret
whose password PostgreSQL does not know cannot log in: ``SuperuserPasswordUnknown``, with the way
back in through the master pod's local socket (Spilo trusts local connections), retried until it
works.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os

from ansible_collections.pgkube.operator.plugins.module_utils.desired.labels import role_labels, selector_labels
from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import REGENERATED_PASSWORD_ANNOTATION
from ansible_collections.pgkube.operator.plugins.module_utils.desired.secrets import secret_users
from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError
from ansible_collections.pgkube.operator.plugins.module_utils.model.manifest import ClusterSpec
from ansible_collections.pgkube.operator.plugins.module_utils.observe.cluster import label_selector
from ansible_collections.pgkube.operator.plugins.module_utils.roles import connection as pgconn
from ansible_collections.pgkube.operator.plugins.module_utils.roles import teams
from ansible_collections.pgkube.operator.plugins.module_utils.roles.cluster_ref import decode_secret_data, split_name
from ansible_collections.pgkube.operator.plugins.module_utils.roles.infrastructure import infrastructure_roles, parse_definitions
from ansible_collections.pgkube.operator.plugins.module_utils.roles.settings import RoleSettings
from ansible_collections.pgkube.operator.plugins.module_utils.roles.sync import sync
from ansible_collections.pgkube.operator.plugins.module_utils.status import pod_ready

ROLES_SYNCED = "RolesSynced"
DEFAULT_DB_PORT = 5432
DB_PORT_ENV = "PGKUBE_DB_PORT"
DEFAULT_SSL_MODE = "require"
SSL_MODE_ENV = "PGKUBE_DB_SSLMODE"
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
CONNECT_TIMEOUT = 15
DEFAULT_STATEMENT_TIMEOUT = 60
STATEMENT_TIMEOUT_ENV = "PGKUBE_DB_STATEMENT_TIMEOUT"

SYNCED = "Synced"
PASSWORDS_HELD = "PasswordsHeld"
SUPERUSER_PASSWORD_UNKNOWN = "SuperuserPasswordUnknown"
DATABASE_ACCESS_DISABLED = "DatabaseAccessDisabled"
NO_INSTANCES = "NoInstances"
STANDBY = "Standby"
WAITING_FOR_MASTER = "WaitingForMaster"

# statement verbs whose object kind is the second word (CREATE ROLE, ALTER DATABASE, COMMENT ON)
_TWO_WORD_VERBS = frozenset(["CREATE", "ALTER", "DROP", "COMMENT"])

_SKIP_MESSAGES = {
    DATABASE_ACCESS_DISABLED: "enable_database_access is false: roles and databases are not synced",
    NO_INSTANCES: "numberOfInstances is 0: there is no database to sync roles and databases in",
    STANDBY: "standby cluster: roles and databases come from the source cluster",
}


class RolesOutcome:
    """What the role step did: ``status`` / ``reason`` / ``message`` of the ``RolesSynced``
    condition, ``changed``, the statements run (passwords masked) and warnings."""

    def __init__(self, status, reason, message, changed=False, queries=None, warnings=None, secrets_updated=None, blocking=False):
        """``blocking``: the step could not do its work and the reconcile must say so and retry."""
        self.status = status
        self.reason = reason
        self.message = message
        self.blocking = blocking
        self.changed = changed
        self.queries = list(queries or [])
        self.warnings = list(warnings or [])
        self.secrets_updated = list(secrets_updated or [])

    @property
    def skipped(self):
        return self.status == "Unknown"

    def as_dict(self):
        return {"status": self.status, "reason": self.reason, "message": self.message, "changed": self.changed,
                "skipped": self.skipped, "queries": list(self.queries), "warnings": list(self.warnings),
                "secrets_updated": list(self.secrets_updated)}

    def summary(self):
        """What ran, for an Event: statement kinds with counts ("2 CREATE ROLE, 1 GRANT") and the
        Secrets rotated (names only). Statement texts stay out of Events: they can be long, and
        anyone allowed to list Events reads them."""
        counts = {}
        for query in self.queries:
            words = str(query).split()
            size = 1
            if len(words) > 1 and words[0].upper() in _TWO_WORD_VERBS:
                size = 3 if words[1].upper() == "DEFAULT" else 2  # ALTER DEFAULT PRIVILEGES
            kind = " ".join(words[:size]).upper()
            counts[kind] = counts.get(kind, 0) + 1
        parts = ["%d %s" % (counts[kind], kind) for kind in sorted(counts)]
        text = "Roles and databases synced: %s" % (", ".join(parts) if parts else "no statement")
        if self.secrets_updated:
            text += "; rotated credentials written to %s" % ", ".join(self.secrets_updated)
        return text

    def __repr__(self):
        return "RolesOutcome(%s/%s, changed=%r, statements=%d)" % (self.status, self.reason, self.changed, len(self.queries))


def skipped(reason, message=None):
    return RolesOutcome("Unknown", reason, message or _SKIP_MESSAGES.get(reason, reason))


def ready_master(pods, cfg):
    """The ready master pod among ``pods`` (oldest name first), or None.

    Ready master: ``<pod_role_label>=master``, not being deleted, condition ``Ready=True`` and a
    ``status.podIP``.
    """
    for pod in sorted(pods or [], key=lambda p: (p.get("metadata") or {}).get("name") or ""):
        meta = pod.get("metadata") or {}
        if (meta.get("labels") or {}).get(cfg.pod_role_label) != "master" or meta.get("deletionTimestamp"):
            continue
        if pod_ready(pod) and (pod.get("status") or {}).get("podIP"):
            return pod
    return None


def skip_reason(cluster, cfg, pods):
    """Why the role step does not run now (an outcome), or None: pure, in the upstream order."""
    if not cfg.enable_database_access:
        return skipped(DATABASE_ACCESS_DISABLED)
    if not int(cluster.spec.get("numberOfInstances") or 0):
        return skipped(NO_INSTANCES)
    if cluster.is_standby():
        return skipped(STANDBY)
    if ready_master(pods, cfg) is None:
        return skipped(WAITING_FOR_MASTER, "no ready master pod (label %s=master) yet: roles and databases are synced once it is ready"
                       % cfg.pod_role_label)
    return None


def db_port(value=None, environ=None):
    """The PostgreSQL port: ``value``, else env ``PGKUBE_DB_PORT``, else 5432."""
    if value:
        return int(value)
    raw = ((environ if environ is not None else os.environ).get(DB_PORT_ENV) or "").strip()
    if not raw:
        return DEFAULT_DB_PORT
    try:
        port = int(raw)
    except ValueError:
        raise PgkubeError("%s=%r is not a port number" % (DB_PORT_ENV, raw))
    if not 0 < port < 65536:
        raise PgkubeError("%s=%r is not a port number" % (DB_PORT_ENV, raw))
    return port


def ssl_mode(environ=None):
    """The libpq ``sslmode`` of the superuser connection: env ``PGKUBE_DB_SSLMODE``, else ``require``."""
    raw = ((environ if environ is not None else os.environ).get(SSL_MODE_ENV) or "").strip()
    if not raw:
        return DEFAULT_SSL_MODE
    if raw not in SSL_MODES:
        raise PgkubeError("%s=%r is not a libpq sslmode (one of %s)" % (SSL_MODE_ENV, raw, ", ".join(SSL_MODES)))
    return raw


def statement_timeout(environ=None):
    """Seconds a statement of the role step may run: env ``PGKUBE_DB_STATEMENT_TIMEOUT``, else 60 (0: no limit)."""
    raw = ((environ if environ is not None else os.environ).get(STATEMENT_TIMEOUT_ENV) or "").strip()
    if not raw:
        return DEFAULT_STATEMENT_TIMEOUT
    if not raw.isdigit():
        raise PgkubeError("%s=%r is not a number of seconds" % (STATEMENT_TIMEOUT_ENV, raw))
    return int(raw)


class _Step:
    def __init__(self, api, port=None, connect=None):
        self.api = api
        self.port = port
        self.connect = connect or pgconn.connect

    def credentials(self, cluster, cfg):
        """user -> {username, password, nextRotation, regenerated} and user -> (namespace, Secret name)."""
        credentials, names = {}, {}
        for user in secret_users(cluster, cfg, warnings=[]):
            secret = self.api.get("Secret", "v1", user.namespace, user.secret_name)
            if secret is None:
                continue
            data = decode_secret_data(secret.get("data"))
            annotations = (secret.get("metadata") or {}).get("annotations") or {}
            credentials[user.username] = {"username": data.get("username", user.username), "password": data.get("password"),
                                          "nextRotation": data.get("nextRotation"),
                                          "regenerated": REGENERATED_PASSWORD_ANNOTATION in annotations}
            names[user.username] = (user.namespace, user.secret_name)
        return credentials, names

    def settle_regenerated(self, credentials, names, in_effect):
        """Remove the annotation from the regenerated Secrets whose password is now the role's."""
        for user in sorted(in_effect):
            if (credentials.get(user) or {}).get("regenerated") and user in names:
                namespace, name = names[user]
                self.api.patch("Secret", "v1", namespace, name, {"metadata": {"annotations": {REGENERATED_PASSWORD_ANNOTATION: None}}})

    def _data(self, kind, ref, namespace):
        ns, name = split_name(ref, namespace)
        found = self.api.get(kind, "v1", ns, name)
        if found is None:
            return None
        return decode_secret_data(found.get("data")) if kind == "Secret" else dict(found.get("data") or {})

    def infrastructure(self, settings, namespace, warnings):
        secrets, configmaps = {}, {}
        for definition in parse_definitions(settings):
            ref = definition.get("secretname")
            if not ref:
                continue
            if ref not in secrets:
                data = self._data("Secret", ref, namespace)
                if data is not None:
                    secrets[ref] = data
            if definition.get("template") and ref not in configmaps:
                data = self._data("ConfigMap", ref, namespace)
                if data is not None:
                    configmaps[ref] = data
        return infrastructure_roles(settings, secrets, configmaps, warnings)

    def team_roles(self, settings, team_id, namespace, warnings):
        if not settings.enable_teams_api or not team_id:
            return []
        data = self._data("Secret", settings.oauth_token_secret_name, namespace)
        token = teams.token_from_secret(data) if data is not None else None
        if not token:
            warnings.append("Teams API enabled but the OAuth token Secret %s has no token; team roles not synced" % settings.oauth_token_secret_name)
            return []
        members = teams.fetch_team_members(settings.teams_api_url, team_id, token, warnings=warnings)
        superusers = []
        for team in settings.postgres_superuser_teams:
            superusers.extend(members if team == team_id else teams.fetch_team_members(settings.teams_api_url, team, token, warnings=warnings))
        return teams.team_roles(settings, team_id, members, superusers, warnings)

    def write_rotated(self, names, updates):
        written = []
        for user, cred in sorted(updates.items()):
            if user not in names:
                continue
            namespace, sname = names[user]
            data = {"username": cred.username, "password": cred.password}
            patch = {"data": dict((k, base64.b64encode(v.encode("utf-8")).decode("ascii")) for k, v in data.items())}
            patch["data"]["nextRotation"] = base64.b64encode(cred.next_rotation.encode("utf-8")).decode("ascii") if cred.next_rotation else None
            self.api.patch("Secret", "v1", namespace, sname, patch)
            written.append("%s/%s" % (namespace, sname))
        return written

    def __call__(self, cr, cfg):
        manifest = dict((k, v) for k, v in cr.items() if k != "status")
        cluster = ClusterSpec.from_manifest(manifest)
        if not cfg.enable_database_access:
            return skipped(DATABASE_ACCESS_DISABLED)
        selector = role_labels(selector_labels(cluster, cfg), cfg, "master")
        pods = self.api.list("Pod", "v1", cluster.namespace, label_selector(selector))
        outcome = skip_reason(cluster, cfg, pods)
        if outcome is not None:
            return outcome
        master = ready_master(pods, cfg)
        settings = RoleSettings.from_config(cfg)
        credentials, names = self.credentials(cluster, cfg)
        superuser = credentials.get(settings.super_username) or {}
        if not superuser.get("password"):
            raise PgkubeError("the credentials Secret of the superuser %r has no password: cannot log in to the master" % settings.super_username)
        operator_namespace = cfg.get("operator_namespace") or cluster.namespace
        warnings = []
        infra = self.infrastructure(settings, operator_namespace, warnings)
        team = self.team_roles(settings, cluster.spec.get("teamId"), operator_namespace, warnings)
        params = {"login_user": superuser.get("username") or settings.super_username, "login_password": superuser["password"],
                  "login_host": master["status"]["podIP"], "login_port": db_port(self.port), "login_db": "postgres",
                  "login_unix_socket": "", "ssl_mode": ssl_mode(), "connect_timeout": CONNECT_TIMEOUT,
                  "statement_timeout": statement_timeout()}
        if not pgconn.HAS_PSYCOPG2:
            raise PgkubeError("psycopg2 is required to sync roles and databases (install psycopg2-binary, or set enable_database_access false)")
        try:
            conn = self.connect(params)
        except PgkubeError as exc:
            if superuser.get("regenerated") and "password authentication failed" in str(exc):
                return superuser_unknown(settings.super_username, names.get(settings.super_username), master)
            raise
        try:
            report = sync(conn, params, manifest, settings, secrets=credentials, infra_roles=infra, team_roles=team, rotate=True)
        except pgconn.SQL_ERRORS as exc:
            raise pgconn.sql_error(exc, params)
        finally:
            conn.close()
        written = self.write_rotated(names, report.credential_updates) if report.credential_updates else []
        in_effect = list(report.passwords_in_effect)
        if superuser.get("regenerated"):
            in_effect.append(settings.super_username)  # we logged in with it
        self.settle_regenerated(credentials, names, in_effect)
        if report.passwords_held:
            return RolesOutcome("False", PASSWORDS_HELD, passwords_held_message(report.passwords_held, names), changed=report.changed,
                                queries=report.queries, warnings=warnings + report.warnings, secrets_updated=written)
        return RolesOutcome("True", SYNCED, "Roles and databases are in sync", changed=report.changed, queries=report.queries,
                            warnings=warnings + report.warnings, secrets_updated=written)


def _secret_ref(ref):
    return "%s/%s" % ref if ref else "(no Secret)"


def passwords_held_message(users, names):
    """Fixed text (no password) naming each held Secret and role, and the two ways out."""
    held = ", ".join("%s (role %s)" % (_secret_ref(names.get(user)), user) for user in sorted(users))
    return ("passwords not applied: %s: each Secret was created anew with a new password while its role exists in PostgreSQL "
            "with another one, which the role keeps so that applications using it keep working. To apply a Secret's password, "
            "remove its annotation %s; or write the role's old password into the Secret" % (held, REGENERATED_PASSWORD_ANNOTATION))


def superuser_unknown(user, ref, master):
    """The outcome when the superuser Secret was regenerated and PostgreSQL does not know its password."""
    namespace, secret = ref if ref else ("<namespace>", "<superuser Secret>")
    pod = (master.get("metadata") or {}).get("name") or "<master pod>"
    message = ("the superuser Secret %s/%s was created anew with a password PostgreSQL does not know (annotation %s): the operator "
               "cannot log in. Set it through the master pod's local socket, which Spilo trusts: kubectl exec -it -n %s %s -c postgres "
               "-- psql -U %s -h /var/run/postgresql -c '\\password %s' and enter the Secret's password (kubectl get secret -n %s %s "
               "-o jsonpath='{.data.password}' | base64 -d); or write the old password back into the Secret. Retried until it works"
               % (namespace, secret, REGENERATED_PASSWORD_ANNOTATION, namespace, pod, user, user, namespace, secret))
    return RolesOutcome("False", SUPERUSER_PASSWORD_UNKNOWN, message, blocking=True)


def make_sync_roles(api, db_port=None, connect=None):  # pylint: disable=redefined-outer-name
    """The ``sync_roles`` callable ``(cr, cfg) -> RolesOutcome`` of ``reconcile_cluster``.

    ``api``: the reconcile's ``KubeApi`` (pods, Secrets, ConfigMaps are read and rotated Secrets
    written through it); ``db_port``: PostgreSQL port at the master pod's IP (default: env
    ``PGKUBE_DB_PORT``, else 5432); ``connect``: ``params -> connection`` (default: psycopg2).
    """
    return _Step(api, db_port, connect)


__all__ = ["ROLES_SYNCED", "RolesOutcome", "make_sync_roles", "skip_reason", "ready_master", "db_port", "ssl_mode", "skipped",
           "PASSWORDS_HELD", "SUPERUSER_PASSWORD_UNKNOWN", "passwords_held_message", "superuser_unknown"]
