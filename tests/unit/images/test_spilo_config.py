# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Patroni configuration the spilo image generates from the pod environment."""

import json

import pytest

from pgkube_spilo import config as spilo
from pgkube_spilo.config import ConfigError, Facts, build_config, choose_bin_dir
from pgkube_spilo.messages import Messages

GIB = 1024 ** 3
BIN17 = "/usr/lib/postgresql/17/bin"
BIN16 = "/usr/lib/postgresql/16/bin"


def operator_env(**extra):
    """What the operator puts into the pod (ConfigMap mode, usual configuration)."""
    env = {
        "SCOPE": "acid-minimal-cluster",
        "PGROOT": "/home/postgres/pgdata/pgroot",
        "POD_IP": "10.244.0.12",
        "POD_NAMESPACE": "default",
        "HOSTNAME": "acid-minimal-cluster-0",
        "PGUSER_SUPERUSER": "postgres",
        "PGPASSWORD_SUPERUSER": "super-secret-password",
        "PGUSER_STANDBY": "standby",
        "PGPASSWORD_STANDBY": "standby-secret-password",
        "KUBERNETES_SCOPE_LABEL": "cluster-name",
        "KUBERNETES_ROLE_LABEL": "spilo-role",
        "PAM_OAUTH2": "",
        "HUMAN_ROLE": "zalandos",
        "PGVERSION": "17",
        "KUBERNETES_LABELS": '{"application":"spilo"}',
        "SPILO_CONFIGURATION": '{"postgresql":{},"bootstrap":{"initdb":[{"auth-host":"scram-sha-256"},{"auth-local":"trust"}],"dcs":{}}}',
        "DCS_ENABLE_KUBERNETES_API": "true",
        "KUBERNETES_USE_CONFIGMAPS": "true",
        "KUBERNETES_SERVICE_HOST": "10.0.0.1",
    }
    env.update(extra)
    return dict((k, v) for k, v in env.items() if v is not None)


def facts(**extra):
    values = {"hostname": "host-name", "pod_ip": "10.0.0.99", "installed": {"17": BIN17}, "data_version": None,
              "memory_bytes": GIB, "on_kubernetes": True}
    values.update(extra)
    return Facts(**values)


def build(env=None, **fact_overrides):
    config, messages = build_config(operator_env() if env is None else env, facts(**fact_overrides))
    return config, messages


def config_for(env=None, **fact_overrides):
    return build(env, **fact_overrides)[0]


def test_identity_and_addresses():
    config = config_for()
    assert config["scope"] == "acid-minimal-cluster"
    assert config["name"] == "acid-minimal-cluster-0"
    assert config["restapi"] == {"listen": "0.0.0.0:8008", "connect_address": "10.244.0.12:8008"}
    assert config["postgresql"]["listen"] == "*:5432"
    assert config["postgresql"]["connect_address"] == "10.244.0.12:5432"
    assert config["postgresql"]["data_dir"] == "/home/postgres/pgdata/pgroot/data"
    assert config["postgresql"]["authentication"] == {
        "superuser": {"username": "postgres", "password": "super-secret-password"},
        "replication": {"username": "standby", "password": "standby-secret-password"},
    }
    assert "namespace" not in config


def test_ports_and_ipv6():
    config = config_for(operator_env(POD_IP="fd00::7", PGPORT="5433", APIPORT="8009"))
    assert config["restapi"]["connect_address"] == "[fd00::7]:8009"
    assert config["postgresql"]["connect_address"] == "[fd00::7]:5433"
    assert config["postgresql"]["listen"] == "*:5433"


def test_defaults_without_operator_env():
    config = build_config({}, facts(on_kubernetes=False))[0]
    assert config["scope"] == "dummy"
    assert config["name"] == "host-name"
    assert config["postgresql"]["authentication"]["superuser"]["username"] == "postgres"
    assert config["kubernetes"]["scope_label"] == "version"
    assert config["kubernetes"]["labels"] == {"application": "spilo"}
    assert config["postgresql"]["data_dir"] == "/home/postgres/pgdata/pgroot/data"


def test_pgroot_and_pgdata():
    config = config_for(operator_env(PGROOT="/data/root/"))
    assert config["postgresql"]["data_dir"] == "/data/root/data"
    config = config_for(operator_env(PGDATA="/elsewhere"))
    assert config["postgresql"]["data_dir"] == "/elsewhere"


