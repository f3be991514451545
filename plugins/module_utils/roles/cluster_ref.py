# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve a cluster reference (name, namespace) through the Kubernetes API.

Reads the ``postgresql`` custom resource, the credentials Secrets of its roles (the superuser's
gives the login password), the infrastructure roles Secrets/ConfigMaps and the Teams API token
Secret; writes rotated credentials back. All access goes through kubernetes.core's
``get_api_client`` (explicit parameters, ``K8S_AUTH_*``, kubeconfig or in-cluster).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import traceback

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client  # noqa: F401 pylint: disable=unused-import
    HAS_K8S_CLIENT = True
    K8S_IMPORT_ERROR = None
except ImportError:
    HAS_K8S_CLIENT = False
    K8S_IMPORT_ERROR = traceback.format_exc()

try:
    from kubernetes.dynamic.exceptions import NotFoundError, DynamicApiError
    HAS_KUBERNETES = True
except ImportError:
    class DynamicApiError(Exception):
        """Stand-in when the kubernetes library is missing (never raised)."""

    class NotFoundError(DynamicApiError):
        """Stand-in when the kubernetes library is missing (never raised)."""

    HAS_KUBERNETES = False

from ansible_collections.pgkube.operator.plugins.module_utils.desired.naming import REGENERATED_PASSWORD_ANNOTATION, format_secret_name
from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError, ValidationError
from ansible_collections.pgkube.operator.plugins.module_utils.kube.api import TransportError, transport_error
from ansible_collections.pgkube.operator.plugins.module_utils.roles.prepared import prepared_databases

CRD_GROUP = "acid.zalan.do"
CRD_KIND = "postgresql"
DEFAULT_SECRET_TEMPLATE = "{username}.{cluster}.credentials.{tprkind}.{tprgroup}"


def api_client(auth):
    """A kubernetes.core client from ``auth`` (``kubeconfig``, ``context``, ``host``, ``api_key``, ...), every
    request bounded by ``auth["request_timeout"]`` seconds (default: kube/client.py's ``request_timeout``)."""
    from ansible_collections.pgkube.operator.plugins.module_utils.kube.client import bounded_api_client, request_timeout

    if not HAS_K8S_CLIENT:
        raise KubernetesError("kubernetes.core (and the kubernetes Python library) are required for a cluster reference")
    kwargs = dict((k, v) for k, v in (auth or {}).items() if v is not None)
    seconds = request_timeout(kwargs.pop("request_timeout", None))
    try:
        return bounded_api_client(seconds, **kwargs)
    except KubernetesError:
        raise
    except Exception as exc:
        raise KubernetesError("cannot create a Kubernetes client: %s" % exc)


def _get(client, api_version, kind, name, namespace):
    try:
        resource = client.resource(kind, api_version)
        return client.get(resource, name=name, namespace=namespace).to_dict()
    except NotFoundError:
        return None
    except DynamicApiError as exc:
        raise KubernetesError("GET %s %s/%s failed: %s" % (kind, namespace, name, getattr(exc, "reason", exc)),
                              status=getattr(exc, "status", None))
    except (TransportError, OSError) as exc:
        raise _transport(client, exc, "reading %s %s/%s" % (kind, namespace, name))


def _transport(client, exc, what):
    rest = getattr(getattr(getattr(client, "client", None), "client", None), "rest_client", None)
    host = getattr(getattr(client, "configuration", None), "host", None) or "the Kubernetes API server"
    return transport_error(exc, what, host, getattr(rest, "pgkube_request_timeout", None))


def decode_secret_data(data):
    """A Secret's ``data`` decoded to text; values that are not base64 UTF-8 are left out."""
    result = {}
    for key, value in (data or {}).items():
        try:
            result[key] = base64.b64decode(value).decode("utf-8")
        except (TypeError, ValueError, UnicodeDecodeError):
            continue
    return result


def split_name(ref, default_namespace):
    if "/" in ref:
        namespace, name = ref.split("/", 1)
        return namespace, name
    return default_namespace, ref


