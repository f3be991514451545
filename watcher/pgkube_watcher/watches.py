# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read ``watches.yaml`` the way ansible-operator does (reference ansible-contracts.md §1.2).

The file is a YAML list, one entry per group/version/kind; ``${VAR}`` is expanded from the environment
before parsing (unset variables stay literal); duplicate GVKs, a missing version or kind, and a
finalizer without role, playbook or vars are errors. Roles are resolved like ansible-operator: absolute
path; ``ns.coll.role`` under each ``ANSIBLE_COLLECTIONS_PATH`` entry; ``ANSIBLE_ROLES_PATH`` entries;
then ``<cwd>/roles/<role>``.
"""

import os
import re

import yaml

DEFAULT_RECONCILE_PERIOD = 10 * 3600
DEFAULT_MAX_RUNNER_ARTIFACTS = 20
DEFAULT_COLLECTIONS_PATH = "/usr/share/ansible/collections" + os.pathsep + "~/.ansible/collections"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class WatchesError(Exception):
    """watches.yaml cannot be used; the message names the entry and the field."""


def parse_go_duration(value, what="duration"):
    """Go ``time.ParseDuration`` syntax (``1h30m``, ``45s``, ``0``) -> seconds (float)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if text in ("0", ""):
        return 0.0
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    total, pos = 0.0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise WatchesError("%s: %r is not a duration like 30s, 10m or 1h30m" % (what, value))
    return sign * total


def expand_env(text, environ):
    return _VAR.sub(lambda m: environ.get(m.group(1), m.group(0)), text)


class Finalizer:
    def __init__(self, name, role=None, playbook=None, variables=None):
        self.name = name
        self.role = role
        self.playbook = playbook
        self.vars = dict(variables or {})


class Watch:
    """One entry of watches.yaml, with ansible-operator's defaults applied."""

    def __init__(self, entry, index, base_dir):
        where = "watches[%d]" % index
        if not isinstance(entry, dict):
            raise WatchesError("%s: must be a mapping" % where)
        self.group = str(entry.get("group") or "")
        self.version = str(entry.get("version") or "")
        self.kind = str(entry.get("kind") or "")
        if not self.version:
            raise WatchesError("%s.version: required" % where)
        if not self.kind:
            raise WatchesError("%s.kind: required" % where)
        self.playbook = entry.get("playbook") or None
        self.role = None if self.playbook else (entry.get("role") or None)
        if self.playbook and not os.path.isabs(self.playbook):
            self.playbook = os.path.join(base_dir, self.playbook)
        self.vars = entry.get("vars") or {}
        if not isinstance(self.vars, dict):
            raise WatchesError("%s.vars: must be a mapping" % where)
        period = entry.get("reconcilePeriod")
        self.reconcile_period = parse_go_duration(period, where + ".reconcilePeriod") if period not in (None, "") else 0.0
        self.manage_status = _bool(entry.get("manageStatus", True), where + ".manageStatus")
        self.watch_dependent_resources = _bool(entry.get("watchDependentResources", True), where + ".watchDependentResources")
        self.watch_cluster_scoped_resources = _bool(entry.get("watchClusterScopedResources", False), where + ".watchClusterScopedResources")
        self.watch_annotations_changes = _bool(entry.get("watchAnnotationsChanges", False), where + ".watchAnnotationsChanges")
        self.snake_case_parameters = _bool(entry.get("snakeCaseParameters", True), where + ".snakeCaseParameters")
        self.mark_unsafe = _bool(entry.get("markUnsafe", False), where + ".markUnsafe")
        self.max_runner_artifacts = int(entry.get("maxRunnerArtifacts") or DEFAULT_MAX_RUNNER_ARTIFACTS)
        self.blacklist = list(entry.get("blacklist") or [])
        self.selector = entry.get("selector") or None
        self.finalizer = None
        fin = entry.get("finalizer")
        if fin:
            if not isinstance(fin, dict) or not fin.get("name"):
                raise WatchesError("%s.finalizer.name: required" % where)
            if not (fin.get("role") or fin.get("playbook") or fin.get("vars")):
                raise WatchesError("%s.finalizer: give role, playbook or vars" % where)
            playbook = fin.get("playbook")
            if playbook and not os.path.isabs(playbook):
                playbook = os.path.join(base_dir, playbook)
            self.finalizer = Finalizer(fin["name"], fin.get("role"), playbook, fin.get("vars"))

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def gvk(self):
        return (self.group, self.version, self.kind)

    @property
    def object_var(self):
        """``_<group>_<kind>``: the extra var holding the whole object (``.`` and ``-`` -> ``_``)."""
        return ("_%s_%s" % (self.group, self.kind.lower())).replace(".", "_").replace("-", "_")

    @property
    def spec_var(self):
        return self.object_var + "_spec"

    def __repr__(self):
        return "Watch(%s, role=%r, playbook=%r)" % ("/".join(self.gvk), self.role, self.playbook)


def _bool(value, where):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise WatchesError("%s: must be true or false, got %r" % (where, value))


def parse_watches(text, base_dir=".", environ=None):
    """The list of ``Watch`` from the YAML text."""
    environ = os.environ if environ is None else environ
    try:
        data = yaml.safe_load(expand_env(text, environ))
    except yaml.YAMLError as exc:
        raise WatchesError("watches file is not valid YAML: %s" % exc)
    if not isinstance(data, list):
        raise WatchesError("watches file must be a YAML list of entries")
    watches, seen = [], set()
    for index, entry in enumerate(data):
        watch = Watch(entry, index, base_dir)
        if watch.gvk in seen:
            raise WatchesError("watches[%d]: duplicate group/version/kind %s" % (index, "/".join(watch.gvk)))
        seen.add(watch.gvk)
        watches.append(watch)
    return watches


def load_watches(path, environ=None):
    with open(path) as handle:
        text = handle.read()
    return parse_watches(text, os.getcwd(), environ)


def find_watch(watches, group="acid.zalan.do", version="v1", kind="postgresql"):
    for watch in watches:
        if watch.gvk == (group, version, kind):
            return watch
    return None


def possible_role_paths(role, environ=None, cwd=None):
    """Candidate directories for ``role``, in ansible-operator's order."""
    environ = os.environ if environ is None else environ
    cwd = cwd or os.getcwd()
    if os.path.isabs(role):
        return [role]
    paths = []
    parts = role.split(".")
    if len(parts) == 3:
        for entry in (environ.get("ANSIBLE_COLLECTIONS_PATH") or DEFAULT_COLLECTIONS_PATH).split(os.pathsep):
            if entry:
                paths.append(os.path.join(os.path.expanduser(entry), "ansible_collections", parts[0], parts[1], "roles", parts[2]))
    for entry in (environ.get("ANSIBLE_ROLES_PATH") or "").split(os.pathsep):
        if entry:
            paths.append(os.path.join(os.path.expanduser(entry), role))
            paths.append(os.path.join(os.path.expanduser(entry), "roles", role))
    paths.append(os.path.join(cwd, "roles", role))
    return paths


def resolve_role(role, environ=None, cwd=None):
    """The directory of ``role``; WatchesError when none exists."""
    candidates = possible_role_paths(role, environ, cwd)
    for path in candidates:
        if os.path.isdir(path):
            return path
    raise WatchesError("role %r not found; looked in: %s" % (role, ", ".join(candidates)))
