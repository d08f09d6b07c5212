"""The system under test for bench/abuse.py: one `axiom up` in a temporary data folder on free ports, with
secrets of its own (so the leak detectors know every secret to look for) and tokens for any tenant."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from axiom.auth import issue_token
from axiom.embedded.process import free_port
from axiom.settings import Settings

UP_TIMEOUT = 300
# Units `up` supervises, by the pid file it keeps for each (relative to the data folder).
PID_FILES = {
    "weaver": "run/weaver.pid",
    "vision": "run/vision.pid",
    "gateway": "run/gateway.pid",
    "valkey": "valkey/valkey.pid",
    "bolt": "arcadedb/arcadedb.pid",
    "postgres": "postgres/postgres.pid",
}


class UpStack:
    """A running `axiom up`; every line it printed is kept (read on a thread so its output never blocks it)."""

    def __init__(self, folder: Path, rate_limit: int = 1_000_000):
        self.folder = folder
        self.data_dir = folder / "data"
        ports = {name: free_port() for name in ("GATEWAY_PORT", "WEAVER_PORT", "VISION_PORT")}
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "NEO4J_URI", "OPENAI_API_KEY", "APP_ENV")
        }
        self.env = {
            **env,
            **{k: str(v) for k, v in ports.items()},
            "AXIOM_DATA_DIR": str(self.data_dir),
            "JWT_SECRET": secrets.token_urlsafe(36),
            "ENCRYPTION_KEY": secrets.token_hex(16),
            # High enough that the fuzzer and the load never meet it: a 429 would hide what the server does.
            "RATE_LIMIT_PER_MINUTE": str(rate_limit),
            "WEAVER_RATE_LIMIT_PER_MINUTE": str(rate_limit),
            "GRAPHIQL": "false",
            "LOG_FORMAT": "console",
        }
        self.settings = Settings.from_env(self.env)
        self.gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
        self.lines: list[str] = []
        self.process: subprocess.Popen | None = None

    # -- life cycle -------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "axiom.cli", "up"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + UP_TIMEOUT
        while "Axiom is up." not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"axiom up did not come up:\n{self.output[-4000:]}")
            time.sleep(0.3)

    def _read(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # -- what the stack knows -----------------------------------------------------------------------------------
    def token(self, tenant: str, roles: tuple[str, ...] = ("analyst", "admin"), subject: str = "abuse") -> str:
        return issue_token(self.settings, tenant_id=tenant, subject=subject, roles=list(roles), ttl_seconds=8 * 3600)

    def pid_of(self, unit: str) -> int:
        return int((self.data_dir / PID_FILES[unit]).read_text())

    def rss_mb(self, unit: str) -> float:
        for line in Path(f"/proc/{self.pid_of(unit)}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for {unit}")

    def database_url(self) -> str:
        """The admin URL of the embedded PostgreSQL (as the banner printed it)."""
        for line in self.output.splitlines():
            if line.strip().startswith("PostgreSQL"):
                return line.split(None, 1)[1].strip()
        raise RuntimeError("no PostgreSQL line in the banner of up")

    def known_secrets(self) -> dict[str, str]:
        """Every secret of this deployment by name: what no response may ever contain."""
        found = {"JWT_SECRET": self.env["JWT_SECRET"], "ENCRYPTION_KEY": self.env["ENCRYPTION_KEY"]}
        for name, relative in (
            ("valkey password", "valkey/password"),
            ("ArcadeDB root password", "arcadedb/root-password"),
        ):
            path = self.data_dir / relative
            if path.exists():
                found[name] = path.read_text().strip()
        from axiom.demo import demo_reader_password

        found["demo reader password"] = demo_reader_password(self.env["ENCRYPTION_KEY"])
        return found

    def graphql(
        self, query: str, variables: dict | None = None, token: str | None = None, timeout: float = 30
    ) -> tuple[int, dict]:
        """POST one operation to the gateway: (HTTP status, JSON body or {"raw": text})."""
        request = urllib.request.Request(
            f"{self.gateway}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={
                "content-type": "application/json",
                "accept": "application/graphql-response+json",
                "authorization": f"Bearer {token or self.token('demo')}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, {"raw": raw.decode(errors="replace")}
