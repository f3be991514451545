# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server certificate: given files, given contents, or a self-signed one (as Spilo).

PostgreSQL accepts a private key owned by its own user with mode 0600 or less, or owned by
root with mode 0640 or less, and it must be able to read it. A Secret volume without a
matching fsGroup gives neither; started as root, the launcher then copies the files into
/run/certs with the right owner.
"""

import os
import shutil
import subprocess

from pgkube_spilo.config import CERT_DIR, tls_paths

SELF_SIGNED_SUBJECT = "/CN=spilo.example.org"


def _write(path, text, mode, owner):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
    os.chmod(path, mode)
    if owner:
        os.chown(path, owner[0], owner[1])


def readable_by(path, uid, gids):
    try:
        st = os.stat(path)
    except OSError:
        return False
    if uid == 0:
        return True
    if st.st_uid == uid:
        return bool(st.st_mode & 0o400)
    if st.st_gid in gids:
        return bool(st.st_mode & 0o040)
    return bool(st.st_mode & 0o004)


def key_acceptable(path, uid):
    """PostgreSQL's rule for ``ssl_key_file`` ownership and mode."""
    st = os.stat(path)
    if st.st_uid == uid:
        return st.st_mode & 0o077 == 0
    if st.st_uid == 0:
        return st.st_mode & 0o037 == 0
    return False


def self_signed(cert, key, owner, messages):
    os.makedirs(os.path.dirname(cert), exist_ok=True)
    os.makedirs(os.path.dirname(key), exist_ok=True)
    subprocess.run(["openssl", "req", "-nodes", "-new", "-x509", "-days", "3650", "-subj", SELF_SIGNED_SUBJECT,
                    "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    os.chmod(cert, 0o644)
    if owner:
        for path in (cert, key):
            os.chown(path, owner[0], owner[1])
    messages.info("no private key at %s: generated a self-signed certificate (CN %s)" % (key, SELF_SIGNED_SUBJECT[4:]))


def prepare(env, messages, owner=None, server_uid=None, server_gids=()):
    """Make the certificate files exist; returns the paths PostgreSQL is to use.

    ``owner``: ``(uid, gid)`` to give written files (when running as root); ``server_uid`` /
    ``server_gids``: who PostgreSQL runs as, for the readability check.
    """
    files = tls_paths(env)
    if env.get("SSL_CERTIFICATE") and env.get("SSL_PRIVATE_KEY"):
        _write(files["cert"], env["SSL_CERTIFICATE"], 0o644, owner)
        _write(files["key"], env["SSL_PRIVATE_KEY"], 0o600, owner)
    for name, content in (("ca", "SSL_CA"), ("crl", "SSL_CRL")):
        if env.get(content) and files[name]:
            _write(files[name], env[content], 0o644, owner)
    if not os.path.exists(files["key"]):
        self_signed(files["cert"], files["key"], owner, messages)
    if owner and server_uid is not None:
        for name in ("cert", "key", "ca", "crl"):
            path = files[name]
            if not path or not os.path.exists(path):
                continue
            usable = readable_by(path, server_uid, server_gids)
            if usable and name == "key":
                usable = key_acceptable(path, server_uid)
            if not usable:
                copy = os.path.join(CERT_DIR, "copy-" + os.path.basename(path))
                os.makedirs(CERT_DIR, exist_ok=True)
                shutil.copyfile(path, copy)
                os.chmod(copy, 0o600 if name == "key" else 0o644)
                os.chown(copy, owner[0], owner[1])
                messages.info("%s is not usable by the postgres user (owner or mode): using a copy, %s" % (path, copy))
                files[name] = copy
    return files
