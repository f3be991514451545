# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one adapter between the library and kubernetes.core's client.

``kubernetes_api(module)`` builds a ``KubeApi`` from an Ansible module's
authentication options (``kubeconfig``, ``context``, ``host``, ``api_key``, ...,
or the ``K8S_AUTH_*`` environment, or in-cluster credentials), exactly as
kubernetes.core's own modules do, so AWX credentials and the ansible-operator
proxy work unchanged. ``kubernetes_api_from_params(**auth)`` does the same
without a module (for the watcher and benchmarks).

Every request is bounded in time (``request_timeout`` seconds, default 30, or the environment
variable ``PGKUBE_REQUEST_TIMEOUT``): connecting, the TLS handshake and waiting for an answer,
also the discovery requests the client sends while it is created. An API server that accepts
connections and never answers fails the call with a ``KubernetesError`` naming its address.
kubernetes.core's client sends every request without a timeout unless the caller passes one, and
it discovers the API while it is created; so the creation runs in a helper thread that is given up
after the timeout, and the client's REST layer gets the timeout as its default for every request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading
import traceback

from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError
from ansible_collections.pgkube.operator.plugins.module_utils.kube.api import KubeApi, transport_error

K8S_IMP_ERR = None
try:
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException
    HAS_K8S_CORE = True
except ImportError:
    K8S_IMP_ERR = traceback.format_exc()
    HAS_K8S_CORE = False

    class CoreException(Exception):
        """Stand-in when kubernetes.core is missing (the caller reports that)."""

DEFAULT_REQUEST_TIMEOUT = 30.0
REQUEST_TIMEOUT_ENV = "PGKUBE_REQUEST_TIMEOUT"


def request_timeout(value=None, environ=None):
    """Seconds a Kubernetes request may take: ``value``, else ``PGKUBE_REQUEST_TIMEOUT``, else 30."""
    raw = value if value not in (None, "") else (environ if environ is not None else os.environ).get(REQUEST_TIMEOUT_ENV, "")
    if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
        return DEFAULT_REQUEST_TIMEOUT
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise KubernetesError("request timeout %r is not a number of seconds (option request_timeout or %s)" % (raw, REQUEST_TIMEOUT_ENV))
    if seconds <= 0:
        raise KubernetesError("request timeout %r must be more than 0 seconds (option request_timeout or %s)" % (raw, REQUEST_TIMEOUT_ENV))
    return seconds


def bound_requests(k8s_client, seconds):
    """Every request of a kubernetes.core client (``K8SClient``) that names no timeout gets ``seconds``
    (its REST layer's ``request`` is wrapped on this instance: the client would wait forever)."""
    api_client = getattr(getattr(k8s_client, "client", None), "client", None)
    rest_client = getattr(api_client, "rest_client", None)
    if rest_client is None:
        return k8s_client
    rest_client.pgkube_request_timeout = seconds
    if not getattr(rest_client, "pgkube_bounded", False):
        unbounded = rest_client.request

        def request(*args, **kwargs):
            if not kwargs.get("_request_timeout"):
                kwargs["_request_timeout"] = rest_client.pgkube_request_timeout
            return unbounded(*args, **kwargs)
        rest_client.request = request
        rest_client.pgkube_bounded = True
    return k8s_client


def endpoint_of(k8s_client):
    """The API server URL a client talks to (for messages)."""
    configuration = getattr(k8s_client, "configuration", None)
    return getattr(configuration, "host", None) or "the Kubernetes API server"


def bounded_api_client(seconds, module=None, **auth):
    """kubernetes.core's ``get_api_client`` with every request bounded by ``seconds`` (see the module
    docstring); an unreachable or silent server raises ``KubernetesError`` naming its address."""
    outcome = {}

    def create():
        try:
            outcome["client"] = get_api_client(module=module, **auth)
        except Exception as exc:  # pylint: disable=broad-except
            outcome["error"] = exc
    worker = threading.Thread(target=create, name="kubernetes-client", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise KubernetesError("the Kubernetes API server at %s did not answer within %gs (creating the client: API discovery)"
                              % (_server_of(module, auth), seconds))
    error = outcome.get("error")
    if isinstance(error, CoreException):
        raise error
    if error is not None:
        raise transport_error(error, "creating the client: API discovery", _server_of(module, auth), seconds)
    return bound_requests(outcome["client"], seconds)


def _server_of(module, auth):
    """The server a client would talk to, as far as the options tell (for messages)."""
    params = (getattr(module, "params", None) or {}) if module is not None else auth
    host = params.get("host") or os.environ.get("K8S_AUTH_HOST")
    kubeconfig = params.get("kubeconfig") or os.environ.get("K8S_AUTH_KUBECONFIG") or os.environ.get("KUBECONFIG")
    if host:
        return host
    if isinstance(kubeconfig, str) and os.path.isfile(kubeconfig):
        try:
            import yaml  # pylint: disable=import-outside-toplevel
            with open(kubeconfig) as handle:
                config = yaml.safe_load(handle) or {}
            current = config.get("current-context")
            context = [c for c in config.get("contexts") or [] if c.get("name") == (params.get("context") or current)]
            cluster_name = (context[0].get("context") or {}).get("cluster") if context else None
            clusters = [c for c in config.get("clusters") or [] if c.get("name") == cluster_name] or config.get("clusters") or []
            if clusters:
                return (clusters[0].get("cluster") or {}).get("server") or "the Kubernetes API server"
        except Exception:  # pylint: disable=broad-except
            pass
    return "the Kubernetes API server"


def kubernetes_api(module, dry_run=None, timeout=None):
    """A KubeApi authenticated like kubernetes.core's modules; dry run follows check mode. One
    module run is one short reconcile, so reads asked twice are remembered (``memo_reads``).
    ``timeout``: seconds per request (default: ``request_timeout``, see the module docstring)."""
    seconds = request_timeout(timeout)
    client = bounded_api_client(seconds, module=module)
    if dry_run is None:
        dry_run = bool(module.check_mode)
    return KubeApi(client.client, dry_run=dry_run, memo_reads=True, timeout=seconds, endpoint=endpoint_of(client))


def kubernetes_api_from_params(dry_run=False, timeout=None, **auth):
    """A KubeApi from explicit kubernetes.core auth parameters (kubeconfig=..., context=...)."""
    seconds = request_timeout(timeout)
    client = bounded_api_client(seconds, **auth)
    return KubeApi(client.client, dry_run=dry_run, timeout=seconds, endpoint=endpoint_of(client))


__all__ = ["kubernetes_api", "kubernetes_api_from_params", "bounded_api_client", "bound_requests", "request_timeout",
           "DEFAULT_REQUEST_TIMEOUT", "REQUEST_TIMEOUT_ENV", "HAS_K8S_CORE", "K8S_IMP_ERR", "CoreException"]
