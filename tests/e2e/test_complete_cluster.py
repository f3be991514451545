"""The complete example manifest (almost every field) on real pods.

What this machine cannot provide is supplied the way a user would: the pod priority class and
the TLS Secret it names are created first, and the images of its init container and sidecar
(public registries, unreachable here) are replaced by the local helper image."""

import datetime

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clusters import E2E_NAMESPACE as NS
from clusters import delete_cluster, example, query, watch_until_running

NAME = "acid-test-cluster"


def _tls_secret(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "kubernetes.io/tls",
            "stringData": {"tls.crt": pem, "ca.crt": pem,
                           "tls.key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()).decode()}}


@pytest.fixture(scope="module", name="complete")
def complete_fixture(kube, operator):  # pylint: disable=unused-argument
    manifest = example("complete-postgres-manifest.yaml")
    spec = manifest["spec"]
    for container in spec["initContainers"] + spec["sidecars"]:
        container["image"] = kube.images["helper"]
    # a sidecar that stops on SIGTERM (a bare `sleep` as PID 1 ignores it: each pod would take
    # the whole termination grace period, 5 minutes, to go)
    spec["sidecars"][0]["command"] = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    spec["volume"]["size"] = "1Gi"
    kube.apply([{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                 "metadata": {"name": spec["podPriorityClassName"]}, "value": 1000}])
    kube.apply([_tls_secret(spec["tls"]["secretName"]), manifest], namespace=NS)
    watch_until_running(kube, NS, NAME, timeout=420)
    yield manifest
    delete_cluster(kube, NS, NAME)


def test_the_complete_cluster_runs_with_its_manifest_applied(kube, complete, wait_for):
    spec = complete["spec"]
    settings = dict(query(kube, NS, NAME, "select name, setting from pg_settings where name in "
                                          "('shared_buffers', 'log_statement', 'max_connections', 'work_mem', 'ssl_cert_file')"))
    assert settings["log_statement"] == "ddl" and settings["max_connections"] == "100"
    assert settings["work_mem"] == str(8 * 1024) and settings["shared_buffers"] == str(32 * 1024 // 8)
    assert settings["ssl_cert_file"].startswith("/tls/")
    # the prepared database with its schemas, roles and extensions
    extensions = dict(query(kube, NS, NAME, "select extname, extnamespace::regnamespace::text from pg_extension", dbname="bar"))
    assert extensions.get("pgcrypto") == "data" and extensions.get("pg_partman") == "public", extensions
    schemas = [s for (s,) in query(kube, NS, NAME, "select nspname from pg_namespace", dbname="bar")]
    assert "data" in schemas and "history" in schemas
    roles = [r for (r,) in query(kube, NS, NAME, "select rolname from pg_roles")]
    for role in ("zalando", "foo_user", "app_reader", "bar_owner", "bar_history_owner", "bar_data_writer"):
        assert role in roles, role
    # the slots of the manifest, made by Patroni (the logical one once the role step created its
    # database, in a later loop of Patroni)
    wanted = [("permanent_logical_1", "logical"), ("permanent_physical_1", "physical")]
    wait_for(lambda: sorted(query(kube, NS, NAME, "select slot_name, slot_type from pg_replication_slots "
                                                  "where slot_name like 'permanent%'")) == wanted,
             what="Patroni's permanent slots")
    # pods carry the sidecar and run as the manifest's user
    pod = kube.core.read_namespaced_pod(NAME + "-0", NS)
    assert [c.name for c in pod.spec.containers] == ["postgres", "exporter"]
    assert pod.spec.security_context.run_as_user == spec["spiloRunAsUser"]
    assert pod.spec.priority_class_name == spec["podPriorityClassName"]
