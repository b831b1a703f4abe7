"""Starting the Procfile's processes (or Procfile.dev's) in tests, with the command line as written,
expanded by the shell as honcho expands it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def procfile_commands(name: str = "Procfile") -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    return {process.strip(): command.strip()
            for process, _, command in (line.partition(":") for line in lines if line.strip() and not line.startswith("#"))}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**values: str) -> dict[str, str]:
    """This test process's environment less what belongs to it alone, plus `values`."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL",
                          "PROMETHEUS_MULTIPROC_DIR", "WEB_CONCURRENCY", "PORT", "WS_PORT"}}
    env.update({"PYTHONUNBUFFERED": "1", "HOST": "127.0.0.1"})
    env.update(values)
    return env


def start_process(process: str, env: dict[str, str], log: Path, *, procfile: str = "Procfile") -> subprocess.Popen:
    """The named process of the Procfile, in a process group of its own (its workers with it)."""
    command = procfile_commands(procfile)[process]
    return subprocess.Popen(["sh", "-c", f"exec {command}"], cwd=ROOT, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(process: subprocess.Popen, *, timeout: float = 60) -> None:
    """SIGTERM, as a process manager stops it; SIGKILL to the whole group if it does not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # any worker left behind
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=10)
