# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client of one Patroni member's REST API (port 8008 of a Spilo pod).

The operator reads ``GET /cluster`` (members, roles, states, lag, pending restarts),
``GET /config`` (the dynamic configuration kept in the DCS) and writes ``PATCH /config``,
``POST /switchover`` and ``POST /restart``. Every call is bounded by a timeout; every failure
(refused, timed out, an HTTP error status, an answer that is not the JSON expected) raises
``PatroniError`` with one line that names the member and the call, never a traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.urls import open_url

from ansible_collections.pgkube.operator.plugins.module_utils.errors import PgkubeError

API_PORT = 8008
# A switchover or a restart answers when it is done: Patroni waits for the new leader or the
# restarted server, so these calls get more time than a read.
SLOW_CALL_TIMEOUT = 60.0


class PatroniError(PgkubeError):
    """A Patroni REST API call failed; ``status`` is the HTTP status when there was one."""

    def __init__(self, message, status=None):
        super(PatroniError, self).__init__(message)
        self.status = status


class PatroniClient:
    """``PatroniClient(host, port=8008, timeout=5.0)``: one member's API."""

    def __init__(self, host, port=API_PORT, timeout=5.0, name=None):
        self.host = host
        self.port = port
        self.timeout = float(timeout)
        self.name = name or host

    def _url(self, path):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d%s" % (host, self.port, path)

    def _call(self, method, path, body=None, timeout=None, want_json=True):
        what = "Patroni %s %s of %s" % (method, path, self.name)
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            response = open_url(self._url(path), method=method, data=data, headers=headers,
                                timeout=timeout or self.timeout, validate_certs=False, use_proxy=False)
            text = response.read().decode("utf-8", "replace")
        except Exception as exc:  # pylint: disable=broad-except
            raise _call_error(what, exc)
        if not want_json:
            return text
        try:
            return json.loads(text)
        except ValueError:
            raise PatroniError("%s: the answer is not JSON: %r" % (what, text[:80]))

    def cluster(self):
        """``GET /cluster``: ``{"members": [...], "scope": ...}``."""
        answer = self._call("GET", "/cluster")
        if not isinstance(answer, dict) or not isinstance(answer.get("members"), list):
            raise PatroniError("Patroni GET /cluster of %s: no member list in the answer" % self.name)
        return answer

    def config(self):
        """``GET /config``: the dynamic configuration (a dict; empty while the cluster bootstraps)."""
        answer = self._call("GET", "/config")
        if not isinstance(answer, dict):
            raise PatroniError("Patroni GET /config of %s: the answer is not an object" % self.name)
        return answer

    def patch_config(self, patch):
        """``PATCH /config`` with a JSON merge patch (``None`` removes a key); returns the new configuration."""
        return self._call("PATCH", "/config", body=patch)

    def switchover(self, leader, candidate):
        """``POST /switchover`` now, from ``leader`` to ``candidate``; returns Patroni's message."""
        return self._call("POST", "/switchover", body={"leader": leader, "candidate": candidate},
                          timeout=max(self.timeout, SLOW_CALL_TIMEOUT), want_json=False).strip()

    def restart(self):
        """``POST /restart`` of this member, only if it still has a pending restart; returns Patroni's message."""
        return self._call("POST", "/restart", body={"restart_pending": True},
                          timeout=max(self.timeout, SLOW_CALL_TIMEOUT), want_json=False).strip()


def _call_error(what, exc):
    status = getattr(exc, "code", None)
    if isinstance(status, int):
        detail = ""
        try:
            detail = exc.read().decode("utf-8", "replace").strip()[:200]
        except Exception:  # pylint: disable=broad-except
            detail = ""
        return PatroniError("%s: HTTP %d%s" % (what, status, (": " + detail) if detail else ""), status=status)
    reason = getattr(exc, "reason", None) or exc
    return PatroniError("%s: %s" % (what, reason))