def test_configmap_mode():
    config = config_for()
    kubernetes = config["kubernetes"]
    assert "use_endpoints" not in kubernetes
    assert "pod_ip" not in kubernetes
    assert "ports" not in kubernetes
    assert kubernetes["role_label"] == "spilo-role"
    assert kubernetes["scope_label"] == "cluster-name"
    assert kubernetes["labels"] == {"application": "spilo"}
    assert kubernetes["bypass_api_service"] is True


def test_any_non_empty_configmaps_value_means_configmaps():
    config = config_for(operator_env(KUBERNETES_USE_CONFIGMAPS="false"))
    assert "use_endpoints" not in config["kubernetes"]


def test_endpoints_mode():
    config = config_for(operator_env(KUBERNETES_USE_CONFIGMAPS=None))
    kubernetes = config["kubernetes"]
    assert kubernetes["use_endpoints"] is True
    assert kubernetes["pod_ip"] == "10.244.0.12"
    assert kubernetes["ports"] == [{"name": "postgresql", "port": 5432}]


def test_endpoints_mode_without_pod_ip_uses_the_looked_up_address():
    config = config_for(operator_env(KUBERNETES_USE_CONFIGMAPS="", POD_IP=None))
    assert config["kubernetes"]["pod_ip"] == "10.0.0.99"


def test_leader_label_values_default_to_master():
    config = config_for()
    assert config["kubernetes"]["leader_label_value"] == "master"
    assert config["kubernetes"]["standby_leader_label_value"] == "master"
    env = operator_env(KUBERNETES_LEADER_LABEL_VALUE="primary", KUBERNETES_STANDBY_LEADER_LABEL_VALUE="standby-leader",
                       KUBERNETES_FOLLOWER_LABEL_VALUE="follower", KUBERNETES_TMP_ROLE_LABEL="tmp-role")
    config = config_for(env)
    assert config["kubernetes"]["leader_label_value"] == "primary"
    assert config["kubernetes"]["standby_leader_label_value"] == "standby-leader"
    assert config["kubernetes"]["follower_label_value"] == "follower"
    assert config["kubernetes"]["tmp_role_label"] == "tmp-role"


@pytest.mark.parametrize("value, expected", [("true", True), ("TRUE", True), ("false", None), ("yes", None)])
def test_bypass_api_service(value, expected):
    config = config_for(operator_env(KUBERNETES_BYPASS_API_SERVICE=value))
    assert config["kubernetes"].get("bypass_api_service") is expected


def test_labels_from_json():
    config, messages = build(operator_env(KUBERNETES_LABELS='{"application":"db","team":"acid"}'))
    assert config["kubernetes"]["labels"] == {"application": "db", "team": "acid"}
    assert not messages.texts("WARNING")


@pytest.mark.parametrize("value", ["{application: spilo", '["application"]', '"spilo"', "null"])
def test_bad_labels_warn_and_default(value):
    config, messages = build(operator_env(KUBERNETES_LABELS=value))
    assert config["kubernetes"]["labels"] == {"application": "spilo"}
    warnings = messages.texts("WARNING")
    assert any("KUBERNETES_LABELS" in text for text in warnings)


def test_bad_labels_value_is_not_echoed():
    messages = build(operator_env(KUBERNETES_LABELS="{unusual-label-text"))[1]
    assert not any("unusual-label-text" in text for text in messages.texts())


def test_namespace_outside_default():
    config = config_for(operator_env(POD_NAMESPACE="apps"))
    assert config["namespace"] == "apps"
    config = config_for(operator_env(POD_NAMESPACE="apps", NAMESPACE="other"))
    assert config["namespace"] == "other"


def test_dcs_api_disabled_still_uses_kubernetes_with_a_warning():
    config, messages = build(operator_env(DCS_ENABLE_KUBERNETES_API="", ETCD_HOST="etcd:2379"))
    assert "kubernetes" in config
    assert "etcd" not in config
    assert any("DCS_ENABLE_KUBERNETES_API" in text for text in messages.texts("WARNING"))


