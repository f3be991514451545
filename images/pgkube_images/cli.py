# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``images/build.sh [--print] [--prune] [NAME...]``: build the missing images, print where they are.

The last stdout lines are one per requested image: ``<name> <image ref> <absolute archive path>``.
Everything else goes to stderr. See docs/images.md.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

from pgkube_images import cache, chroot, debian_base, host, image_helper, image_operator, image_pause, image_spilo, oci
from pgkube_images.proc import log, run

RECIPES = {module.NAME: module for module in (image_pause, image_spilo, image_operator, image_helper)}
ORDER = ("pause", "spilo", "operator", "helper")
TAG_LENGTH = 12
COMMON_CODE = ("__init__.py", "cache.py", "chroot.py", "cli.py", "debian_base.py", "host.py", "oci.py", "proc.py", "runc.py")


class Context:
    """What a recipe needs: paths, the image being built, and :meth:`expect` for its checks."""

    def __init__(self, repo, root, session_dir):
        self.repo = repo
        self.images_dir = os.path.join(repo, "images")
        self.cache = root
        self.session_dir = session_dir
        self.scratch = None
        self.tag = None
        self.image_config = None
        self.versions = {}
        self.collection_tar = None

    def expect(self, result, label, returncode=None, contains=None):
        problems = []
        if returncode is not None and result.returncode != returncode:
            problems.append("exit code %s, expected %s" % (result.returncode, returncode))
        if contains is not None and contains not in result.output:
            problems.append("output lacks %r" % contains)
        if problems:
            tail = "\n".join(result.output.rstrip().splitlines()[-40:])
            raise AssertionError("check %r failed: %s\n--- output (tail) ---\n%s" % (label, "; ".join(problems), tail))
        log("check ok: %s%s", label, (" (%s)" % contains) if contains else "")


def image_key(ctx, recipe):
    key = cache.Key("pgkube-image:" + recipe.NAME)
    code = os.path.join(ctx.images_dir, "pgkube_images")
    for name in COMMON_CODE:
        key.add_file(os.path.join(code, name), "code:" + name)
    key.add_file(recipe.__file__, "code:recipe")
    key.add_file(os.path.join(ctx.images_dir, "build.py"), "code:build.py")
    key.add_file(os.path.join(ctx.images_dir, "build.sh"), "code:build.sh")
    if recipe.SUITE:
        key.add_text("base", debian_base.base_key(recipe.SUITE))
    recipe.add_inputs(ctx, key)
    return key.hexdigest()


def archive_path(root, name, tag):
    return os.path.join(root, "%s-%s.oci.tar" % (name, tag))


def verify(ctx, recipe, archive, ref):
    index, manifest, config = oci.read_archive(archive)
    named = index["manifests"][0].get("annotations", {}).get("io.containerd.image.name")
    if named != ref:
        raise AssertionError("%s names %r, expected %r" % (archive, named, ref))
    bundle = os.path.join(ctx.scratch, "bundle")
    log("unpacking %s into a runc bundle for the checks", os.path.basename(archive))
    oci.extract_rootfs(archive, manifest, os.path.join(bundle, "rootfs"))
    ctx.image_config = config
    state = os.path.join(ctx.scratch, "runc-state")
    os.makedirs(state, exist_ok=True)
    recipe.check(ctx, bundle, state)
    cache.remove_tree(bundle)


