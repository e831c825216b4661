"""A throwaway redis-server of the test's own, on a free port, that the test can stop.

Fault tests never touch the shared Redis: they start one here, stop it mid-test and start it
again on the same port.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from tests.brokers import closed_port

READY = "Ready to accept connections"


class OwnRedis:
    """One redis-server process on `port`, started and stopped by the test."""

    def __init__(self) -> None:
        self.port = closed_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start redis-server and return once it accepts connections."""
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (Debian: apt-get install redis-server)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--loglevel", "notice"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Its log says when it listens: read it rather than polling with sleeps.
        for line in self.process.stdout:
            if READY in line:
                return
        raise AssertionError(f"redis-server exited ({self.process.wait()}) before it was ready")

    def stop(self) -> None:
        """Stop redis-server (as a crash or an operator would) and wait until it is gone."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process = None


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    """Yield a started redis-server of the test's own; stop it whatever happens."""
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
