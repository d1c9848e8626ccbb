#!/usr/bin/env python3
"""Where the server's CPU goes per request, by thread: CPU time and context switches.

  server-threads.py snapshot PID                 prints one line per thread of process PID:
                                                 "TID EXEC_NS SWITCHES NAME" (/proc/PID/task/TID)
  server-threads.py compare BEFORE AFTER REQUESTS  prints, per group of threads (the name without
                                                 its number: all virtual-thread carriers are one
                                                 group), CPU µs and context switches per request

Threads present in only one snapshot are left out.
"""
import os
import re
import sys


def snapshot(pid):
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            run_ns = open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0]
            status = open(f"/proc/{pid}/task/{tid}/status").read()
        except OSError:
            continue  # the thread ended while we looked
        name = re.search(r"^Name:\s*(.*)$", status, re.M).group(1)
        switches = sum(int(n) for n in re.findall(r"^(?:non)?voluntary_ctxt_switches:\s*(\d+)$", status, re.M))
        print(tid, run_ns, switches, name)


def read(path):
    threads = {}
    for line in open(path):
        tid, run_ns, switches, name = line.rstrip("\n").split(" ", 3)
        threads[tid] = (int(run_ns), int(switches), name)
    return threads


def group(name):
    if name.startswith("ForkJoinPool"):
        return "virtual-thread carriers"
    if name.startswith("log-"):
        return "log pumps"
    return re.sub(r"[-#\s]*\d+$", "", name)


def compare(before_path, after_path, requests):
    before, after = read(before_path), read(after_path)
    groups = {}
    for tid, (run_ns, switches, name) in after.items():
        if tid not in before:
            continue
        cpu, cs = groups.get(group(name), (0, 0))
        groups[group(name)] = (cpu + run_ns - before[tid][0], cs + switches - before[tid][1])
    total = sum(cpu for cpu, _ in groups.values())
    parts = [f"{name} {cpu / 1000 / requests:.0f} µs, {cs / requests:.1f} switches"
             for name, (cpu, cs) in sorted(groups.items(), key=lambda g: -g[1][0])[:5]]
    print(f"{total / 1000 / requests:.0f} µs per request: " + "; ".join(parts))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "snapshot":
        snapshot(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
