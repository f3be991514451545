# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raw HTTP to the API server for what the library's ``KubeApi`` does not do: list with
``resourceVersion``, streaming watches, Leases, ``/metrics``.

It reuses the ``kubernetes`` client's ``Configuration`` (the one kubernetes.core built: kubeconfig,
``K8S_AUTH_*``, in-cluster token with refresh) and its urllib3 pool settings (CA, client
certificates, proxy), so authentication is exactly the library's. Plain urllib3 keeps the
streaming under our control: a watch can be closed from another thread on shutdown.
"""

import json
import threading
from urllib.parse import urlencode, quote

import urllib3
from kubernetes.client import rest


class ApiError(Exception):
    """A non-2xx answer; ``status`` is the HTTP code (None for connection errors)."""

    def __init__(self, status, message, body=None):
        super().__init__("%s %s" % (status, message))
        self.status = status
        self.body = body


class KubeHttp:
    def __init__(self, configuration, pool_size=8):
        self.configuration = configuration
        configuration.connection_pool_maxsize = max(pool_size, getattr(configuration, "connection_pool_maxsize", 0) or 0)
        self.pool = rest.RESTClientObject(configuration).pool_manager
        self.host = configuration.host.rstrip("/")
        self._lock = threading.Lock()
        self.requests = 0

    def _headers(self, extra=None):
        headers = {"Accept": "application/json", "User-Agent": "pgkube-watcher"}
        for setting in (self.configuration.auth_settings() or {}).values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[setting["key"]] = setting["value"]
        if getattr(self.configuration, "username", None) and getattr(self.configuration, "password", None) and "authorization" not in headers:
            headers.update(urllib3.util.make_headers(basic_auth="%s:%s" % (self.configuration.username, self.configuration.password)))
        headers.update(extra or {})
        return headers

    def url(self, path, params=None):
        query = urlencode([(k, v) for k, v in (params or {}).items() if v is not None and v != ""])
        return self.host + path + ("?" + query if query else "")

    def request(self, method, path, params=None, body=None, timeout=30.0, content_type="application/json", accept_text=False):
        """One request; the decoded JSON (or text) answer. Raises ApiError on non-2xx, urllib3 errors on I/O."""
        with self._lock:
            self.requests += 1
        headers = self._headers({"Content-Type": content_type} if body is not None else None)
        if accept_text:
            headers["Accept"] = "text/plain"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        resp = self.pool.request(method, self.url(path, params), headers=headers, body=data,
                                 timeout=urllib3.Timeout(connect=10.0, read=timeout), retries=False, preload_content=True)
        text = resp.data.decode("utf-8", "replace")
        if resp.status >= 300:
            message = text
            try:
                message = json.loads(text).get("message") or text
            except ValueError:
                pass
            raise ApiError(resp.status, message, text)
        if accept_text:
            return text
        return json.loads(text) if text else None

    def stream(self, path, params, read_timeout):
        """Open a streaming GET (a watch); the caller iterates ``lines(resp)`` and closes ``resp``."""
        with self._lock:
            self.requests += 1
        resp = self.pool.request("GET", self.url(path, params), headers=self._headers(),
                                 timeout=urllib3.Timeout(connect=10.0, read=read_timeout), retries=False, preload_content=False)
        if resp.status >= 300:
            text = resp.data.decode("utf-8", "replace")
            resp.release_conn()
            raise ApiError(resp.status, text, text)
        return resp


def lines(resp):
    """Yield the non-empty lines of a streaming response."""
    buffer = b""
    for chunk in resp.stream(amt=65536, decode_content=True):
        buffer += chunk
        while True:
            index = buffer.find(b"\n")
            if index < 0:
                break
            line, buffer = buffer[:index], buffer[index + 1:]
            if line.strip():
                yield line.decode("utf-8", "replace")
    if buffer.strip():
        yield buffer.decode("utf-8", "replace")


def resource_path(api_version, plural, namespace=None, name=None):
    """``/api/v1/namespaces/ns/pods`` or ``/apis/group/version/...``; namespace None = all namespaces."""
    base = "/api/" + api_version if "/" not in api_version else "/apis/" + api_version
    if namespace:
        base += "/namespaces/" + quote(namespace, safe="")
    base += "/" + plural
    if name:
        base += "/" + quote(name, safe="")
    return base
