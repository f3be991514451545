"""Resident memory and CPU of the local cluster's processes (control plane, add-ons, node
components) while it idles, e.g. with the quick start's cluster in it:

    make run
    .venv/bin/python bench/node_resources.py [--dir .controlplane] [--seconds 60]

CPU is the process's user + system time over the interval (from /proc/<pid>/stat), as a
percentage of one core; RSS is VmRSS at the end. Pods (Postgres, the operator) are not counted:
they are the workload, not the node.
"""

import argparse
import json
import os
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def processes(state_dir):
    found = {}
    with open(os.path.join(state_dir, "state.json")) as handle:
        for name, proc in json.load(handle)["components"].items():
            found[name] = proc["pid"]
    with open(os.path.join(state_dir, "cluster.json")) as handle:
        cluster = json.load(handle)
    for name, proc in cluster["addons"].items():
        found[name] = proc["pid"]
    for node in cluster["nodes"]:
        for name, proc in node["components"].items():
            found["%s %s" % (node["name"], name)] = proc["pid"]
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--dir", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".controlplane"))
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    procs = processes(args.dir)
    start = dict((name, cpu_ticks(pid)) for name, pid in procs.items())
    time.sleep(args.seconds)
    total_rss = total_cpu = 0.0
    print("%-26s %9s %9s" % ("process", "RSS MiB", "CPU %"))
    for name, pid in sorted(procs.items()):
        cpu = 100.0 * (cpu_ticks(pid) - start[name]) / CLK_TCK / args.seconds
        rss = rss_mib(pid)
        total_rss, total_cpu = total_rss + rss, total_cpu + cpu
        print("%-26s %9.1f %9.1f" % (name, rss, cpu))
    print("%-26s %9.1f %9.1f   (over %.0f s; CPU in %% of one core)" % ("total", total_rss, total_cpu, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
