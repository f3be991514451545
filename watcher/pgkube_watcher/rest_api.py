"""The operator's REST API (Zalando-compatible paths, reference §7) and ``/metrics``.

``serve(state, port)`` starts a ``ThreadingHTTPServer`` in a daemon thread and returns it;
``server.shutdown()`` stops it and closes the socket. Every answer is JSON except
``/metrics`` (Prometheus text format). Errors are HTTP 500 ``{"error": "..."}`` as upstream;
a path outside every handler prefix is 404 ``{"error": "page not found"}`` (upstream's Go
``ServeMux`` answers 404 there too, and 500 for unknown paths under a handler prefix).
There is no ``/debug/pprof``. Nothing secret is served: ``/config/`` shows the redacted
configuration kept by ``OperatorState.set_config``. See docs/rest-api.md.
"""

import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pgkube_watcher import metrics as metrics_module

LOG = logging.getLogger(__name__)

TEAM_RE = r"(?P<team>[a-zA-Z][a-zA-Z0-9\-_]*)"
NAMESPACE_RE = r"(?P<namespace>[a-z0-9]([-a-z0-9\-_]*[a-z0-9])?)"
CLUSTER_RE = r"(?P<cluster>[a-zA-Z][a-zA-Z0-9\-_]*)"
WORKER_RE = r"(?P<worker>[0-9]+)"

HANDLER_TIMEOUT = 60  # seconds a client may take to send its request (upstream: 1-minute handler timeout)
PAGE_NOT_FOUND = "page not found"
POLL_INTERVAL = 0.1  # seconds; how soon serve_forever notices shutdown()

# (compiled regex, handler method name), tried in order; the first match wins.
ROUTES = tuple((re.compile(pattern), name) for pattern, name in (
    (r"^/status/?$", "_status"),
    (r"^/readyz/?$", "_readyz"),
    (r"^/config/?$", "_config"),
    (r"^/databases/?$", "_databases"),
    (r"^/metrics/?$", "_metrics"),
    (r"^/clusters/?$", "_clusters"),
    (r"^/clusters/%s/%s/logs/?$" % (NAMESPACE_RE, CLUSTER_RE), "_cluster_logs"),
    (r"^/clusters/%s/%s/history/?$" % (NAMESPACE_RE, CLUSTER_RE), "_cluster_history"),
    (r"^/clusters/%s/%s/?$" % (NAMESPACE_RE, CLUSTER_RE), "_cluster_status"),
    (r"^/clusters/%s/?$" % TEAM_RE, "_team"),
    (r"^/workers/all/queue/?$", "_all_queues"),
    (r"^/workers/all/status/?$", "_all_status"),
    (r"^/workers/%s/logs/?$" % WORKER_RE, "_worker_logs"),
    (r"^/workers/%s/queue/?$" % WORKER_RE, "_worker_queue"),
    (r"^/workers/%s/status/?$" % WORKER_RE, "_worker_status"),
))
# Prefixes upstream registers a handler for: unknown paths below them are 500, elsewhere 404.
HANDLER_PREFIXES = ("/status/", "/readyz/", "/config/", "/clusters/", "/workers/", "/databases/")


