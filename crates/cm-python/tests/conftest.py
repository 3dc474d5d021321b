"""Shared fixtures: real cm-testkit servers (the binary, as a subprocess), a real temp
omniverse.toml, and a started connection manager that is shut down after each test.

`cargo xtask python` builds cm-testkit and points CM_TESTKIT at it; run by hand, the debug
build under the workspace's target/ is used.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import time
from typing import Callable, Dict, Iterator, List

import pytest

import connection_manager as cm

# Generous: CI is a loaded 2-core machine. Every wait polls a condition up to this deadline.
DEADLINE_SECS = 30.0

WORKSPACE = pathlib.Path(__file__).resolve().parents[3]


def wait_for(condition: Callable[[], object], what: str, timeout: float = DEADLINE_SECS) -> object:
    """Poll `condition` until it is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def testkit_binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("CM_TESTKIT", WORKSPACE / "target" / "debug" / "cm-testkit"))
    if not path.is_file():
        pytest.fail(f"cm-testkit binary not found at {path}: run `cargo build -p cm-testkit` (or `cargo xtask python`)")
    return path


class Testkit:
    """One running `cm-testkit --json` process and the addresses it printed."""

    def __init__(self, args: List[str]) -> None:
        self.process = subprocess.Popen(
            [str(testkit_binary()), "--json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"cm-testkit {args} exited without printing its addresses")
        info: Dict[str, object] = json.loads(line)
        self.url = str(info["url"])
        self.port = int(info["port"])  # type: ignore[arg-type]
        self.discovery_url = str(info["discovery_url"])
        self.storage_url = str(info["storage_url"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # it serves until Ctrl-C
            try:
                self.process.wait(timeout=DEADLINE_SECS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def testkit() -> Iterator[Callable[..., Testkit]]:
    """A factory: `testkit("--require-token", "--token", "t")` starts a server."""
    started: List[Testkit] = []

    def start(*args: str) -> Testkit:
        server = Testkit(list(args))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def config_path(tmp_path: pathlib.Path) -> pathlib.Path:
    """Where the test's omniverse.toml lives (a test may write it before starting)."""
    return tmp_path / "omniverse.toml"


@pytest.fixture
def start_manager(config_path: pathlib.Path) -> Iterator[Callable[..., cm.ConnectionManager]]:
    """Starts the process-wide manager over `config_path` (once per test); always shut down."""

    def start(**options: object) -> cm.ConnectionManager:
        options.setdefault("retry_budget", 5.0)
        options.setdefault("discovery_timeout", 10.0)
        return cm.startup(str(config_path), **options)  # type: ignore[arg-type]

    yield start
    cm.shutdown()


@pytest.fixture
def manager(start_manager: Callable[..., cm.ConnectionManager]) -> cm.ConnectionManager:
    """A manager over an empty temp omniverse.toml."""
    return start_manager()
