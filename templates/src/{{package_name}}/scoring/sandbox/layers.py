"""What the sandbox's layers contain, in plain words, and the look-ups the sandbox makes on
this machine: an interpreter others may run, the tasks a user runs (RLIMIT_NPROC counts
them) and the processes that carry a run's marker."""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path

MARKER = "SANDBOX_RUN"  # in each run's environment, to find its processes if the supervisor dies


def processes() -> list[str]:
    return [entry for entry in os.listdir("/proc") if entry.isdigit()]


def world_executable(path: str) -> bool:
    """Every directory on the way is searchable, and the file executable, by others."""
    current = Path(path)
    for part in [current, *current.parents]:
        mode = part.stat().st_mode
        if not mode & (stat.S_IXOTH):
            return False
    return bool(Path(path).stat().st_mode & stat.S_IROTH)


def user_tasks(uid: int) -> int:
    """Tasks (threads) of `uid`: what RLIMIT_NPROC counts, per user, not per process."""
    count = 0
    for pid in processes():
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                count += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return count


def kill_marked(marker: str) -> None:
    """Kill every process whose environment carries this run's marker, until none is left."""
    needle = f"{MARKER}={marker}".encode()
    for _ in range(100):  # a fork bomb may still be forking: sweep again
        found = 0
        for pid in processes():
            try:
                with open(f"/proc/{pid}/environ", "rb") as handle:
                    if needle in handle.read().split(b"\0"):
                        os.kill(int(pid), signal.SIGKILL)
                        found += 1
            except OSError:
                continue
        if not found:
            return


def describe_layers(cfg, bwrap: bool, nobody: bool, landlock: int) -> list[str]:
    """Plain words for each active layer, then what no layer contains on this machine."""
    layers = []
    if bwrap:
        layers.append("bubblewrap: no network, no view of other processes, read-only filesystem, empty /home /root /tmp")
    if nobody:
        layers.append("nobody: runs as uid 65534, cannot read root's files or signal root's processes")
    if landlock:
        more = (", no TCP" if landlock >= 4 else "") + (", no signals outside the run" if landlock >= 6 else "")
        layers.append(
            f"landlock v{landlock}: writes only in the run's directory and /dev/shm, no reads of /home /root /tmp"
            f" or this user's home{more}"
        )
    layers += [
        "supervisor: the time limit holds, every process the run started dies with it (setsid daemons too)",
        f"rlimits: {cfg.cpu_s} s CPU, {cfg.memory_mb} MB memory, {cfg.file_size_mb} MB files,"
        f" {cfg.open_files} open files, {cfg.processes} more tasks, no core",
        "process: python -I, no secrets in the environment, its own HOME and TMPDIR in the run's directory",
    ]
    gaps = gaps_without_bwrap(nobody, landlock) if not bwrap else []
    return layers + ([f"not contained here: {'; '.join(gaps)}"] if gaps else [])


def gaps_without_bwrap(nobody: bool, landlock: int) -> list[str]:
    """What a program can still do without bubblewrap."""
    gaps = ["other processes are visible", "the network is open" if landlock < 4 else "UDP and other non-TCP network is open"]
    if landlock:
        gaps.append("/dev/shm is writable and shared (multiprocessing needs it)")
    if not landlock and nobody:
        gaps.append("writes wherever nobody may (shared /tmp)")
    elif not landlock:
        gaps.append("writes and reads wherever this user may (home, /tmp)")
    if not nobody and landlock < 6:
        gaps.append("can signal this user's processes, the trainer too")
    return gaps