def build_one(ctx, recipe, key):
    started = time.monotonic()
    root = ctx.cache
    tag = key[:TAG_LENGTH]
    ref = "%s:%s" % (recipe.REPOSITORY, tag)
    log("building %s as %s", recipe.NAME, ref)
    host.ensure(recipe.HOST_TOOLS)
    ctx.scratch = cache.scratch_dir(root, recipe.NAME)
    ctx.tag = tag
    ctx.versions = {}
    try:
        rootfs = os.path.join(ctx.scratch, "rootfs")
        if recipe.SUITE:
            base = debian_base.ensure_base(root, recipe.SUITE)
            log("copying the %s base rootfs", recipe.SUITE)
            run(["cp", "-a", base, rootfs], quiet=True)
        else:
            os.makedirs(rootfs)
        config = recipe.build(ctx, rootfs)
        if recipe.SUITE:
            chroot.finish(rootfs)
        rootfs_bytes = int(run(["du", "-sb", rootfs], capture=True, quiet=True).split()[0])
        staged = os.path.join(ctx.scratch, "image.oci.tar")
        summary = oci.write_archive(rootfs, ref, config, staged, ctx.scratch, "pgkube images/build.sh %s" % recipe.NAME)
        cache.remove_tree(rootfs)
        verify(ctx, recipe, staged, ref)
        final = archive_path(root, recipe.NAME, tag)
        summary.update({"name": recipe.NAME, "ref": ref, "archive": final, "key": key, "rootfs_bytes": rootfs_bytes,
                        "build_seconds": round(time.monotonic() - started, 1), "versions": ctx.versions,
                        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        cache.publish(staged, final)
        with open(final[:-len(".oci.tar")] + ".json", "w") as handle:
            json.dump(summary, handle, indent=1, sort_keys=True)
        log("built %s in %.0fs: %s (%.0f MB archive)", recipe.NAME, summary["build_seconds"], final, summary["archive_size"] / 1e6)
    except BaseException:
        if os.environ.get("PGKUBE_IMAGES_KEEP_FAILED"):
            log("PGKUBE_IMAGES_KEEP_FAILED: leaving %s for inspection (the next build removes it)", ctx.scratch)
            ctx.scratch = None
        raise
    finally:
        if ctx.scratch:
            cache.remove_tree(ctx.scratch)
        ctx.scratch = None


def prune(root, keep):
    """Delete archives and base rootfs directories that no current key names."""
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if (name.endswith(".oci.tar") or name.endswith(".json")) and name.split(".")[0] not in keep:
            log("prune: %s", name)
            os.unlink(path)
    base = os.path.join(root, "base")
    if os.path.isdir(base):
        for name in sorted(os.listdir(base)):
            if name not in keep:
                log("prune: base/%s", name)
                cache.remove_tree(os.path.join(base, name))


def parse(argv):
    parser = argparse.ArgumentParser(prog="images/build.sh", description="Build pgkube's local OCI image archives (docs/images.md).")
    parser.add_argument("names", nargs="*", metavar="NAME", help="images to build: %s (default: all)" % ", ".join(ORDER))
    parser.add_argument("--print", dest="print_only", action="store_true",
                        help="only print the lines of already built images; exit 1 if one is missing")
    parser.add_argument("--prune", action="store_true", help="after building, delete archives and base rootfs of older inputs")
    args = parser.parse_args(argv)
    for name in args.names:
        if name not in RECIPES:
            parser.error("unknown image %r (images: %s)" % (name, ", ".join(ORDER)))
    args.names = list(dict.fromkeys(args.names)) or list(ORDER)
    return args


def _terminate(signo, _frame):
    raise SystemExit(128 + signo)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    root = cache.cache_root()
    os.makedirs(root, exist_ok=True)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    session = tempfile.mkdtemp(prefix="pgkube-images-")
    try:
        ctx = Context(repo, root, session)
        refs = {}
        for name in args.names:
            key = image_key(ctx, RECIPES[name])
            refs[name] = (key, "%s:%s" % (RECIPES[name].REPOSITORY, key[:TAG_LENGTH]), archive_path(root, name, key[:TAG_LENGTH]))
        missing = [name for name in args.names if not os.path.isfile(refs[name][2])]
        if args.print_only and missing:
            sys.stderr.write("not built yet: %s; run: bash images/build.sh %s\n" % (" ".join(missing), " ".join(missing)))
            return 1
        if missing or args.prune:
            if os.geteuid() != 0:
                sys.stderr.write("images/build.sh builds as root (debootstrap, chroot, runc)\n")
                return 1
            with cache.BuildLock(root):
                cache.clean_scratch(root)
                for name in missing:
                    if not os.path.isfile(refs[name][2]):
                        build_one(ctx, RECIPES[name], refs[name][0])
                if args.prune:
                    keep = set(os.path.basename(entry[2]).split(".")[0] for entry in refs.values())
                    for name in ORDER:
                        keep.add("%s-%s" % (name, image_key(ctx, RECIPES[name])[:TAG_LENGTH]))
                    keep.update(os.path.basename(debian_base.base_dir(root, suite)) for suite in
                                set(r.SUITE for r in RECIPES.values() if r.SUITE))
                    prune(root, keep)
        for name in args.names:
            sys.stdout.write("%s %s %s\n" % (name, refs[name][1], refs[name][2]))
        sys.stdout.flush()
        return 0
    finally:
        shutil.rmtree(session, ignore_errors=True)
