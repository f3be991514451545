# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The container's start: prepare directories, certificates and the Patroni configuration, then exec Patroni.

Started as root (the default), it gives the data directory to ``postgres`` and drops to it
with ``setpriv``; started as ``postgres`` itself (``spiloRunAsUser: 101``, ``spiloFSGroup:
103``) it uses the directories the image prepared for that user. Patroni is exec'ed, so
it is PID 1 of the container, which makes it reap orphans and pass on signals. Like
Spilo's, Patroni gets a scrubbed environment: credentials reach it only through the
configuration file (mode 0600).
"""

import os
import pwd
import sys

from pgkube_spilo import system, tls, variables
from pgkube_spilo.config import CERT_DIR, CONFIG_PATH, PGHOME, RUN_DIR, SOCKET_DIR, ConfigError, build_config, dump, paths, redacted
from pgkube_spilo.messages import Messages

ENV_KEPT = frozenset(["POD_IP", "POD_NAMESPACE", "HOSTNAME", "PATH", "PGHOME", "LC_ALL", "LANG", "TZ"])
ENV_KEPT_PREFIXES = ("KUBERNETES_SERVICE_", "KUBERNETES_PORT")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PATRONICTL_LINKS = (PGHOME + "/.config/patroni/patronictl.yaml", "/root/.config/patroni/patronictl.yaml",
                    PGHOME + "/postgres.yml")


class StartError(RuntimeError):
    pass


def patroni_env(env):
    kept = {key: value for key, value in env.items() if key in ENV_KEPT or key.startswith(ENV_KEPT_PREFIXES)}
    kept["HOME"] = PGHOME
    kept.setdefault("PATH", DEFAULT_PATH)
    return kept


def fix_tree(root, uid, gid):
    """Give everything under ``root`` to uid:gid and drop group/other write bits (Spilo's start does the same)."""
    for directory, dirs, files in os.walk(root):
        for name in [directory] + [os.path.join(directory, entry) for entry in dirs + files]:
            st = os.lstat(name)
            if st.st_uid != uid or st.st_gid != gid:
                os.lchown(name, uid, gid)
            if not os.path.islink(name) and st.st_mode & 0o022:
                os.chmod(name, st.st_mode & ~0o022 & 0o7777)


def make_dir(path, mode, owner, uid_hint):
    try:
        os.makedirs(path, exist_ok=True)
    except PermissionError:
        raise StartError("cannot create %s as uid %d: the volume mounted at %s/pgdata must be writable for this user "
                         "(give the pod an fsGroup, e.g. spiloFSGroup: 103)" % (path, uid_hint, PGHOME))
    if owner:
        os.chown(path, owner[0], owner[1])
        os.chmod(path, mode)
    elif not os.access(path, os.W_OK):
        raise StartError("%s is not writable for uid %d" % (path, uid_hint))


def prepare_directories(env, owner, messages):
    places = paths(env)
    uid = os.geteuid()
    for path, mode in ((RUN_DIR, 0o700), (CERT_DIR, 0o700), (SOCKET_DIR, 0o2775)):
        make_dir(path, mode, owner, uid)
    make_dir(places["pgroot"], 0o755, owner, uid)
    if owner:
        fix_tree(places["pgroot"], owner[0], owner[1])
    make_dir(places["pglog"], 0o755, owner, uid)
    if os.path.isdir(places["pgdata"]):
        os.chmod(places["pgdata"], 0o700)
    for link in PATRONICTL_LINKS:
        if link.startswith("/root/") and not owner:
            continue
        if os.path.islink(link) and os.readlink(link) == CONFIG_PATH:
            continue
        try:
            os.makedirs(os.path.dirname(link), exist_ok=True)
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(CONFIG_PATH, link)
        except OSError:
            messages.warning("could not link %s to %s" % (link, CONFIG_PATH))


def write_config(config, owner):
    text = dump(config)
    temporary = CONFIG_PATH + ".new"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    if owner:
        os.chown(temporary, owner[0], owner[1])
    os.rename(temporary, CONFIG_PATH)


def postgres_user():
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def prepare(env, messages):
    """Everything but the exec; returns ``(config, owner)``."""
    variables.report(env, messages)
    uid, gid = postgres_user()
    is_root = os.geteuid() == 0
    owner = (uid, gid) if is_root else None
    if not is_root and os.geteuid() != uid:
        messages.warning("running as uid %d, not as the image's postgres user (uid %d); psql needs -U then" % (os.geteuid(), uid))
    prepare_directories(env, owner, messages)
    server_uid = uid if is_root else os.geteuid()
    server_gids = set(os.getgrouplist("postgres", gid)) if is_root else set(os.getgroups() + [os.getegid()])
    tls_files = tls.prepare(env, messages, owner=owner, server_uid=server_uid, server_gids=server_gids)
    config, more = build_config(env, system.facts(env), tls_files)
    messages.lines.extend(more.lines)
    write_config(config, owner)
    return config, owner


def summary(config):
    kubernetes = config.get("kubernetes", {})
    mode = "Endpoints" if kubernetes.get("use_endpoints") else "ConfigMaps"
    return "starting Patroni: scope %s, member %s, %s, data %s, Kubernetes DCS with %s, labels %s" % (
        config.get("scope"), config.get("name"), config["postgresql"].get("bin_dir"), config["postgresql"].get("data_dir"),
        mode, ",".join("%s=%s" % item for item in sorted(kubernetes.get("labels", {}).items())))


def exec_patroni(env, owner):
    argv = ["patroni", CONFIG_PATH]
    if owner:
        argv = ["setpriv", "--reuid=%d" % owner[0], "--regid=%d" % owner[1], "--init-groups", "--"] + argv
    os.execvpe(argv[0], argv, patroni_env(env))


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    action = args[0] if args else "init"
    env = dict(os.environ)
    messages = Messages()
    try:
        if action == "print-config":
            config, more = build_config(env, system.facts(env))
            variables.report(env, messages)
            messages.lines.extend(more.lines)
            messages.flush()
            sys.stdout.write(dump(redacted(config)))
            return 0
        if action not in ("init", "prepare"):
            sys.stderr.write("usage: launch.sh [init|prepare|print-config]\n")
            return 2
        config, owner = prepare(env, messages)
    except (ConfigError, StartError) as exc:
        messages.error(str(exc))
        messages.flush()
        return 1
    messages.info(summary(config))
    messages.flush()
    if action == "prepare":
        return 0
    exec_patroni(env, owner)
    return 1
