"""npm packages pinned by a lockfile in one of the project's folders (the composer, GraphiQL, test clients).

`npm ci` runs when the folder's lockfile differs from the one last installed there: a checkout that kept an older
`node_modules` (another branch, a pulled change of pins) is brought up to date instead of failing on a missing
package.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

_INSTALLED_LOCK = ".axiom-lock-hash"  # inside node_modules, written after a successful install


class NpmInstallError(RuntimeError):
    """npm is missing, or `npm ci` failed; the message carries the end of its output."""


def install_locked(folder: Path, timeout: float = 600) -> None:
    """Install `folder`'s lockfile-pinned packages unless exactly those are installed already."""
    wanted = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    marker = folder / "node_modules" / _INSTALLED_LOCK
    if marker.is_file() and marker.read_text() == wanted:
        return
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise NpmInstallError(f"Node 20+ with npm is needed to install the packages of {folder}")
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=folder, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise NpmInstallError(f"npm ci in {folder} failed: {(done.stdout + done.stderr).strip()[-1000:]}")
    marker.write_text(wanted)
