"""The first step into a grading sandbox: join the submission's cgroups, drop root, exec bwrap.

Run as root by :mod:`autograder.sandbox` (through the kernel manager it installs), with the
interpreter's ``-I -S`` flags: it imports nothing but ``os`` and ``sys``, so nothing on a
path a submission could influence is loaded while it still holds root.

    python -I -S sandbox_enter.py CGROUP_DIR[:CGROUP_DIR...] UID GID CHOWN[:CHOWN...] -- BWRAP ...

Every process it starts, however it detaches, stays in the cgroups, which the pipeline kills
and checks empty when the submission is done.
"""

import os
import signal
import sys


def main(argv):
    cgroups, uid, gid, owned, separator, *command = argv
    if separator != "--" or not command:
        sys.exit("usage: sandbox_enter.py CGROUPS UID GID CHOWN -- COMMAND ...")
    uid, gid = int(uid), int(gid)
    if uid == 0 or gid == 0:
        sys.exit("sandbox_enter: refusing to run a submission as root")
    for folder in cgroups.split(":"):
        with open(os.path.join(folder, "cgroup.procs"), "w") as procs:
            procs.write(str(os.getpid()))
    for path in filter(None, owned.split(":")):
        os.chown(path, uid, gid, follow_symlinks=False)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        sys.exit("sandbox_enter: could not drop root")
    # jupyter_client interrupts a cell with SIGINT to the whole process group: bwrap and its
    # pid-1 reaper would die of it and take the kernel along. Ignored here, the disposition
    # passes through exec to them; the kernel installs its own handler while a cell runs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
