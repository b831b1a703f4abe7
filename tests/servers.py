"""Waiting for a web server a test started in a process of its own."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import requests


def wait_until_serving(base: str, process: subprocess.Popen, *, seconds: float, what: str = "the server",
                       log: Path | None = None, request_timeout: float = 2, pause: float = 0.3) -> requests.Response:
    """Poll `base`/healthz until it answers 200 and return that answer; fail, with the end of the
    process's log, if the process stops first or `seconds` pass."""
    deadline = time.monotonic() + seconds

    def tail() -> str:
        return log.read_text()[-3000:] if log is not None and log.exists() else "(no log)"

    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} stopped: {tail()}")
        try:
            response = requests.get(f"{base}/healthz", timeout=request_timeout)
            if response.status_code == 200:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not serve in {seconds:g} s: {tail()}")
        time.sleep(pause)
