# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logging to stderr and running commands whose output also goes to stderr.

stdout of ``build.sh`` is reserved for the final ``<name> <ref> <archive>`` lines.
"""

import os
import shlex
import subprocess
import sys
import time

_START = time.monotonic()


def log(message, *args):
    text = message % args if args else message
    sys.stderr.write("[images %6.1fs] %s\n" % (time.monotonic() - _START, text))
    sys.stderr.flush()


class CommandError(RuntimeError):
    """A command exited non-zero; ``output`` holds what it printed when captured."""

    def __init__(self, argv, returncode, output=""):
        self.argv = list(argv)
        self.returncode = returncode
        self.output = output
        super().__init__("command failed with exit code %s: %s%s" % (
            returncode, " ".join(shlex.quote(str(a)) for a in argv), ("\n" + output.strip()) if output.strip() else ""))


def run(argv, env=None, capture=False, check=True, quiet=False, input_text=None, cwd=None):
    """Run ``argv``; its stdout and stderr go to our stderr unless ``capture`` (then returned as text)."""
    argv = [str(a) for a in argv]
    if not quiet:
        log("$ %s", " ".join(shlex.quote(a) for a in argv))
    full_env = None
    if env is not None:
        full_env = dict(os.environ)
        full_env.update(env)
    feed = {"input": input_text} if input_text is not None else {"stdin": subprocess.DEVNULL}
    if capture:
        proc = subprocess.run(argv, env=full_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              check=False, **feed)
        output = proc.stdout
    else:
        proc = subprocess.run(argv, env=full_env, cwd=cwd, stdout=sys.stderr, stderr=sys.stderr, text=True, check=False, **feed)
        output = ""
    if check and proc.returncode != 0:
        raise CommandError(argv, proc.returncode, output)
    return output if capture else proc.returncode
