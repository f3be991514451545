"""Credentials that must not change under the data (issue 12, defects 6 and 7), on the real
kube-apiserver and a real PostgreSQL 15 standing in for the master pod (see test_reconcile_roles.py).

- A deleted credentials Secret comes back with a new password that is NOT pushed into PostgreSQL:
  applications using the old one keep working; RolesSynced=False/PasswordsHeld and one Warning Event
  name the Secret and the role; a resync writes nothing. Removing the Secret's annotation applies the
  new password; writing the old password back clears it without any statement.
- A deleted superuser Secret: the operator cannot log in, says so (RolesSynced=False /
  SuperuserPasswordUnknown, Reconciled=False, the way back in through the pod's local socket), and
  recovers by itself once the Secret's password is set in PostgreSQL that way.
- Deleting a cluster whose volumes are kept (the default) keeps its Secrets, also with owner
  references on; re-creating it on the kept volumes comes back with working credentials for every role.
"""

import base64
import os
import sys

import psycopg2
import pytest
from kubernetes import client as k8s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reconcile_helpers import NAME, condition, create_cr, custom, events_for, kube_api, load_minimal, read_cr  # noqa: E402
from pg_loopback import LoopbackServer  # noqa: E402
from test_reconcile_roles import make_ready_master  # noqa: E402

from ansible_collections.pgkube.operator.plugins.module_utils.events import EventRecorder  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.model.config import OperatorConfig  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.reconcile import finalize_cluster, reconcile_cluster  # noqa: E402
from ansible_collections.pgkube.operator.plugins.module_utils.roles_step import make_sync_roles  # noqa: E402

REGENERATED = "pgkube.operator/regenerated-password"
CFG = {"enable_teams_api": False}


def secret_name(user):
    return "%s.%s.credentials.postgresql.acid.zalan.do" % (user.replace("_", "-"), NAME)


@pytest.fixture(scope="module")
def pg_loop():
    server = LoopbackServer()
    try:
        server.start()
    except Exception as exc:  # pylint: disable=broad-except
        server.stop()
        pytest.fail("cannot start the PostgreSQL test server: %s" % exc, pytrace=False)
    yield server
    server.stop()


def reconcile(kubeconfig, api_client, namespace, pg_loop, cfg=None):
    api = kube_api(kubeconfig)
    result = reconcile_cluster(api, read_cr(api_client, namespace), cfg or OperatorConfig.from_dict(CFG),
                               recorder=EventRecorder(api, instance="test"), sync_roles=make_sync_roles(api, db_port=pg_loop.port))
    return result, api


def secret(api_client, namespace, user):
    try:
        return k8s.CoreV1Api(api_client).read_namespaced_secret(secret_name(user), namespace)
    except k8s.ApiException as exc:
        if exc.status == 404:
            return None
        raise


def password_of(api_client, namespace, user):
    return base64.b64decode(secret(api_client, namespace, user).data["password"]).decode()


def can_login(pg_loop, user, password):
    try:
        psycopg2.connect(host=pg_loop.host, port=pg_loop.port, user=user, password=password, dbname="postgres",
                         sslmode="require", connect_timeout=5).close()
        return True
    except psycopg2.OperationalError:
        return False


def synced_cluster(kubeconfig, api_client, namespace, pg_loop, wait_for, cfg=None):
    """A one-instance cluster whose pod-0 is a ready master at the test server, roles synced."""
    manifest = load_minimal(namespace)
    manifest["spec"]["numberOfInstances"] = 1
    create_cr(api_client, manifest)
    reconcile(kubeconfig, api_client, namespace, pg_loop, cfg)
    core = k8s.CoreV1Api(api_client)
    wait_for(lambda: any(p.metadata.name == NAME + "-0" for p in core.list_namespaced_pod(namespace).items), what="pod-0")
    make_ready_master(api_client, namespace, NAME + "-0", pg_loop.host)
    pg_loop.query("ALTER ROLE postgres PASSWORD %s", (password_of(api_client, namespace, "postgres"),))
    done, _api = reconcile(kubeconfig, api_client, namespace, pg_loop, cfg)
    assert done.error is None, done.error
    assert condition(read_cr(api_client, namespace)["status"], "RolesSynced")["status"] == "True"


