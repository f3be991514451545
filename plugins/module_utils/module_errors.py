# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a module turns the library's errors into a failed task: a message naming the field, no traceback."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pgkube.operator.plugins.module_utils.errors import KubernetesError, PgkubeError, ValidationError

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException
except ImportError:
    class CoreException(Exception):
        """Stand-in when kubernetes.core is missing (the module reports that first)."""


def run_reporting_errors(module, run, invalid="invalid input"):
    """Call ``run(module)``; a known error fails the task with a clear message instead of a traceback."""
    try:
        run(module)
    except ValidationError as exc:
        module.fail_json(msg="%s: %s" % (invalid, exc), field=exc.path)
    except KubernetesError as exc:
        module.fail_json(msg=str(exc), status=exc.status)
    except CoreException as exc:
        module.fail_from_exception(exc)
    except PgkubeError as exc:
        module.fail_json(msg=str(exc))