def test_default_pg_hba():
    config = config_for()
    rules = [" ".join(rule.split()) for rule in config["postgresql"]["pg_hba"]]
    assert rules == [
        "local all all trust",
        "host all all 127.0.0.1/32 md5",
        "host all all ::1/128 md5",
        "local replication standby trust",
        "hostssl replication standby all md5",
        "hostnossl all all all reject",
        "hostssl all all all md5",
    ]


def test_pg_hba_allow_nossl():
    config = config_for(operator_env(ALLOW_NOSSL="true", PGUSER_STANDBY="replicator"))
    rules = [" ".join(rule.split()) for rule in config["postgresql"]["pg_hba"]]
    assert "hostnossl all all all reject" not in rules
    assert rules[-1] == "host all all all md5"
    assert "hostssl replication replicator all md5" in rules


def test_bootstrap_defaults():
    config = build_config({}, facts())[0]
    bootstrap = config["bootstrap"]
    assert bootstrap["initdb"] == [{"encoding": "UTF8"}, {"locale": "en_US.UTF-8"}, "data-checksums"]
    assert bootstrap["post_init"] == "/scripts/post_init.sh zalandos"
    dcs = bootstrap["dcs"]
    assert (dcs["ttl"], dcs["loop_wait"], dcs["retry_timeout"], dcs["maximum_lag_on_failover"]) == (30, 10, 10, 33554432)
    assert dcs["postgresql"]["use_pg_rewind"] is True
    assert dcs["postgresql"]["use_slots"] is True
    assert dcs["postgresql"]["parameters"]["archive_mode"] == "on"
    assert dcs["postgresql"]["parameters"]["max_connections"] == 100


def test_post_init_quotes_the_human_role():
    config = config_for(operator_env(HUMAN_ROLE="team admins"))
    assert config["bootstrap"]["post_init"] == "/scripts/post_init.sh 'team admins'"


def test_local_parameters():
    config = config_for()
    parameters = config["postgresql"]["parameters"]
    assert parameters["shared_buffers"] == "204MB"
    assert parameters["log_destination"] == "csvlog"
    assert parameters["log_directory"] == "../pg_log"
    assert parameters["logging_collector"] == "on"
    assert parameters["ssl"] == "on"
    assert parameters["ssl_cert_file"] == "/run/certs/server.crt"
    assert parameters["ssl_key_file"] == "/run/certs/server.key"
    assert "ssl_ca_file" not in parameters
    assert parameters["shared_preload_libraries"] == "pg_stat_statements"
    assert parameters["archive_command"] == "/bin/true"


def test_shared_buffers_and_max_connections_follow_memory():
    assert spilo.shared_buffers(facts(memory_bytes=GIB, on_kubernetes=False)) == "256MB"
    assert spilo.shared_buffers(facts(memory_bytes=None)) == "128MB"
    assert spilo.max_connections(facts(memory_bytes=6 * GIB)) == 204
    assert spilo.max_connections(facts(memory_bytes=64 * GIB)) == 1000


def test_tls_files_from_the_operator():
    config = config_for(operator_env(SSL_CERTIFICATE_FILE="/tls/tls.crt", SSL_PRIVATE_KEY_FILE="/tls/tls.key", SSL_CA_FILE="/tlsca/ca.crt"))
    parameters = config["postgresql"]["parameters"]
    assert parameters["ssl_cert_file"] == "/tls/tls.crt"
    assert parameters["ssl_key_file"] == "/tls/tls.key"
    assert parameters["ssl_ca_file"] == "/tlsca/ca.crt"


def test_restapi_tls_files():
    config = config_for(operator_env(SSL_RESTAPI_CERTIFICATE_FILE="/tls/rest.crt", SSL_RESTAPI_PRIVATE_KEY_FILE="/tls/rest.key"))
    assert config["restapi"]["certfile"] == "/tls/rest.crt"
    assert config["restapi"]["keyfile"] == "/tls/rest.key"


