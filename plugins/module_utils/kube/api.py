# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small, dict-in dict-out view of the Kubernetes API for the library.

Wraps a ``kubernetes.dynamic`` client (the one kubernetes.core builds). Objects go
in and come out as plain dicts. Every call is counted in ``self.requests`` (reads
and writes separately) so tests and benchmarks can show that a no-op reconcile
writes nothing. With ``dry_run`` every write is sent with ``dryRun=All``
(server-side dry run: validated and defaulted by the API server, never stored).

With ``memo_reads`` (meant for one short run, such as one module invocation = one reconcile) a
``get`` or ``list`` asked again is answered from what the first one returned, until any write to
that kind forgets every remembered read of the kind. The library reads a few objects twice in one
reconcile (the StatefulSet to choose the phase and to plan; the credentials Secrets to plan and to
log in); without a memo each is a request. Nothing in the library polls, so a remembered read is
never waited on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import socket

from ansible_collections.pgkube.operator.plugins.module_utils.errors import AlreadyExistsError, KubernetesError

try:
    from kubernetes.dynamic.exceptions import NotFoundError, DynamicApiError, ResourceNotFoundError
    HAS_KUBERNETES = True
except ImportError:
    HAS_KUBERNETES = False

    class DynamicApiError(Exception):
        """Stand-in when the kubernetes library is missing (the caller reports that)."""

    class NotFoundError(DynamicApiError):
        """Stand-in when the kubernetes library is missing."""

    class ResourceNotFoundError(Exception):
        """Stand-in when the kubernetes library is missing."""

try:
    from urllib3.exceptions import HTTPError as TransportError, ConnectTimeoutError, ReadTimeoutError
except ImportError:  # pragma: no cover - kubernetes depends on urllib3
    class TransportError(Exception):
        """Stand-in when urllib3 is missing."""

    ConnectTimeoutError = ReadTimeoutError = TransportError

MERGE_PATCH = "application/merge-patch+json"
TRANSPORT_ERRORS = (TransportError, OSError)  # what a request that got no answer raises


def _timed_out(exc):
    reason = getattr(exc, "reason", None)
    for item in (exc, reason):
        if isinstance(item, (ConnectTimeoutError, ReadTimeoutError, socket.timeout)) or "timed out" in str(item).lower():
            return True
    return False


def transport_error(exc, what, endpoint, timeout=None):
    """A ``KubernetesError`` naming the API server for a request that got no answer (``exc``: a
    urllib3, ssl or socket error)."""
    if _timed_out(exc) and timeout:
        return KubernetesError("the Kubernetes API server at %s did not answer within %gs (%s)" % (endpoint, timeout, what))
    reason = getattr(exc, "reason", None) or exc
    return KubernetesError("cannot reach the Kubernetes API server at %s (%s): %s" % (endpoint, what, (str(reason).splitlines() or [""])[0][:300]))


def _api_error(exc, what):
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    summary = getattr(exc, "summary", None)
    message = summary() if callable(summary) else str(exc)
    return KubernetesError("%s failed: %s" % (what, message), status=status, reason=reason)


def _describe(kind, namespace, name):
    return "%s %s/%s" % (kind, namespace, name) if namespace else "%s %s" % (kind, name)


