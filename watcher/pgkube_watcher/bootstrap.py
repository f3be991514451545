# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the collection importable as ``ansible_collections.pgkube.operator``.

Order:
1. already importable (installed collection, or ``PYTHONPATH`` holds a collections root) -> nothing to do;
2. ``PGKUBE_COLLECTIONS_PATH``: a directory holding ``ansible_collections/pgkube/operator`` -> put it on ``sys.path``;
3. run from a checkout (this file is ``<repo>/watcher/pgkube_watcher/bootstrap.py``): link the repository as
   ``<repo>/.build/collections/ansible_collections/pgkube/operator`` (the trick tests/conftest.py uses).

The chosen collections root is also added to ``ANSIBLE_COLLECTIONS_PATH`` so that the ansible engine's
ansible-runner finds ``pgkube.operator`` too.
"""

import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))


def _importable():
    try:
        importlib.import_module("ansible_collections.pgkube.operator.plugins.module_utils.errors")
        return True
    except ImportError:
        return False


def _add_path(root):
    if root not in sys.path:
        sys.path.insert(0, root)
    importlib.invalidate_caches()
    current = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")
    parts = [p for p in current.split(os.pathsep) if p]
    if root not in parts:
        os.environ["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([root] + parts)


def _checkout_root():
    if os.path.isfile(os.path.join(CHECKOUT, "galaxy.yml")) and os.path.isdir(os.path.join(CHECKOUT, "plugins", "module_utils")):
        return CHECKOUT
    return None


def collections_root():
    """The directory that holds ``ansible_collections/pgkube/operator`` (None when installed elsewhere)."""
    explicit = os.environ.get("PGKUBE_COLLECTIONS_PATH")
    if explicit:
        return os.path.abspath(explicit)
    checkout = _checkout_root()
    if checkout:
        return os.path.join(checkout, ".build", "collections")
    return None


def ensure_collection():
    """Make ``ansible_collections.pgkube.operator`` importable; returns the collections root used (or None)."""
    root = collections_root()
    checkout = _checkout_root()
    if root and checkout and not os.environ.get("PGKUBE_COLLECTIONS_PATH"):
        link = os.path.join(root, "ansible_collections", "pgkube", "operator")
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if not os.path.lexists(link):
            try:
                os.symlink(checkout, link)
            except FileExistsError:
                pass
    if root:
        _add_path(root)
    if not _importable():
        raise SystemExit("cannot import ansible_collections.pgkube.operator: install the collection, "
                         "or set PGKUBE_COLLECTIONS_PATH to a directory holding ansible_collections/pgkube/operator")
    return root
