# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCI image archives: one uncompressed layer from a rootfs directory, in an OCI image layout tar.

The archive holds ``oci-layout``, ``index.json`` and ``blobs/sha256/*`` (layer, config,
manifest). The index entry carries ``io.containerd.image.name`` (the full reference, which
``ctr images import`` of containerd 1.6 uses as the image name) and
``org.opencontainers.image.ref.name`` (the tag).
"""

import datetime
import hashlib
import io
import json
import os
import subprocess
import tarfile

from pgkube_images.proc import CommandError, log

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
CHUNK = 1 << 20
# Runtime-provided trees: the directories stay, their content does not.
RUNTIME_DIRS = ("dev", "proc", "sys")


def _json_bytes(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def write_layer(rootfs, target):
    """Tar ``rootfs`` (names sorted, numeric owners, mtimes kept) into ``target``; returns ``(digest, size)``."""
    names = sorted(os.listdir(rootfs))
    argv = ["tar", "--create", "--file=-", "--directory=" + rootfs, "--numeric-owner", "--sort=name", "--format=gnu",
            "--anchored"] + ["--exclude=%s/*" % d for d in RUNTIME_DIRS] + ["--"] + names
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as out:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE)
        while True:
            chunk = proc.stdout.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        proc.stdout.close()
        if proc.wait() != 0:
            raise CommandError(argv, proc.returncode)
    return "sha256:" + digest.hexdigest(), size


def image_config(config, diff_id, created_by):
    """The OCI image configuration document for one layer."""
    return {
        "architecture": "amd64",
        "os": "linux",
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": created_by}],
    }


def _add_bytes(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    archive.addfile(info, io.BytesIO(data))


def _add_dir(archive, name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = 0
    archive.addfile(info)


def write_archive(rootfs, ref, config, target, scratch, created_by):
    """Write the OCI archive of ``rootfs`` to ``target``; returns a summary dict (digests, sizes)."""
    layer_path = os.path.join(scratch, "layer.tar")
    log("packing %s into one layer", rootfs)
    layer_digest, layer_size = write_layer(rootfs, layer_path)
    config_doc = _json_bytes(image_config(config, layer_digest, created_by))
    config_digest = "sha256:" + hashlib.sha256(config_doc).hexdigest()
    tag = ref.rsplit(":", 1)[1]
    manifest_doc = _json_bytes({
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": {"mediaType": MEDIA_CONFIG, "digest": config_digest, "size": len(config_doc)},
        "layers": [{"mediaType": MEDIA_LAYER, "digest": layer_digest, "size": layer_size}],
        "annotations": {"org.opencontainers.image.ref.name": tag},
    })
    manifest_digest = "sha256:" + hashlib.sha256(manifest_doc).hexdigest()
    index_doc = _json_bytes({
        "schemaVersion": 2,
        "mediaType": MEDIA_INDEX,
        "manifests": [{
            "mediaType": MEDIA_MANIFEST,
            "digest": manifest_digest,
            "size": len(manifest_doc),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": ref, "org.opencontainers.image.ref.name": tag},
        }],
    })
    with tarfile.open(target, "w", format=tarfile.GNU_FORMAT) as archive:
        _add_bytes(archive, "oci-layout", _json_bytes({"imageLayoutVersion": "1.0.0"}))
        _add_bytes(archive, "index.json", index_doc)
        _add_dir(archive, "blobs")
        _add_dir(archive, "blobs/sha256")
        _add_bytes(archive, "blobs/sha256/" + config_digest.split(":")[1], config_doc)
        _add_bytes(archive, "blobs/sha256/" + manifest_digest.split(":")[1], manifest_doc)
        info = archive.gettarinfo(layer_path, "blobs/sha256/" + layer_digest.split(":")[1])
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        info.mode = 0o644
        with open(layer_path, "rb") as handle:
            archive.addfile(info, handle)
    os.unlink(layer_path)
    return {"manifest_digest": manifest_digest, "config_digest": config_digest, "layer_digest": layer_digest,
            "layer_size": layer_size, "archive_size": os.path.getsize(target)}


def read_archive(path):
    """``(index, manifest, config)`` of an archive written by :func:`write_archive`, digests checked."""
    with tarfile.open(path) as archive:
        def blob(digest):
            data = archive.extractfile("blobs/sha256/" + digest.split(":")[1]).read()
            if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
                raise ValueError("%s: blob %s does not match its digest" % (path, digest))
            return data
        index = json.loads(archive.extractfile("index.json").read())
        manifest = json.loads(blob(index["manifests"][0]["digest"]))
        config = json.loads(blob(manifest["config"]["digest"]))
    return index, manifest, config


def extract_rootfs(path, manifest, target):
    """Unpack the layers of ``manifest`` from the archive into ``target``, checking each layer's digest."""
    os.makedirs(target, exist_ok=True)
    with tarfile.open(path) as archive:
        for layer in manifest["layers"]:
            source = archive.extractfile("blobs/sha256/" + layer["digest"].split(":")[1])
            digest = hashlib.sha256()
            argv = ["tar", "--extract", "--file=-", "--directory=" + target, "--numeric-owner", "--same-permissions"]
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE)
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                proc.stdin.write(chunk)
            proc.stdin.close()
            if proc.wait() != 0:
                raise CommandError(argv, proc.returncode)
            if "sha256:" + digest.hexdigest() != layer["digest"]:
                raise ValueError("%s: layer %s does not match its digest" % (path, layer["digest"]))