def secret_name(username, cluster_name, template=None):
    return format_secret_name(template or DEFAULT_SECRET_TEMPLATE, username, cluster_name)


class ClusterRef:
    """What a cluster reference resolves to; ``credentials`` holds passwords (never printed)."""

    def __init__(self, manifest, host, credentials, secret_names):
        self.manifest = manifest
        self.host = host
        self.credentials = credentials  # user -> {username, password, nextRotation}
        self.secret_names = secret_names  # user -> (namespace, secret name)

    def __repr__(self):
        return "ClusterRef(host=%r, users=%r)" % (self.host, sorted(self.credentials))


def read_cluster(client, name, namespace):
    manifest = _get(client, CRD_GROUP + "/v1", CRD_KIND, name, namespace)
    if manifest is None:
        raise KubernetesError("postgresql %s/%s not found" % (namespace, name), status=404)
    return manifest


def resolve(client, name, namespace, settings, secret_template=None, cluster_domain="cluster.local"):
    """Read the cluster manifest and the credentials Secrets of its login roles."""
    manifest = read_cluster(client, name, namespace)
    spec = manifest.get("spec") or {}
    users = set(spec.get("users") or {}) | {settings.super_username, settings.replication_username}
    try:
        prepared_roles, _dbs = prepared_databases(spec.get("preparedDatabases"), name, settings.team_admin_role)
        users |= set(role.name for role in prepared_roles if role.login)
    except ValidationError:
        pass  # reported by the sync itself
    credentials, secret_names = {}, {}
    for user in sorted(users):
        user_ns, user_name = namespace, user
        if "." in user:
            user_ns = user.split(".", 1)[0]
        sname = secret_name(user_name, name, secret_template)
        secret = _get(client, "v1", "Secret", sname, user_ns)
        if secret is None:
            continue
        data = decode_secret_data(secret.get("data"))
        annotations = (secret.get("metadata") or {}).get("annotations") or {}
        credentials[user] = {"username": data.get("username", user), "password": data.get("password"),
                             "nextRotation": data.get("nextRotation"), "regenerated": REGENERATED_PASSWORD_ANNOTATION in annotations}
        secret_names[user] = (user_ns, sname)
    host = "%s.%s.svc.%s" % (name, namespace, cluster_domain)
    return ClusterRef(manifest, host, credentials, secret_names)


def read_secret_data(client, ref, default_namespace):
    namespace, name = split_name(ref, default_namespace)
    secret = _get(client, "v1", "Secret", name, namespace)
    return None if secret is None else decode_secret_data(secret.get("data"))


def read_configmap_data(client, ref, default_namespace):
    namespace, name = split_name(ref, default_namespace)
    configmap = _get(client, "v1", "ConfigMap", name, namespace)
    return None if configmap is None else dict(configmap.get("data") or {})


def write_credentials(client, cluster_ref, updates, check_mode=False):
    """Patch the credentials Secrets with rotated values (``updates``: user -> Credential)."""
    written = []
    try:
        resource = client.resource("Secret", "v1")
    except (TransportError, OSError) as exc:
        raise _transport(client, exc, "discovering v1 Secret")
    for user, cred in sorted(updates.items()):
        if user not in cluster_ref.secret_names:
            continue
        namespace, sname = cluster_ref.secret_names[user]
        data = {"username": cred.username, "password": cred.password}
        patch = {"data": dict((k, base64.b64encode(v.encode("utf-8")).decode("ascii")) for k, v in data.items())}
        patch["data"]["nextRotation"] = base64.b64encode(cred.next_rotation.encode("utf-8")).decode("ascii") if cred.next_rotation else None
        if not check_mode:
            try:
                client.patch(resource, patch, name=sname, namespace=namespace, content_type="application/merge-patch+json")
            except DynamicApiError as exc:
                raise KubernetesError("PATCH Secret %s/%s failed: %s" % (namespace, sname, getattr(exc, "reason", "error")),
                                      status=getattr(exc, "status", None))
            except (TransportError, OSError) as exc:
                raise _transport(client, exc, "patching Secret %s/%s" % (namespace, sname))
        written.append("%s/%s" % (namespace, sname))
    return written
