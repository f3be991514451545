"""Make the repository importable as ``ansible_collections.pgkube.operator``.

The repository root is the collection root. A symlink under ``.build/collections``
gives it the name Python and Ansible expect, without copying files.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "pgkube", "operator")


def _ensure_collection_link():
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    if not os.path.islink(LINK):
        try:
            os.symlink(ROOT, LINK)
        except FileExistsError:
            pass
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)


_ensure_collection_link()