class ApiError(Exception):
    """Answered as ``{"error": message}`` with ``status``."""

    def __init__(self, message, status=500):
        super().__init__(message)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    server_version = "pgkube-operator"
    sys_version = ""
    timeout = HANDLER_TIMEOUT
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # pylint: disable=invalid-name
        self._dispatch(send_body=True)

    def do_HEAD(self):  # pylint: disable=invalid-name
        self._dispatch(send_body=False)

    def _method_not_allowed(self):
        self._send(405, {"error": "method not allowed"}, send_body=True, extra_headers={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_PATCH = do_DELETE = _method_not_allowed

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.debug("%s - %s", self.address_string(), format % args)

    # -------------------------------------------------------------- dispatch

    def _dispatch(self, send_body):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            for regex, name in ROUTES:
                match = regex.match(path)
                if match:
                    result = getattr(self, name)(match)
                    break
            else:
                status = 500 if path.startswith(HANDLER_PREFIXES) else 404
                raise ApiError(PAGE_NOT_FOUND, status)
        except ApiError as exc:
            self._send(exc.status, {"error": str(exc)}, send_body)
            return
        except KeyError as exc:
            self._send(500, {"error": exc.args[0] if exc.args else "not found"}, send_body)
            return
        except Exception as exc:  # pylint: disable=broad-except
            LOG.exception("REST API %s failed", path)
            self._send(500, {"error": "internal error: %s" % type(exc).__name__}, send_body)
            return
        if isinstance(result, _Raw):
            self._send_bytes(result.status, result.body, result.content_type, send_body)
        else:
            self._send(200, result, send_body)

    def _send(self, status, payload, send_body, extra_headers=None):
        body = (json.dumps(payload, default=str, sort_keys=True) + "\n").encode("utf-8")
        self._send_bytes(status, body, "application/json", send_body, extra_headers)

    def _send_bytes(self, status, body, content_type, send_body, extra_headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    # -------------------------------------------------------------- endpoints

    @property
    def _state(self):
        return self.server.state

    def _status(self, _match):
        return self._state.get_status()

    def _readyz(self, _match):
        if not self._state.is_ready():
            raise ApiError("not ready", 503)
        return "OK"

    def _config(self, _match):
        return self._state.get_config()

    def _databases(self, _match):
        return self._state.get_databases()

    def _metrics(self, _match):
        metrics = self.server.metrics
        metrics.set_clusters_by_status(self._state.get_cluster_counts())
        return _Raw(200, metrics.generate(), metrics_module.CONTENT_TYPE)

    def _clusters(self, _match):
        return self._state.get_teams()

    def _team(self, match):
        return self._state.get_team_clusters(match.group("team"))

    def _cluster_status(self, match):
        return self._state.get_cluster(match.group("namespace"), match.group("cluster"))

    def _cluster_logs(self, match):
        return self._state.get_cluster_logs(match.group("namespace"), match.group("cluster"))

    def _cluster_history(self, match):
        return self._state.get_cluster_history(match.group("namespace"), match.group("cluster"))

    def _all_queues(self, _match):
        return self._state.get_all_queues()

    def _all_status(self, _match):
        return self._state.get_all_worker_status()

    def _worker_logs(self, match):
        return self._state.get_worker_logs(match.group("worker"))

    def _worker_queue(self, match):
        return self._state.get_worker_queue(match.group("worker"))

    def _worker_status(self, match):
        return self._state.get_worker_status(match.group("worker"))


class _Raw:
    __slots__ = ("status", "body", "content_type")

    def __init__(self, status, body, content_type):
        self.status = status
        self.body = body
        self.content_type = content_type


class ApiServer(ThreadingHTTPServer):
    """The HTTP server; ``port`` is the bound port, ``shutdown()`` stops it and closes the socket."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state, metrics=None):
        self.state = state
        self.metrics = metrics if metrics is not None else metrics_module.METRICS
        self.thread = None
        super().__init__(address, _Handler)

    @property
    def port(self):
        return self.server_address[1]

    def start(self):
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, name="pgkube-rest-api", daemon=True)
        self.thread.start()
        return self

    def shutdown(self):
        if self.thread is not None:
            super().shutdown()
            self.thread.join()
            self.thread = None
        self.server_close()


def serve(state, port, host="0.0.0.0", metrics=None):
    """Serve the REST API for ``state`` on ``host:port`` (port 0: any free port) in a daemon
    thread; returns the ``ApiServer`` (``.port``, ``.shutdown()``). ``metrics`` defaults to the
    process-wide ``metrics.METRICS``."""
    return ApiServer((host, int(port)), state, metrics).start()
