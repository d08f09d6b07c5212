"""Headless Debian `chromium` driven by Playwright, cut off from every host but this machine.

Playwright's own browser download cannot work on these machines, so the system browser is used; it is installed
with apt when missing. Screenshots go to `test-output/` (git-ignored) next to the test run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output"
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def ensure_chromium() -> str:
    """The browser's path, installing Debian's package if needed (CI never skips for a missing browser)."""
    if not Path(CHROMIUM).exists() and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], env=env, capture_output=True
        )
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            raise RuntimeError("chromium is needed for the browser tests: apt-get install -y chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM


class OfflineNetwork:
    """Aborts every request to another host and remembers it, so a test can prove the page needed none."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")
