"""Stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates its virtual environments without pip and then runs a
"get-pip" script fetched from a host this machine cannot reach. This script does
the same job with what is here: the interpreter's bundled pip (ensurepip), then
pip itself installs the exact packages ansible-test asked for from PyPI.
"""

import subprocess
import sys

SKIP = ("--no-setuptools", "--no-wheel")


def main():
    args = [arg for arg in sys.argv[1:] if arg not in SKIP]
    # In a child process: ensurepip clears the pip configuration (the CA bundle) of its own process.
    subprocess.check_call([sys.executable, "-m", "ensurepip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)


if __name__ == "__main__":
    main()