def test_spilo_configuration_wins():
    user = {
        "postgresql": {"parameters": {"shared_buffers": "64MB", "log_statement": "all"}, "pg_hba": ["local all all trust"]},
        "bootstrap": {
            "initdb": [{"auth-host": "scram-sha-256"}, {"auth-local": "trust"}, "data-checksums"],
            "dcs": {"ttl": 45, "postgresql": {"parameters": {"max_connections": 42}}},
        },
        "restapi": {"listen": None},
    }
    config = config_for(operator_env(SPILO_CONFIGURATION=json.dumps(user)))
    assert config["postgresql"]["parameters"]["shared_buffers"] == "64MB"
    assert config["postgresql"]["parameters"]["log_statement"] == "all"
    assert config["postgresql"]["parameters"]["ssl"] == "on"
    assert config["postgresql"]["pg_hba"] == ["local all all trust"]
    assert config["bootstrap"]["initdb"] == [{"auth-host": "scram-sha-256"}, {"auth-local": "trust"}, "data-checksums"]
    assert config["bootstrap"]["dcs"]["ttl"] == 45
    assert config["bootstrap"]["dcs"]["loop_wait"] == 10
    assert config["bootstrap"]["dcs"]["postgresql"]["parameters"]["max_connections"] == 42
    assert config["bootstrap"]["dcs"]["postgresql"]["parameters"]["wal_level"] == "hot_standby"
    assert config["restapi"]["listen"] == "0.0.0.0:8008"


def test_spilo_configuration_as_yaml_and_fallback_name():
    env = operator_env(SPILO_CONFIGURATION=None, PATRONI_CONFIGURATION="postgresql:\n  parameters:\n    work_mem: 8MB\n")
    config = config_for(env)
    assert config["postgresql"]["parameters"]["work_mem"] == "8MB"


@pytest.mark.parametrize("text", ["[1, 2]", "just text", "{unclosed: [", "42"])
def test_unusable_spilo_configuration(text):
    with pytest.raises(ConfigError) as info:
        build(operator_env(SPILO_CONFIGURATION=text))
    assert "SPILO_CONFIGURATION" in str(info.value)


def test_legacy_bootstrap_pg_hba_gets_a_replication_line():
    config = config_for(operator_env(SPILO_CONFIGURATION=json.dumps({"bootstrap": {"pg_hba": ["host all all all md5"]}})))
    assert config["bootstrap"]["pg_hba"] == ["hostssl replication standby all md5", "host all all all md5"]


def test_bin_dir_from_pgversion():
    config = config_for(operator_env(PGVERSION="16"), installed={"16": BIN16, "17": BIN17})
    assert config["postgresql"]["bin_dir"] == BIN16


def test_bin_dir_from_spilo_configuration():
    env = operator_env(PGVERSION=None, SPILO_CONFIGURATION=json.dumps({"postgresql": {"bin_dir": BIN16}}))
    config = config_for(env, installed={"16": BIN16, "17": BIN17})
    assert config["postgresql"]["bin_dir"] == BIN16


def test_data_directory_version_wins():
    env = operator_env(PGVERSION="17", SPILO_CONFIGURATION=json.dumps({"postgresql": {"bin_dir": BIN17}}))
    config, messages = build(env, installed={"16": BIN16, "17": BIN17}, data_version="16")
    assert config["postgresql"]["bin_dir"] == BIN16
    assert any("does not upgrade in place" in text for text in messages.texts("WARNING"))


def test_bin_dir_defaults_to_the_newest():
    messages = Messages()
    assert choose_bin_dir(None, None, "", {"9.6": "/x/9.6/bin", "16": BIN16, "17": BIN17}, messages) == BIN17
    assert not messages.lines


def test_pgversion_not_in_the_image_is_logged():
    config, messages = build(operator_env(PGVERSION="15"))
    assert config["postgresql"]["bin_dir"] == BIN17
    errors = messages.texts("ERROR")
    assert errors and "PGVERSION=15" in errors[0] and "not installed" in errors[0]


def test_unknown_bin_dir_and_data_version_are_logged():
    messages = Messages()
    chosen = choose_bin_dir("14", "/usr/lib/postgresql/15/bin", "", {"17": BIN17}, messages)
    assert chosen == BIN17
    errors = messages.texts("ERROR")
    assert any("data directory is PostgreSQL 14" in text for text in errors)
    assert any("/usr/lib/postgresql/15/bin" in text for text in errors)


def test_redacted_hides_every_password():
    config = config_for()
    text = spilo.dump(spilo.redacted(config))
    assert "super-secret-password" not in text
    assert "standby-secret-password" not in text
    assert text.count("<redacted>") == 2
