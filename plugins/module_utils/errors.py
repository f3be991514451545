# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors raised by the reconciliation library.

Every error that comes from user input carries the path of the offending field
(``spec.volume.size``) so that a module, the watcher or a status message can say
exactly what is wrong without a traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class PgkubeError(Exception):
    """Base class of every error the library raises on purpose."""


class ValidationError(PgkubeError):
    """Input (a manifest or an operator configuration) is invalid.

    ``path`` is the dotted field path (``spec.users.foo[1]``), ``reason`` the
    human explanation. ``str(error)`` is ``"<path>: <reason>"``.
    """

    def __init__(self, path, reason):
        self.path = path
        self.reason = reason
        super(ValidationError, self).__init__("%s: %s" % (path, reason) if path else reason)


class ValidationErrors(ValidationError):
    """Several validation errors found in one pass; ``errors`` lists them."""

    def __init__(self, errors):
        self.errors = list(errors)
        first = self.errors[0]
        super(ValidationErrors, self).__init__(first.path, first.reason)
        self.args = ("; ".join(str(e) for e in self.errors),)

    def __str__(self):
        return self.args[0]


class ConfigurationError(ValidationError):
    """The operator configuration is invalid (a key names the field)."""


class KubernetesError(PgkubeError):
    """A Kubernetes API call failed; ``status`` is the HTTP status when known."""

    def __init__(self, message, status=None, reason=None):
        self.status = status
        self.reason = reason
        super(KubernetesError, self).__init__(message)


class AlreadyExistsError(KubernetesError):
    """A create met an object of the same name (409); the caller read it as absent."""