class KubeApi:
    """Plain-dict access to the Kubernetes API with request counting and dry run."""

    def __init__(self, dynamic_client, dry_run=False, memo_reads=False, timeout=None, endpoint=None):
        """``timeout``: seconds per request (sent as the client's ``_request_timeout``; None: the client's
        own bound, see kube/client.py); ``endpoint``: the API server's address, for messages."""
        self.client = dynamic_client
        self.dry_run = dry_run
        self.timeout = timeout
        self.endpoint = endpoint or getattr(getattr(getattr(dynamic_client, "client", None), "configuration", None), "host", None) \
            or "the Kubernetes API server"
        self.requests = {"read": 0, "write": 0}
        self._resources = {}
        self._memo = {} if memo_reads else None

    def _remembered(self, key, fetch):
        """``fetch()`` unless ``key`` (kind first) was read before and its kind not written since."""
        if self._memo is None:
            return fetch()
        if key not in self._memo:
            self._memo[key] = fetch()
        return copy.deepcopy(self._memo[key])

    def forget_reads(self):
        """Read again from now on what was read before (a run that waits for the cluster to change)."""
        if self._memo:
            self._memo.clear()

    def _forget(self, kind):
        if self._memo:
            for key in [k for k in self._memo if k[0] == kind]:
                del self._memo[key]

    def resource(self, kind, api_version):
        key = (kind, api_version)
        if key not in self._resources:
            try:
                self._resources[key] = self.client.resources.get(api_version=api_version, kind=kind)
            except ResourceNotFoundError:
                raise KubernetesError("the API server does not serve %s in %s (is the CRD installed?)" % (kind, api_version), status=404)
            except (TransportError, OSError) as exc:
                raise transport_error(exc, "discovering %s %s" % (api_version, kind), self.endpoint, self.timeout)
        return self._resources[key]

    def _write_params(self, params):
        if self.dry_run:
            params["dry_run"] = "All"
        return self._timed(params)

    def _timed(self, params):
        if self.timeout:
            params["_request_timeout"] = self.timeout
        return params

    def get(self, kind, api_version, namespace, name):
        """The object as a dict, or None when it does not exist."""
        return self._remembered((kind, api_version, namespace, name), lambda: self._get(kind, api_version, namespace, name))

    def get_child(self, kind, api_version, namespace, name):
        """``get`` of an object the operator itself creates for a cluster (its children, its
        credentials Secrets). A cache may answer "absent" for these without asking the API server
        (watcher/pgkube_watcher/cache_api.py); a create that proves it wrong fails with 409, and the
        sync reads again (cluster_sync.sync_cluster). Here: the same as ``get``."""
        return self.get(kind, api_version, namespace, name)

    def _get(self, kind, api_version, namespace, name):
        resource = self.resource(kind, api_version)
        self.requests["read"] += 1
        try:
            return resource.get(name=name, namespace=namespace, **self._timed({})).to_dict()
        except NotFoundError:
            return None
        except DynamicApiError as exc:
            raise _api_error(exc, "reading " + _describe(kind, namespace, name))
        except (TransportError, OSError) as exc:
            raise transport_error(exc, "reading " + _describe(kind, namespace, name), self.endpoint, self.timeout)

    def list(self, kind, api_version, namespace=None, label_selector=None):
        """Objects of a kind (in a namespace, matching a selector) as dicts."""
        return self._remembered((kind, api_version, namespace, "?" + (label_selector or "")),
                                lambda: self._list(kind, api_version, namespace, label_selector))

    def _list(self, kind, api_version, namespace, label_selector):
        resource = self.resource(kind, api_version)
        params = {}
        if namespace:
            params["namespace"] = namespace
        if label_selector:
            params["label_selector"] = label_selector
        self.requests["read"] += 1
        try:
            return list(resource.get(**self._timed(params)).to_dict().get("items") or [])
        except DynamicApiError as exc:
            raise _api_error(exc, "listing %s in %s" % (kind, namespace or "all namespaces"))
        except (TransportError, OSError) as exc:
            raise transport_error(exc, "listing %s in %s" % (kind, namespace or "all namespaces"), self.endpoint, self.timeout)

    def read_listed(self, kind, api_version, name, namespace=None):
        """One object read with a list request (``fieldSelector metadata.name=<name>``), for kinds the
        operator may list but not get (nodes); None when it does not exist."""
        resource = self.resource(kind, api_version)
        params = {"field_selector": "metadata.name=%s" % name}
        if namespace:
            params["namespace"] = namespace
        self.requests["read"] += 1
        try:
            items = resource.get(**self._timed(params)).to_dict().get("items") or []
        except DynamicApiError as exc:
            raise _api_error(exc, "reading " + _describe(kind, namespace, name))
        except (TransportError, OSError) as exc:
            raise transport_error(exc, "reading " + _describe(kind, namespace, name), self.endpoint, self.timeout)
        return items[0] if items else None

    def create(self, obj):
        kind, api_version = obj["kind"], obj["apiVersion"]
        namespace = obj.get("metadata", {}).get("namespace")
        resource = self.resource(kind, api_version)
        self.requests["write"] += 1
        self._forget(kind)
        try:
            return resource.create(body=obj, namespace=namespace, **self._write_params({})).to_dict()
        except DynamicApiError as exc:
            error = _api_error(exc, "creating " + _describe(kind, namespace, obj["metadata"].get("name")))
            if error.status == 409:
                raise AlreadyExistsError(str(error), status=409, reason=error.reason)
            raise error
        except (TransportError, OSError) as exc:
            raise transport_error(exc, "creating " + _describe(kind, namespace, obj["metadata"].get("name")), self.endpoint, self.timeout)

    def replace(self, obj):
        kind, api_version = obj["kind"], obj["apiVersion"]
        namespace = obj.get("metadata", {}).get("namespace")
        resource = self.resource(kind, api_version)
        self.requests["write"] += 1
        self._forget(kind)
        try:
            return resource.replace(body=obj, namespace=namespace, **self._write_params({})).to_dict()
        except DynamicApiError as exc:
            raise _api_error(exc, "replacing " + _describe(kind, namespace, obj["metadata"].get("name")))
        except (TransportError, OSError) as exc:
            raise transport_error(exc, "replacing " + _describe(kind, namespace, obj["metadata"].get("name")), self.endpoint, self.timeout)

    def patch(self, kind, api_version, namespace, name, patch, subresource=None):
        """JSON merge patch (RFC 7386)."""
        resource = self.resource(kind, api_version)
        if subresource:
            resource = getattr(resource, subresource)
        self.requests["write"] += 1
        self._forget(kind)
        try:
            return resource.patch(body=patch, name=name, namespace=namespace, content_type=MERGE_PATCH,
                                  **self._write_params({})).to_dict()
        except DynamicApiError as exc:
            raise _api_error(exc, "patching " + _describe(kind, namespace, name))
        except (TransportError, OSError) as exc:
            raise transport_error(exc, "patching " + _describe(kind, namespace, name), self.endpoint, self.timeout)

    def replace_status(self, obj):
        """PUT the status subresource (as the Zalando operator's UpdateStatus)."""
        resource = self.resource(obj["kind"], obj["apiVersion"]).status
        self.requests["write"] += 1
        self._forget(obj["kind"])
        try:
            return resource.replace(body=obj, namespace=obj["metadata"].get("namespace"), **self._write_params({})).to_dict()
        except DynamicApiError as exc:
            raise _api_error(exc, "updating the status of " + _describe(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]))
        except (TransportError, OSError) as exc:
            what = "updating the status of " + _describe(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
            raise transport_error(exc, what, self.endpoint, self.timeout)

    def delete(self, kind, api_version, namespace, name, propagation_policy=None, uid=None):
        """Delete; returns False when the object was already gone. With ``uid`` only that object is
        deleted: one created since under the same name (a recreated pod) makes a 409 Conflict."""
        resource = self.resource(kind, api_version)
        body = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        if uid:
            body["preconditions"] = {"uid": uid}
        self.requests["write"] += 1
        self._forget(kind)
        try:
            resource.delete(name=name, namespace=namespace, body=body, **self._write_params({}))
            return True
        except NotFoundError:
            return False
        except DynamicApiError as exc:
            raise _api_error(exc, "deleting " + _describe(kind, namespace, name))
        except (TransportError, OSError) as exc:
            raise transport_error(exc, "deleting " + _describe(kind, namespace, name), self.endpoint, self.timeout)
