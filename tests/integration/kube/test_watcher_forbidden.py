"""The watcher under a service account that may not list, watch or use Leases, as the Zalando
operator's own ClusterRole allows (get on Secrets, Services and PDBs, no Leases, only get on
ConfigMaps in its Endpoints variant): the informer says so once and leaves reads to the API
server; an informer of one named object reads it with GET; leader election turns itself off.

Real kube-apiserver, real RBAC, a ServiceAccount token from the TokenRequest API.
"""

import os
import sys
import threading

import pytest

from kubernetes import client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
WATCHER = os.path.join(ROOT, "watcher")
if WATCHER not in sys.path:
    sys.path.insert(0, WATCHER)

# pylint: disable=wrong-import-position
from pgkube_watcher.informer import Informer
from pgkube_watcher.kubehttp import KubeHttp, resource_path
from pgkube_watcher.leader import LeaderElector

ACCOUNT = "limited"


@pytest.fixture(name="limited_http")
def limited_http_fixture(api_client, namespace):
    """KubeHttp authenticated as a ServiceAccount with `get` on Secrets and ConfigMaps only."""
    core, rbac = client.CoreV1Api(api_client), client.RbacAuthorizationV1Api(api_client)
    core.create_namespaced_service_account(namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=ACCOUNT)))
    rbac.create_namespaced_role(namespace, client.V1Role(
        metadata=client.V1ObjectMeta(name=ACCOUNT),
        rules=[client.V1PolicyRule(api_groups=[""], resources=["secrets", "configmaps"], verbs=["get"])]))
    rbac.create_namespaced_role_binding(namespace, client.V1RoleBinding(
        metadata=client.V1ObjectMeta(name=ACCOUNT),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=ACCOUNT),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name=ACCOUNT, namespace=namespace)]))
    token = core.create_namespaced_service_account_token(ACCOUNT, namespace, client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)))
    cfg = api_client.configuration
    configuration = client.Configuration(host=cfg.host)
    configuration.ssl_ca_cert = cfg.ssl_ca_cert
    configuration.api_key = {"authorization": "Bearer " + token.status.token}
    return KubeHttp(configuration)


def test_forbidden_list_is_reported_once_and_leaves_the_cache_unsynced(limited_http, namespace, wait_for, caplog):
    caplog.set_level("WARNING", logger="pgkube.informer")
    informer = Informer(limited_http, resource_path("v1", "secrets", namespace), "secrets@test", forbidden_retry=0.2)
    informer.start()
    try:
        wait_for(lambda: informer.forbidden, what="the informer to record the 403")
        # it tried again (forbidden_retry) and still logged a single warning
        wait_for(lambda: informer.stats["lists"] == 0 and caplog.text.count("not allowed to list and watch") == 1
                 and informer.forbidden, what="one warning")
        assert not informer.synced.is_set()
        assert informer.stats["errors"] == 0, "a 403 is not an error to retry with backoff"
        assert "403" in informer.forbidden
    finally:
        informer.stop()


def test_named_object_is_polled_with_get(api_client, limited_http, namespace, wait_for):
    core = client.CoreV1Api(api_client)
    seen = []
    informer = Informer(limited_http, resource_path("v1", "configmaps", namespace), "config@test",
                        handler=lambda etype, obj, _old: seen.append((etype, (obj.get("data") or {}).get("k"))),
                        field_selector="metadata.name=operator-config", poll_name="operator-config", poll_interval=0.2)
    informer.start()
    try:
        wait_for(informer.synced.is_set, what="synced while the ConfigMap does not exist")
        assert informer.items() == [] and informer.forbidden
        core.create_namespaced_config_map(namespace, client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="operator-config"), data={"k": "1"}))
        wait_for(lambda: ("ADDED", "1") in seen, what="the ConfigMap read by GET")
        core.patch_namespaced_config_map("operator-config", namespace, {"data": {"k": "2"}})
        wait_for(lambda: ("MODIFIED", "2") in seen, what="the change read by GET")
        core.delete_namespaced_config_map("operator-config", namespace)
        wait_for(lambda: seen[-1][0] == "DELETED", what="the deletion seen")
    finally:
        informer.stop()


def test_leader_election_turns_itself_off_without_lease_rights(limited_http, namespace, wait_for, caplog):
    caplog.set_level("WARNING", logger="pgkube.leader")
    started = threading.Event()
    elector = LeaderElector(limited_http, namespace, "pgkube-operator", "test-identity", retry_period=0.1,
                            on_started_leading=started.set)
    elector.start()
    try:
        wait_for(started.is_set, what="on_started_leading")
        assert elector.is_leader() and elector.disabled
        elector.join(5)
        assert caplog.text.count("leader election off") == 1
        assert elector.release() is False
    finally:
        elector.stop()
