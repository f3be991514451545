# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher: Patroni's scrubbed environment and no secret in anything it prints."""

import yaml

from pgkube_spilo import launch, system
from pgkube_spilo.config import Facts

PASSWORDS = ("super-secret-password", "standby-secret-password", "aws-secret-value")


def env():
    return {"SCOPE": "demo", "HOSTNAME": "demo-0", "POD_IP": "10.1.1.1", "POD_NAMESPACE": "apps", "PATH": "/usr/bin:/bin",
            "LC_ALL": "en_US.UTF-8", "PGPASSWORD_SUPERUSER": PASSWORDS[0], "PGPASSWORD_STANDBY": PASSWORDS[1],
            "AWS_SECRET_ACCESS_KEY": PASSWORDS[2], "CLONE_METHOD": "CLONE_WITH_BASEBACKUP", "KUBERNETES_SERVICE_HOST": "10.0.0.1",
            "KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_PORT_443_TCP_ADDR": "10.0.0.1", "PATRONI_SUPERUSER_PASSWORD": "x",
            "SPILO_CONFIGURATION": '{"bootstrap": {"dcs": {"ttl": 20}}}', "KUBERNETES_USE_CONFIGMAPS": "true"}


def test_patroni_env_keeps_only_the_allowlist():
    scrubbed = launch.patroni_env(env())
    assert scrubbed == {"HOSTNAME": "demo-0", "POD_IP": "10.1.1.1", "POD_NAMESPACE": "apps", "PATH": "/usr/bin:/bin",
                        "LC_ALL": "en_US.UTF-8", "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443",
                        "KUBERNETES_PORT_443_TCP_ADDR": "10.0.0.1", "HOME": "/home/postgres"}


def test_print_config_prints_no_secret(monkeypatch, capsys):
    monkeypatch.setattr(launch.os, "environ", env())
    monkeypatch.setattr(system, "facts", lambda _env: Facts(hostname="demo-0", memory_bytes=2 << 30))
    assert launch.main(["print-config"]) == 0
    out, err = capsys.readouterr()
    for password in PASSWORDS:
        assert password not in out
        assert password not in err
    assert "ignoring CLONE_METHOD" in err
    assert "ignoring AWS_SECRET_ACCESS_KEY" in err
    printed = yaml.safe_load(out)
    assert printed["postgresql"]["authentication"]["superuser"]["password"] == "<redacted>"
    assert printed["bootstrap"]["dcs"]["ttl"] == 20
    assert printed["namespace"] == "apps"


def test_bad_spilo_configuration_is_one_clear_line(monkeypatch, capsys):
    broken = dict(env(), SPILO_CONFIGURATION="[not, a, mapping]")
    monkeypatch.setattr(launch.os, "environ", broken)
    monkeypatch.setattr(system, "facts", lambda _env: Facts())
    assert launch.main(["print-config"]) == 1
    err = capsys.readouterr().err
    assert "pgkube-spilo ERROR: SPILO_CONFIGURATION must be a mapping, not list" in err


def test_summary_names_the_dcs_mode():
    config = {"scope": "c", "name": "c-0", "postgresql": {"bin_dir": "/b", "data_dir": "/d"},
              "kubernetes": {"use_endpoints": True, "labels": {"application": "spilo"}}}
    assert "Kubernetes DCS with Endpoints" in launch.summary(config)
    config["kubernetes"].pop("use_endpoints")
    assert "Kubernetes DCS with ConfigMaps" in launch.summary(config)


def test_fix_tree_gives_ownership_and_drops_write_bits(tmp_path):
    data = tmp_path / "pgroot" / "data"
    data.mkdir(parents=True)
    (data / "file").write_text("x")
    (data / "file").chmod(0o666)
    launch.fix_tree(str(tmp_path / "pgroot"), 12345, 23456)
    st = (data / "file").stat()
    assert (st.st_uid, st.st_gid) == (12345, 23456)
    assert st.st_mode & 0o777 == 0o644
