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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.pgkube.operator.plugins.module_utils.kube.api import KubeApi

K8S_IMP_ERR = None
try:
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException
    HAS_K8S_CORE = True
except ImportError:
    K8S_IMP_ERR = traceback.format_exc()
    HAS_K8S_CORE = False


def kubernetes_api(module, dry_run=None):
    """A KubeApi authenticated like kubernetes.core's modules; dry run follows check mode. One
    module run is one short reconcile, so reads asked twice are remembered (``memo_reads``)."""
    client = get_api_client(module=module)
    if dry_run is None:
        dry_run = bool(module.check_mode)
    return KubeApi(client.client, dry_run=dry_run, memo_reads=True)


def kubernetes_api_from_params(dry_run=False, **auth):
    """A KubeApi from explicit kubernetes.core auth parameters (kubeconfig=..., context=...)."""
    client = get_api_client(**auth)
    return KubeApi(client.client, dry_run=dry_run)


__all__ = ["kubernetes_api", "kubernetes_api_from_params", "HAS_K8S_CORE", "K8S_IMP_ERR", "CoreException"]
