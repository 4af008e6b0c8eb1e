"""Sandbox: run model-written Python against its tests in one throwaway, confined
subprocess, and say how it ended (passed, failed, timeout, or the sandbox's own error).

The layers it stacks and what each contains are described in the package's docstring
(scoring/sandbox/__init__.py); `Sandbox().layers` says which are active on this machine.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import supervisor
from .layers import MARKER, describe_layers, kill_marked, user_tasks, world_executable

NOBODY = 65534
BWRAP_WORK = "/tmp/run"  # the run's directory as bubblewrap shows it
HIDDEN = ["/home", "/root", "/tmp", "/var/tmp"]  # unreadable under Landlock (bubblewrap empties the first three)
GRACE_S = 5.0  # for the supervisor to start and to kill a run at its deadline
SUPERVISOR = Path(supervisor.__file__).read_text(encoding="utf-8")  # run as `python -I -c`

# The program that runs inside the sandbox: runner.py, read as text.
RUNNER = Path(__file__).with_name("runner.py").read_text(encoding="utf-8")


@dataclass(frozen=True)
class SandboxConfig:
    """Limits of one execution: configs/eval.yaml's `sandbox` section, and the options of
    the code rewards. `isolation` picks the outer layers: auto (each one this machine
    offers), bwrap or landlock (an error where missing), none (neither of them)."""

    timeout_s: float = 10.0  # wall clock per execution
    cpu_s: int = 5
    memory_mb: int = 512
    file_size_mb: int = 8
    open_files: int = 64
    processes: int = 32  # extra tasks (processes or threads) the program may start
    output_bytes: int = 20_000  # kept of stdout and of stderr each
    isolation: str = "auto"  # auto | bwrap | landlock | none (bwrap also uses Landlock where offered)
    workers: int = 2  # executions in parallel


@dataclass
class Execution:
    status: str  # passed | failed | timeout | error
    seconds: float
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class Sandbox:
    """Runs a program and its tests in a fresh, confined interpreter: `run(program, tests)`
    for one, `run_many(jobs)` for a batch, `workers` at a time. Each returns an Execution
    whose status is passed, failed, timeout, or error (the sandbox's own failure, never
    the program's). `layers` says what contains the program on this machine."""

    def __init__(self, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        if self.config.isolation not in ("auto", "bwrap", "landlock", "none"):
            raise ValueError(f"sandbox isolation must be auto, bwrap, landlock or none, got '{self.config.isolation}'")
        if self.config.isolation == "bwrap" and not self.bwrap:
            raise RuntimeError("sandbox isolation 'bwrap' asked for, but bubblewrap is missing or blocked here")
        if self.config.isolation == "landlock" and not self.landlock:
            raise RuntimeError("sandbox isolation 'landlock' asked for, but this kernel offers no Landlock")

    @cached_property
    def python(self) -> str:
        """An interpreter the child may run (as nobody, it must be world-executable)."""
        found = [sys.executable, shutil.which("python3"), "/usr/bin/python3"]
        candidates = [os.path.realpath(c) for c in found if c and os.path.exists(c)]
        if os.geteuid() == 0:
            candidates = [c for c in candidates if world_executable(c)]
        if not candidates:
            raise RuntimeError("no Python interpreter usable inside the sandbox")
        return candidates[0]

    @cached_property
    def drop_to_nobody(self) -> bool:
        return os.geteuid() == 0

    @cached_property
    def bwrap(self) -> bool:
        """bubblewrap exists and can start a namespace here (containers may block it)."""
        if self.config.isolation in ("none", "landlock") or not shutil.which("bwrap"):
            return False
        with tempfile.TemporaryDirectory() as work:
            os.chmod(work, 0o777)
            command = self._bwrap_prefix(work) + [self.python, "-I", "-c", "pass"]
            try:
                probe = subprocess.run(command, capture_output=True, timeout=30, **self._as_nobody())
            except (OSError, subprocess.SubprocessError):
                return False
        return probe.returncode == 0

    @cached_property
    def landlock(self) -> int:
        """The kernel's Landlock ABI version, 0 where it has none (or isolation is 'none')."""
        return 0 if self.config.isolation == "none" else supervisor.landlock_abi()

    def has(self, layer: str) -> bool:
        """Whether a layer (bubblewrap, nobody, landlock, supervisor, rlimits, process) is active."""
        return any(line.split(":")[0].split()[0] == layer for line in self.layers)

    @property
    def layers(self) -> list[str]:
        """One plain line per active layer, what it contains; a last line says what none contains here."""
        return describe_layers(self.config, self.bwrap, self.drop_to_nobody, self.landlock)

    @property
    def layer_names(self) -> str:
        """The active layers in short, e.g. 'landlock + supervisor + rlimits + process'."""
        return " + ".join(line.split(":")[0] for line in self.layers if not line.startswith("not contained"))

    def _bwrap_prefix(self, work: str) -> list[str]:
        hidden = ("/root", "/home", "/tmp")
        # An interpreter installed under a hidden folder (pyenv, conda) is bound back, read-only.
        install = str(Path(self.python).parents[1])
        keep = ["--ro-bind", install, install] if install.startswith(hidden) else []
        return [
            shutil.which("bwrap") or "bwrap",  # a full path: the run's PATH may not hold it
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--ro-bind",
            "/",
            "/",
            *(arg for folder in hidden for arg in ("--tmpfs", folder)),
            *keep,
            "--bind",
            work,
            "/tmp/run",
            "--chdir",
            "/tmp/run",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
        ]

    def run(self, program: str, tests: str) -> Execution:
        """Run `program` then `tests` (asserts) in one fresh sandboxed interpreter."""
        started = time.perf_counter()
        try:
            return self._run(program, tests, started)
        except (OSError, subprocess.SubprocessError, RuntimeError) as error:  # the sandbox failed, not the program
            return Execution("error", time.perf_counter() - started, stderr=f"sandbox error: {error}")

    def run_many(self, jobs: list[tuple[str, str]], progress: str | None = None) -> list[Execution]:
        """(program, tests) pairs, executed `workers` at a time, results in order.
        `progress` names a progress bar; none by default, as GRPO calls this every step."""
        from concurrent.futures import as_completed

        from ...progress import progress as counting

        with ThreadPoolExecutor(max_workers=max(1, self.config.workers)) as pool:
            futures = [pool.submit(self.run, *job) for job in jobs]
            with counting(progress, len(jobs)) as advance:
                for _ in as_completed(futures):
                    advance(1)
            return [future.result() for future in futures]

    def _run(self, program: str, tests: str, started: float) -> Execution:
        cfg = self.config
        with tempfile.TemporaryDirectory(prefix="sandbox-") as work:
            self._prepare(work, program, tests)
            token, marker = secrets.token_hex(16), secrets.token_hex(8)
            status_read, status_write = os.pipe()  # the runner's: the token, once the tests ran to their end
            report_read, report_write = os.pipe()  # the supervisor's: closed in the runner before the program
            inside = BWRAP_WORK if self.bwrap else work
            # -u: what the program printed survives the runner's os._exit
            command = [self.python, "-I", "-u", "-c", SUPERVISOR, self._settings(status_write, report_write, inside)]
            if self.bwrap:
                command = self._bwrap_prefix(work) + command
            try:
                with open(Path(work, ".stdout"), "wb") as out, open(Path(work, ".stderr"), "wb") as err:
                    child = subprocess.Popen(
                        command,
                        cwd=work,
                        stdin=subprocess.PIPE,
                        stdout=out,
                        stderr=err,
                        env=_minimal_env(inside, marker),
                        pass_fds=(status_write, report_write),
                        start_new_session=True,
                        **(self._as_nobody() if self.bwrap else {}),  # else the supervisor drops the runner
                    )
            except BaseException:
                os.close(status_read)
                os.close(report_read)
                raise
            finally:
                os.close(status_write)  # the child holds its own copies
                os.close(report_write)
            try:
                child.stdin.write(token.encode() + b"\n")
                child.stdin.close()
            except BrokenPipeError:
                pass
            killed = self._wait(child, report_read)
            reported, report = _read_ready(status_read), _read_ready(report_read).decode(errors="replace").splitlines()
            ended = report[-1] if report else ""  # the supervisor's last word: "exit <code>" or "deadline"
            timed_out = killed or ended == "deadline"
            if not self.bwrap and not ended.startswith(("exit ", "deadline")):
                kill_marked(marker)  # the supervisor died before its end (the program killed it): sweep by marker
            stdout, stderr = (_head(Path(work, name), cfg.output_bytes) for name in (".stdout", ".stderr"))
        if failed_setup := [line for line in report if line.startswith("setup ")]:
            raise RuntimeError(failed_setup[0].removeprefix("setup "))
        returncode = int(ended[5:]) if ended.startswith("exit ") else child.returncode
        status = "timeout" if timed_out else "passed" if reported == token.encode() and returncode == 0 else "failed"
        return Execution(status, time.perf_counter() - started, returncode, stdout, stderr)

    def _prepare(self, work: str, program: str, tests: str) -> None:
        """The run's directory: the two sources, its own HOME and TMPDIR, owned by who runs it."""
        Path(work, "solution.py").write_text(program, encoding="utf-8", errors="replace")
        Path(work, "tests.py").write_text(tests, encoding="utf-8", errors="replace")
        for folder in ("home", "tmp"):
            Path(work, folder).mkdir()
        if self.drop_to_nobody:
            for path in (work, Path(work, "home"), Path(work, "tmp")):
                os.chown(path, NOBODY, NOBODY)

    def _wait(self, child: subprocess.Popen, report: int) -> bool:
        """The supervisor ends the run, at its deadline at the latest, and writes its last word;
        if it has not a little later (the program stopped it), end it here. True if killed here.
        Waiting on its pipe, not polling the process, returns as soon as it is done."""
        waiting = select.poll()
        waiting.register(report, select.POLLIN)
        spoke = waiting.poll((self.config.timeout_s + GRACE_S) * 1000)  # a line, or the end of every writer
        try:
            child.wait(timeout=GRACE_S if spoke else 0)
            return False
        except subprocess.TimeoutExpired:
            _kill_group(child)
            child.wait()
            return True

    def _settings(self, status_fd: int, report_fd: int, work: str) -> str:
        """What the supervisor needs, as JSON: limits, user, Landlock, the runner."""
        cfg, mb = self.config, 1024 * 1024
        runs_as = NOBODY if self.drop_to_nobody else os.getuid()
        # RLIMIT_NPROC counts every task (thread) of the user: allow what runs now, a supervisor and
        # a runner per worker, and the program's own tasks. The limit is per user, not per run:
        # a run that uses up its room (a fork bomb) can leave a run beside it unable to start a thread.
        tasks = user_tasks(runs_as) + 2 * max(1, cfg.workers) + cfg.processes
        limits = [
            ("RLIMIT_CPU", cfg.cpu_s),
            ("RLIMIT_AS", cfg.memory_mb * mb),
            ("RLIMIT_FSIZE", cfg.file_size_mb * mb),
            ("RLIMIT_NOFILE", cfg.open_files),
            ("RLIMIT_CORE", 0),
            ("RLIMIT_NPROC", tasks),
        ]
        return json.dumps(
            {
                "timeout_s": cfg.timeout_s,
                "runner": RUNNER,
                "status_fd": status_fd,
                "report_fd": report_fd,
                "limits": limits,
                "user": NOBODY if self.drop_to_nobody and not self.bwrap else None,  # bubblewrap itself starts as nobody
                "landlock": self.landlock,
                "work": work,
                "install": str(Path(self.python).parents[1]),
                "hidden": [*HIDDEN, os.path.expanduser("~")],  # and this user's home, wherever it is
            }
        )

    def _as_nobody(self) -> dict:
        return {"user": NOBODY, "group": NOBODY, "extra_groups": []} if self.drop_to_nobody else {}


def _minimal_env(work: str, marker: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": f"{work}/home",
        "TMPDIR": f"{work}/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        MARKER: marker,
    }


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)  # the supervisor's session (bubblewrap's: its namespace goes too)
    except ProcessLookupError:
        pass


def _head(path: Path, limit: int) -> str:
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    text = data[:limit].decode("utf-8", errors="replace")
    return text + ("\n[output truncated]" if len(data) > limit else "")


def _read_ready(fd: int) -> bytes:
    """What a pipe holds now, without waiting for writers that may never close it."""
    os.set_blocking(fd, False)
    chunks = []
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        while True:
            try:
                chunk = pipe.read(65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)
