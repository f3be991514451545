# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The build cache: content keys, the lock, scratch directories and atomic publication.

Layout of ``${PGKUBE_CACHE:-$HOME/.cache/pgkube}/images/``::

    base/<suite>-<key>/          debootstrap --variant=minbase rootfs, shared by every image of the suite
    <name>-<key>.oci.tar         a finished image archive (OCI image layout in a tar)
    <name>-<key>.json            what was built: ref, sizes, build seconds
    tmp/                         scratch space of the running build (emptied at start)
    .lock                        flock(2) lock held by a building process

Everything is written under ``tmp/`` and renamed into place when complete, so a killed
build leaves no half-written archive behind.
"""

import fcntl
import hashlib
import os
import shutil
import tempfile

from pgkube_images.proc import log


def cache_root():
    base = os.environ.get("PGKUBE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "pgkube")
    return os.path.join(os.path.abspath(base), "images")


class Key:
    """An incremental, order-sensitive hash of labelled build inputs."""

    def __init__(self, label):
        self._hash = hashlib.sha256()
        self.add_text("key", label)

    def add_text(self, label, text):
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        self._hash.update(("%s\0%d\0" % (label, len(data))).encode("utf-8"))
        self._hash.update(data)
        return self

    def add_file(self, path, label=None):
        with open(path, "rb") as handle:
            return self.add_text(label or path, handle.read())

    def add_tree(self, root, label, skip=("__pycache__",)):
        """Every regular file and symlink under ``root``: relative path, mode bit x, content."""
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in skip)
            for name in sorted(files):
                if name.endswith(".pyc"):
                    continue
                path = os.path.join(directory, name)
                rel = os.path.relpath(path, root)
                if os.path.islink(path):
                    self.add_text("%s:%s@" % (label, rel), os.readlink(path))
                    continue
                executable = "x" if os.stat(path).st_mode & 0o111 else "-"
                self.add_file(path, "%s:%s:%s" % (label, rel, executable))
        return self

    def hexdigest(self):
        return self._hash.hexdigest()


class BuildLock:
    """An exclusive ``flock`` on ``<cache>/.lock``; waits for a concurrent build to finish."""

    def __init__(self, root):
        self.path = os.path.join(root, ".lock")
        self._handle = None

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self._handle = open(self.path, "a+")
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another image build holds %s; waiting for it", self.path)
            fcntl.flock(self._handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
        return False


def mounts_under(path):
    """Mount points at or below ``path`` (deepest first), read from /proc/self/mounts."""
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mounts") as handle:
        for line in handle:
            point = line.split()[1].replace("\\040", " ")
            if point == path or point.startswith(path.rstrip("/") + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def remove_tree(path):
    """``rm -rf`` that first unmounts anything left mounted below ``path`` and refuses if that fails."""
    if not os.path.lexists(path):
        return
    for point in mounts_under(path):
        log("unmounting leftover mount %s", point)
        os.system("umount -l '%s'" % point.replace("'", "'\\''"))
    left = mounts_under(path)
    if left:
        raise RuntimeError("refusing to delete %s: still mounted: %s" % (path, ", ".join(left)))
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def scratch_dir(root, prefix):
    tmp = os.path.join(root, "tmp")
    os.makedirs(tmp, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix + ".", dir=tmp)


def clean_scratch(root):
    """Remove what an interrupted build left in ``tmp/`` (call with the lock held)."""
    tmp = os.path.join(root, "tmp")
    if os.path.isdir(tmp):
        for name in os.listdir(tmp):
            log("removing leftover scratch directory %s", name)
            remove_tree(os.path.join(tmp, name))


def publish(source, target):
    """Rename a finished file or directory into place (same filesystem)."""
    if os.path.lexists(target):
        remove_tree(target)
    os.rename(source, target)
