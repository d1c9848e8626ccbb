#!/usr/bin/env python3
"""Where a function's instances spend their time: running, waiting runnable for a CPU, or idle.

  instance-time.py snapshot ID...        prints a snapshot: the monotonic time, then one line per
                                         thread of every process in each instance's cgroup:
                                         "INSTANCE PID TID EXEC_NS RUN_DELAY_NS" (/proc/TID/schedstat)
  instance-time.py compare BEFORE AFTER  prints one line: per instance, the share of the time
                                         between the snapshots spent running, waiting and idle

Instances are found by the cgroup named after their id (v1 memory/aloft/ID or v2 aloft/ID). Threads
present in only one snapshot are left out, so an instance that stopped in between counts nothing.
"""
import os
import sys
import time

CGROUP_DIRS = ("/sys/fs/cgroup/memory/aloft", "/sys/fs/cgroup/aloft")


def snapshot(instance_ids):
    print(time.monotonic())
    for instance in instance_ids:
        for base in CGROUP_DIRS:
            procs = os.path.join(base, instance, "cgroup.procs")
            if not os.path.exists(procs):
                continue
            for pid in open(procs).read().split():
                try:
                    for tid in os.listdir(f"/proc/{pid}/task"):
                        run, delay, _ = open(f"/proc/{pid}/task/{tid}/schedstat").read().split()
                        print(instance, pid, tid, run, delay)
                except OSError:
                    pass  # the process ended meanwhile
            break


def read(path):
    with open(path) as f:
        at = float(f.readline())
        threads = {}
        for line in f:
            instance, pid, tid, run, delay = line.split()
            threads[(instance, pid, tid)] = (int(run), int(delay))
    return at, threads


def compare(before_path, after_path):
    t0, before = read(before_path)
    t1, after = read(after_path)
    wall_ns = (t1 - t0) * 1e9
    run = delay = 0
    instances = set()
    for key, (run1, delay1) in after.items():
        if key in before:
            instances.add(key[0])
            run += run1 - before[key][0]
            delay += delay1 - before[key][1]
    if not instances or wall_ns <= 0:
        print("instances: none found")
        return
    n = len(instances)
    ran, waited = run / wall_ns / n, delay / wall_ns / n
    print(f"{n} instances, each: running {ran:.0%}, waiting runnable for a CPU {waited:.0%}, "
          f"idle {max(0.0, 1 - ran - waited):.0%} of the measured time")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "snapshot":
        snapshot(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
