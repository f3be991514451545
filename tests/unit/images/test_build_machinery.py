# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""images/build.sh's machinery: content keys, the OCI archive layout, argument handling."""

import json
import os
import tarfile

import pytest

from pgkube_images import cache, cli, oci, runc


def test_key_depends_on_content_and_labels(tmp_path):
    (tmp_path / "a").write_text("one")
    first = cache.Key("k").add_tree(str(tmp_path), "tree").hexdigest()
    assert cache.Key("k").add_tree(str(tmp_path), "tree").hexdigest() == first
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_text("ignored")
    assert cache.Key("k").add_tree(str(tmp_path), "tree").hexdigest() == first
    (tmp_path / "a").chmod(0o755)
    assert cache.Key("k").add_tree(str(tmp_path), "tree").hexdigest() != first
    assert cache.Key("k").add_text("x", "ab").add_text("y", "c").hexdigest() != cache.Key("k").add_text("x", "a").add_text("y", "bc").hexdigest()


def test_archive_round_trip(tmp_path):
    rootfs = tmp_path / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    (rootfs / "dev").mkdir()
    (rootfs / "dev" / "leftover").write_text("runtime provides /dev")
    (rootfs / "bin" / "tool").write_text("#!/bin/sh\necho hi\n")
    (rootfs / "bin" / "tool").chmod(0o755)
    os.symlink("tool", str(rootfs / "bin" / "alias"))
    target = tmp_path / "image.oci.tar"
    summary = oci.write_archive(str(rootfs), "pgkube.local/test:abc123", {"Cmd": ["/bin/tool"]}, str(target), str(tmp_path), "test")
    assert summary["archive_size"] == target.stat().st_size
    index, manifest, config = oci.read_archive(str(target))
    entry = index["manifests"][0]
    assert entry["annotations"] == {"io.containerd.image.name": "pgkube.local/test:abc123", "org.opencontainers.image.ref.name": "abc123"}
    assert entry["platform"] == {"architecture": "amd64", "os": "linux"}
    assert manifest["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar"
    assert config["rootfs"]["diff_ids"] == [manifest["layers"][0]["digest"]]
    assert config["config"] == {"Cmd": ["/bin/tool"]}
    with tarfile.open(str(target)) as archive:
        assert json.loads(archive.extractfile("oci-layout").read()) == {"imageLayoutVersion": "1.0.0"}
    out = tmp_path / "out"
    oci.extract_rootfs(str(target), manifest, str(out))
    assert (out / "bin" / "tool").read_text().startswith("#!/bin/sh")
    assert os.readlink(str(out / "bin" / "alias")) == "tool"
    assert (out / "dev").is_dir() and not (out / "dev" / "leftover").exists()


def test_parse_defaults_and_unknown_names(capsys):
    assert cli.parse([]).names == ["pause", "spilo", "operator", "helper"]
    assert cli.parse(["spilo", "pause", "spilo"]).names == ["spilo", "pause"]
    assert cli.parse(["--print", "helper"]).print_only
    with pytest.raises(SystemExit):
        cli.parse(["postgres"])
    assert "unknown image" in capsys.readouterr().err


def test_mounts_under_reads_proc_mounts():
    assert cache.mounts_under("/proc") == sorted((p for p in cache.mounts_under("/proc")), key=len, reverse=True)
    assert "/proc" in cache.mounts_under("/proc")


def test_runc_config_for_a_locked_down_process():
    config = runc.bundle_config(["/bin/true"], {"A": "1"}, uid=1000, gid=1000, read_only=True, caps=[])
    assert config["root"] == {"path": "rootfs", "readonly": True}
    assert config["process"]["user"] == {"uid": 1000, "gid": 1000}
    assert config["process"]["capabilities"]["effective"] == []
    assert {"type": "network"} in config["linux"]["namespaces"]
    assert config["process"]["env"] == ["A=1"]
