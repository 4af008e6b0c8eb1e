"""Run model-written Python against its tests, one throwaway subprocess per execution.

    sandbox.py      Sandbox and SandboxConfig: one execution, from its directory to its status
    supervisor.py   the per-run supervisor and its Landlock calls (standard library only)
    runner.py       what runs inside: the program, then its tests
    layers.py       what each layer contains, in plain words, and the look-ups they make here

Layers, outermost first; `Sandbox.layers` says, in plain words, which are active on this
machine, what each contains and what nothing here contains:
  bubblewrap   no network, no view of other processes, read-only filesystem, an empty
               home, a fresh /tmp; used when `bwrap` exists and works here
  nobody       when this process runs as root: the program runs as uid/gid 65534, so it
               cannot read root's files or signal root's processes
  landlock     needs neither root nor namespaces (Linux 5.13+): writes only in the run's
               directory and /dev/shm (multiprocessing), no reads of /home, /root, /tmp,
               /var/tmp or this user's home; no TCP (ABI 4+); no signals outside the run (ABI 6+)
  supervisor   a small per-run process (supervisor.py) that reaps every orphan
               below it and kills them all when the run ends or its time is up, daemons
               that called setsid included. Where the program can signal it (no root,
               bubblewrap or Landlock ABI 6) and kills it, this process kills every process
               with the run's marker in its environment; one that cleared it escapes
  rlimits      CPU seconds, address space, file size, open files, tasks, no core
  process      `python -I` in an empty temporary directory with its own HOME and TMPDIR,
               a minimal environment (no secrets), output read from capped files

RLIMIT_NPROC counts every task (thread) of the user, so its limit is what the user runs
now plus `processes`: as root the program runs as nobody and only nobody's tasks count.
The count is shared by the runs in flight: with workers > 1, a run that uses up its room
(a fork bomb) can make a run beside it fail to start a thread or process.

A run passes only when the test code ran to its end: the runner then writes a random
token, given to it on stdin, to a pipe the parent reads. Exiting early with status 0,
printing "passed", or patching exit/exec/compile does not produce the token. A failure
of the sandbox itself (no interpreter, cannot fork) is status "error": counted and
reported by the caller, never scored as a failed program.
Residual risk: code in the same interpreter can, in principle, search memory for the
token; treat scores from an adversarially trained policy with care.
"""

from .sandbox import Execution, Sandbox, SandboxConfig

__all__ = ["Execution", "Sandbox", "SandboxConfig"]
