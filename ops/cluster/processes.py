"""A small process supervisor for local clusters, drills and the load generator.

`Supervisor` starts `samverkan` sub-commands (`serve`, `worker`, `witness`) as child processes
with their own environment and log file, waits (bounded) for an HTTP endpoint or a log line,
and can SIGKILL, terminate or restart any of them by name. Leaving the `with` block stops every
child; children also get SIGKILL from the kernel if this process dies first (Linux
`PR_SET_PDEATHSIG`), so a crashed test run leaves no orphans.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

_PR_SET_PDEATHSIG = 1


class SupervisorError(RuntimeError):
    """A child did not start, exited early, or did not become ready in time."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setsid()


def samverkan_command() -> list[str]:
    """The `samverkan` CLI of this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-m", "service.cli"]


@dataclass(slots=True)
class Child:
    """One supervised process: how it was started and where it logs."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def pid(self) -> int | None:
        """The running process's id, None when not running."""
        return self.popen.pid if self.popen is not None and self.popen.poll() is None else None

    @property
    def url(self) -> str:
        """Base URL of an HTTP child."""
        if self.port is None:
            raise SupervisorError(f"{self.name} has no port")
        return f"http://127.0.0.1:{self.port}"

    def running(self) -> bool:
        """True while the process lives."""
        return self.popen is not None and self.popen.poll() is None

    def log_text(self) -> str:
        """Everything the child has logged (stdout and stderr) so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


@dataclass(slots=True)
class Supervisor:
    """Starts, watches and stops named child processes; a context manager."""

    log_dir: Path
    base_env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path = field(default_factory=lambda: Path(__file__).resolve().parents[2])
    children: dict[str, Child] = field(default_factory=dict)

    def __enter__(self) -> Supervisor:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    # -- starting ------------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str] | None = None,
        *,
        port: int | None = None,
    ) -> Child:
        """Start `args` as child `name` (a name already running is an error)."""
        old = self.children.get(name)
        if old is not None and old.running():
            raise SupervisorError(f"{name} is already running")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        child = Child(
            name=name,
            args=list(args),
            env={**self.base_env, **(env or {})},
            log_path=self.log_dir / f"{name}.log",
            port=port,
            starts=old.starts if old is not None else 0,
        )
        self.children[name] = child
        self._start(child)
        return child

    def _start(self, child: Child) -> None:
        with child.log_path.open("ab") as log:
            log.write(f"--- start {child.starts + 1}: {' '.join(child.args)}\n".encode())
            log.flush()
            child.popen = subprocess.Popen(
                child.args,
                env=child.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        child.starts += 1

    def serve(self, name: str, port: int, env: Mapping[str, str] | None = None) -> Child:
        """Start an API node (`samverkan serve`) on 127.0.0.1:port."""
        args = [*samverkan_command(), "-v", "serve", "--host", "127.0.0.1", "--port", str(port)]
        return self.spawn(name, args, env, port=port)

    def worker(self, name: str, env: Mapping[str, str] | None = None) -> Child:
        """Start `samverkan worker` (sequencer, projection runners, checkpointer)."""
        return self.spawn(name, [*samverkan_command(), "-v", "worker"], env)

    def witness(
        self,
        name: str,
        *,
        witness_name: str,
        key: Path,
        state: Path,
        log_vkey: Path,
        env: Mapping[str, str] | None = None,
    ) -> Child:
        """Start `samverkan witness` for one organisation."""
        args = [
            *samverkan_command(),
            "-v",
            "witness",
            "--name",
            witness_name,
            "--key",
            str(key),
            "--state",
            str(state),
            "--log-vkey",
            str(log_vkey),
        ]
        return self.spawn(name, args, env)

    # -- waiting -------------------------------------------------------------------------

    def get(self, name: str) -> Child:
        """The child called `name`."""
        try:
            return self.children[name]
        except KeyError:
            raise SupervisorError(f"no process named {name!r}") from None

    def _check_alive(self, child: Child) -> None:
        if not child.running():
            code = child.popen.returncode if child.popen is not None else None
            tail = "\n".join(child.log_text().splitlines()[-15:])
            raise SupervisorError(f"{child.name} exited with {code}; its log ends:\n{tail}")

    def wait_http(
        self, name: str, path: str = "/healthz", *, status: int = 200, timeout: float = 60.0
    ) -> None:
        """Wait until GET `path` on the child answers `status`; SupervisorError after `timeout`."""
        child = self.get(name)
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            self._check_alive(child)
            try:
                with urllib.request.urlopen(child.url + path, timeout=2) as response:
                    code = int(response.status)
            except urllib.error.HTTPError as exc:
                code = exc.code
            except (OSError, urllib.error.URLError) as exc:
                last = str(exc)
                time.sleep(0.1)
                continue
            if code == status:
                return
            last = f"HTTP {code}"
            time.sleep(0.1)
        raise SupervisorError(f"{name}: {path} did not answer {status} in {timeout:.0f} s ({last})")

    def wait_log(self, name: str, pattern: str, *, timeout: float = 60.0) -> re.Match[str]:
        """Wait until the child's log (this start) matches the regular expression `pattern`."""
        child = self.get(name)
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = child.log_text()
            current = text.rsplit("--- start ", 1)[-1]
            found = regex.search(current)
            if found is not None:
                return found
            self._check_alive(child)
            time.sleep(0.05)
        raise SupervisorError(f"{name}: no log line matching {pattern!r} in {timeout:.0f} s")

    # -- stopping ------------------------------------------------------------------------

    def kill(self, name: str) -> None:
        """SIGKILL the child's process group (no clean-up, like a crash) and reap it."""
        child = self.get(name)
        if child.popen is None or child.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.popen.pid, signal.SIGKILL)
        child.popen.wait(timeout=10)

    def terminate(self, name: str, *, timeout: float = 15.0) -> int | None:
        """SIGTERM the child, SIGKILL it after `timeout`; return its exit code."""
        child = self.get(name)
        if child.popen is None:
            return None
        if child.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.popen.pid, signal.SIGTERM)
            try:
                child.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill(name)
        return child.popen.returncode

    def restart(self, name: str) -> Child:
        """Terminate the child if it runs, then start it again with the same arguments."""
        child = self.get(name)
        self.terminate(name)
        self._start(child)
        return child

    def stop_all(self, *, timeout: float = 15.0) -> None:
        """Terminate every child (SIGTERM to all at once, then SIGKILL what is left)."""
        live = [c for c in self.children.values() if c.running()]
        for child in live:
            assert child.popen is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in live:
            assert child.popen is not None
            try:
                child.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.popen.pid, signal.SIGKILL)
                child.popen.wait(timeout=10)