@pytest.fixture
def fresh_server(pg_loop):
    """Drop what an earlier test created (the server is shared by the module)."""
    for database in ("foo", "bar"):
        pg_loop.query('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % database)
    for (role,) in pg_loop.query("SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> 'postgres'"):
        pg_loop.query('DROP OWNED BY "%s" CASCADE' % role)
        pg_loop.query('DROP ROLE "%s"' % role)
    return pg_loop


def test_a_deleted_secret_comes_back_without_locking_applications_out(kubeconfig, api_client, namespace, crds, fresh_server, wait_for):
    pg_loop = fresh_server
    synced_cluster(kubeconfig, api_client, namespace, pg_loop, wait_for)
    old = password_of(api_client, namespace, "foo_user")
    assert can_login(pg_loop, "foo_user", old)
    k8s.CoreV1Api(api_client).delete_namespaced_secret(secret_name("foo_user"), namespace)

    held, _api = reconcile(kubeconfig, api_client, namespace, pg_loop)
    assert held.error is None, held.error
    new = password_of(api_client, namespace, "foo_user")
    assert new != old and REGENERATED in (secret(api_client, namespace, "foo_user").metadata.annotations or {})
    assert can_login(pg_loop, "foo_user", old), "the role's password was changed under the applications"
    assert not can_login(pg_loop, "foo_user", new)
    status = read_cr(api_client, namespace)["status"]
    roles = condition(status, "RolesSynced")
    assert (roles["status"], roles["reason"]) == ("False", "PasswordsHeld"), roles
    assert secret_name("foo_user") in roles["message"] and "foo_user" in roles["message"] and REGENERATED in roles["message"]
    assert (condition(status, "Reconciled")["status"], status["PostgresClusterStatus"]) == ("True", "Running")
    warnings = [e for e in events_for(api_client, namespace) if e.type == "Warning" and e.reason == "Roles"]
    assert len(warnings) == 1 and secret_name("foo_user") in warnings[0].message and "foo_user" in warnings[0].message
    assert old not in str(status) + str([e.message for e in events_for(api_client, namespace)])
    assert new not in str(status) + str([e.message for e in events_for(api_client, namespace)])

    again, api = reconcile(kubeconfig, api_client, namespace, pg_loop)
    assert (again.error, again.changed, again.events, api.requests["write"]) == (None, False, [], 0)

    # the user accepts the new password: remove the annotation
    k8s.CoreV1Api(api_client).patch_namespaced_secret(secret_name("foo_user"), namespace, {"metadata": {"annotations": {REGENERATED: None}}})
    applied, _api = reconcile(kubeconfig, api_client, namespace, pg_loop)
    assert applied.error is None and any('ALTER ROLE "foo_user"' in q for q in applied.roles_result.queries)
    assert can_login(pg_loop, "foo_user", new) and not can_login(pg_loop, "foo_user", old)
    assert condition(read_cr(api_client, namespace)["status"], "RolesSynced")["status"] == "True"


def test_writing_the_old_password_back_resolves_it_without_a_statement(kubeconfig, api_client, namespace, crds, fresh_server, wait_for):
    pg_loop = fresh_server
    synced_cluster(kubeconfig, api_client, namespace, pg_loop, wait_for)
    old = password_of(api_client, namespace, "zalando")
    k8s.CoreV1Api(api_client).delete_namespaced_secret(secret_name("zalando"), namespace)
    reconcile(kubeconfig, api_client, namespace, pg_loop)
    assert REGENERATED in (secret(api_client, namespace, "zalando").metadata.annotations or {})
    old_back = {"data": {"password": base64.b64encode(old.encode()).decode()}}
    k8s.CoreV1Api(api_client).patch_namespaced_secret(secret_name("zalando"), namespace, old_back)
    resolved, _api = reconcile(kubeconfig, api_client, namespace, pg_loop)
    assert resolved.error is None, resolved.error
    assert not [q for q in resolved.roles_result.queries if "zalando" in q], resolved.roles_result.queries
    assert REGENERATED not in (secret(api_client, namespace, "zalando").metadata.annotations or {})
    assert can_login(pg_loop, "zalando", old)
    assert condition(read_cr(api_client, namespace)["status"], "RolesSynced")["status"] == "True"


def test_a_deleted_superuser_secret_says_how_to_get_back_in(kubeconfig, api_client, namespace, crds, fresh_server, wait_for):
    pg_loop = fresh_server
    synced_cluster(kubeconfig, api_client, namespace, pg_loop, wait_for)
    k8s.CoreV1Api(api_client).delete_namespaced_secret(secret_name("postgres"), namespace)

    locked, _api = reconcile(kubeconfig, api_client, namespace, pg_loop)
    new = password_of(api_client, namespace, "postgres")
    assert locked.requeue is True
    status = read_cr(api_client, namespace)["status"]
    roles, reconciled = condition(status, "RolesSynced"), condition(status, "Reconciled")
    assert (roles["status"], roles["reason"]) == ("False", "SuperuserPasswordUnknown"), roles
    assert (reconciled["status"], reconciled["reason"]) == ("False", "SuperuserPasswordUnknown"), reconciled
    assert secret_name("postgres") in roles["message"] and "kubectl exec" in roles["message"] and "/var/run/postgresql" in roles["message"]
    assert new not in str(status) + str([e.message for e in events_for(api_client, namespace)])
    warnings = [e for e in events_for(api_client, namespace) if e.type == "Warning" and e.reason == "Roles"]
    assert len(warnings) == 1 and secret_name("postgres") in warnings[0].message

    again, api = reconcile(kubeconfig, api_client, namespace, pg_loop)
    assert (again.requeue, again.events, api.requests["write"]) == (True, [], 0)

    # the way back in: the Secret's password set through the local socket (as kubectl exec ... psql would)
    pg_loop.query("ALTER ROLE postgres PASSWORD %s", (new,))
    back, _api = reconcile(kubeconfig, api_client, namespace, pg_loop)
    assert back.error is None and back.requeue is False, back.error
    status = read_cr(api_client, namespace)["status"]
    assert (condition(status, "RolesSynced")["status"], condition(status, "Reconciled")["status"]) == ("True", "True")
    assert REGENERATED not in (secret(api_client, namespace, "postgres").metadata.annotations or {})


@pytest.mark.parametrize("owner_references", [False, True])
def test_recreating_a_cluster_on_its_kept_volumes_keeps_every_credential(kubeconfig, api_client, namespace, crds, fresh_server,
                                                                         wait_for, owner_references):
    pg_loop = fresh_server
    cfg = OperatorConfig.from_dict(dict(CFG, enable_owner_references=owner_references))
    synced_cluster(kubeconfig, api_client, namespace, pg_loop, wait_for, cfg)
    users = ["postgres", "standby", "zalando", "foo_user"]
    passwords = dict((user, password_of(api_client, namespace, user)) for user in users if secret(api_client, namespace, user))
    assert set(passwords) == set(users)
    core = k8s.CoreV1Api(api_client)
    wait_for(lambda: core.list_namespaced_persistent_volume_claim(namespace).items, what="the StatefulSet's PVCs")
    for user in users:
        assert not secret(api_client, namespace, user).metadata.owner_references, "a kept Secret must not be garbage collected"

    # delete the cluster as the operator does (enable_persistent_volume_claim_deletion false: volumes kept)
    api = kube_api(kubeconfig)
    gone = finalize_cluster(api, read_cr(api_client, namespace), cfg, manage_finalizer=False)
    assert gone.error is None and gone.deleted
    assert any("Secrets kept" in note for note in gone.notes), gone.notes
    custom(api_client).delete_namespaced_custom_object("acid.zalan.do", "v1", namespace, "postgresqls", NAME)
    assert core.list_namespaced_persistent_volume_claim(namespace).items
    for user in users:
        assert password_of(api_client, namespace, user) == passwords[user]

    # re-created on the kept volumes: the same credentials, the role step logs in, nothing is changed in PostgreSQL
    synced_again = load_minimal(namespace)
    synced_again["spec"]["numberOfInstances"] = 1
    create_cr(api_client, synced_again)
    reconcile(kubeconfig, api_client, namespace, pg_loop, cfg)
    wait_for(lambda: any(p.metadata.name == NAME + "-0" for p in core.list_namespaced_pod(namespace).items), what="pod-0 again")
    make_ready_master(api_client, namespace, NAME + "-0", pg_loop.host)
    back, _api = reconcile(kubeconfig, api_client, namespace, pg_loop, cfg)
    assert back.error is None, back.error
    assert condition(read_cr(api_client, namespace)["status"], "RolesSynced")["status"] == "True"
    assert not [q for q in back.roles_result.queries if "PASSWORD" in q], back.roles_result.queries
    for user in users:
        assert password_of(api_client, namespace, user) == passwords[user]
        if user != "standby":
            assert can_login(pg_loop, user, passwords[user]), user
