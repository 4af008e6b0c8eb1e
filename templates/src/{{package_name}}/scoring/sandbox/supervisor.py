"""The supervisor of one sandbox run, and the Landlock calls it makes.

sandbox.py starts it as `python -I -c <the text of this file> <settings as JSON>`, so it
uses the standard library only and never imports the package. It makes itself the reaper
of every orphan below it (PR_SET_CHILD_SUBREAPER), forks the runner, and when the runner
ends, or its time is up (SIGALRM), or it is stopped (SIGTERM), it kills every process
still below it: daemons that left the session with setsid come back to it as orphans.

The forked runner confines itself before it runs the program: its own session, the
switch to nobody (when the supervisor is root, which stays root and so out of reach),
rlimits, then Landlock where the kernel offers it. Landlock needs no root and no
namespaces: reads and execution everywhere but /home, /root, /tmp, /var/tmp and this
user's home; writes only in the run's directory and /dev/shm (multiprocessing needs it);
with ABI 4 no TCP; with ABI 6 no signals to processes outside the run.

The supervisor reports on its own pipe, closed in the runner before the program starts:
"setup <error>" if confining failed (a sandbox error, not the program's), then
"exit <code>" or "deadline".
"""

import ctypes
import json
import os
import resource
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 36, 38
# landlock_create_ruleset, landlock_add_rule, landlock_restrict_self: the same numbers on these
LANDLOCK_SYSCALLS = (444, 445, 446)
LANDLOCK_MACHINES = {"x86_64", "aarch64", "riscv64", "ppc64le", "s390x", "armv7l", "i686"}
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_V1 = (1 << 13) - 1  # execute ... make_sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15  # ABI 2, 3, 5
NET_TCP = 1 << 0 | 1 << 1  # bind, connect (ABI 4)
SCOPES = 1 << 0 | 1 << 1  # abstract unix sockets, signals (ABI 6)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_fs", ctypes.c_uint64), ("handled_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int) -> int:
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"landlock: {os.strerror(error)}")
    return result


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers, 0 where it offers none."""
    if os.uname().machine not in LANDLOCK_MACHINES:
        return 0
    version = _libc().syscall(LANDLOCK_SYSCALLS[0], None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(version, 0)


def _handled_fs(abi: int) -> int:
    return FS_V1 | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0) | (IOCTL_DEV if abi >= 5 else 0)


def _allow(libc, ruleset: int, path: str, access: int, needed: bool = True) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        if needed:
            raise
        return  # gone since it was listed: nothing to allow
    try:
        rule = _PathBeneath(access, fd)
        _check(libc.syscall(LANDLOCK_SYSCALLS[1], ruleset, 1, ctypes.byref(rule), 0))  # 1: path beneath
    finally:
        os.close(fd)


def _readable(hidden: list[str], folder: str = "/") -> list[str]:
    """Paths that cover everything below `folder` but the hidden folders: Landlock only allows.
    Symbolic links are left out: they are followed, and judged where they lead."""
    found = []
    try:
        names = os.listdir(folder)
    except OSError:  # a folder this user cannot list: nothing of it is needed
        return found
    for name in names:
        path = os.path.join(folder, name)
        if path in hidden or os.path.islink(path):
            continue
        if any(secret.startswith(path + "/") for secret in hidden):
            found += _readable(hidden, path)
        else:
            found.append(path)
    return found


def landlock_restrict(abi: int, writable: str, hidden: list[str], install: str) -> None:
    """Confine this process and all it starts, for good: read and run all but `hidden`
    (and the interpreter's `install` even there), write only below `writable`."""
    libc, fs = _libc(), _handled_fs(abi)
    attr = _RulesetAttr(fs, NET_TCP if abi >= 4 else 0, SCOPES if abi >= 6 else 0)
    size = 8 * (1 if abi < 4 else 2 if abi < 6 else 3)  # the struct grew with the ABI
    ruleset = _check(libc.syscall(LANDLOCK_SYSCALLS[0], ctypes.byref(attr), ctypes.c_size_t(size), 0))
    try:
        for path in [*_readable([os.path.normpath(h) for h in hidden]), install]:
            _allow(libc, ruleset, path, EXECUTE | READ_FILE | (READ_DIR if os.path.isdir(path) else 0), needed=False)
        _allow(libc, ruleset, writable, fs)
        _allow(libc, ruleset, "/dev/null", fs & (READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV))
        # multiprocessing's locks, queues, pools and shared_memory live in /dev/shm: shared, but needed
        _allow(libc, ruleset, "/dev/shm", fs & ~EXECUTE, needed=False)
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
        _check(libc.syscall(LANDLOCK_SYSCALLS[2], ruleset, 0))
    finally:
        os.close(ruleset)


def _descendants() -> set[int]:
    """Every process below this one, from the parent links in /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _has_children() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)  # may reap one that ended: harmless, the loop looks again
    except ChildProcessError:
        return False
    return True


def kill_descendants() -> None:
    """Kill and reap everything below; orphans of the killed come back here, so repeat."""
    while _has_children():
        for pid in _descendants():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue
        reaped = False
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            reaped = True
        if not reaped:
            time.sleep(0.001)  # killed but not yet dead


def _run(settings: dict, report: int) -> None:
    """The runner, after the fork: confine, close the report pipe, run RUNNER."""
    try:
        for number in (signal.SIGTERM, signal.SIGALRM):  # the program's, not the supervisor's
            signal.signal(number, signal.SIG_DFL)
        os.setsid()
        if settings["user"] is not None:
            os.setgroups([])
            os.setgid(settings["user"])
            os.setuid(settings["user"])
        for name, value in settings["limits"]:
            resource.setrlimit(getattr(resource, name), (value, value))
        if settings["landlock"]:
            landlock_restrict(settings["landlock"], settings["work"], settings["hidden"], settings["install"])
    except Exception as error:  # noqa: BLE001 - whatever it is, the sandbox failed, not the program
        os.write(report, f"setup {error!r}\n".encode())
        os._exit(1)
    os.close(report)
    sys.argv = ["-c", str(settings["status_fd"])]
    exec(compile(settings["runner"], "<runner>", "exec"), {"__name__": "__main__"})
    os._exit(1)


def _finish(report: int, line: str) -> None:
    for number in (signal.SIGTERM, signal.SIGALRM):
        signal.signal(number, signal.SIG_IGN)
    kill_descendants()
    os.write(report, line.encode())
    os._exit(0)


def main() -> None:
    settings = json.loads(sys.argv[1])
    report = settings["report_fd"]
    if _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        os.write(report, b"setup cannot become the reaper of orphans\n")
        os._exit(0)
    signal.signal(signal.SIGTERM, lambda *_: _finish(report, "deadline\n"))
    signal.signal(signal.SIGALRM, lambda *_: _finish(report, "deadline\n"))
    signal.setitimer(signal.ITIMER_REAL, settings["timeout_s"])  # not inherited by the fork
    runner = os.fork()
    if runner == 0:
        _run(settings, report)
    _, status = os.waitpid(runner, 0)
    _finish(report, f"exit {os.waitstatus_to_exitcode(status)}\n")


if __name__ == "__main__":
    main()
