"""A class-data-sharing (CDS) archive for the embedded ArcadeDB's JVM, so that a restart after a crash maps its
~4,500 classes from one file instead of loading and verifying them from 60 jars (see bench/bolt_restart.py).

The Java runtime bundled with ArcadeDB has no base CDS archive, so the JVM refuses the dynamic archive options
(`-XX:ArchiveClassesAtExit`, `-XX:+AutoCreateSharedArchive`), and they would need a clean exit, which a crash is
not. Instead a start without an archive writes the list of classes it loads (`-XX:DumpLoadedClassList`, written
as they load, so a later kill -9 loses nothing), and once the server answers, `java -Xshare:dump` turns the list
into a static archive in the background; later starts map it. The archive is kept per machine in the user's cache,
under a stamp of the runtime and the jars, so that an upgrade builds a new one; without a writable cache there is
simply no archive.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import threading
from pathlib import Path

from axiom.embedded.process import die_with_parent

log = logging.getLogger(__name__)


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "axiom" / "arcadedb-cds"


def _stamp(java: Path, jars: Path) -> str:
    """Changes whenever the runtime or a jar does (name, size, modification time)."""
    digest = hashlib.sha256(str(java.resolve()).encode())
    for jar in sorted(jars.glob("*.jar")):
        info = jar.stat()
        digest.update(f"{jar.name}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class ClassArchive:
    """The archive of one runtime and classpath: the JVM options to use it (or to record what it needs), and its
    build once a start has recorded the classes."""

    def __init__(self, java: Path, jars: Path, classpath: str, root: Path | None = None) -> None:
        self.java, self.classpath = java, classpath
        self.folder = (root or _cache_root()) / _stamp(java, jars)
        self.archive = self.folder / "classes.jsa"
        self.class_list = self.folder / f"classes-{os.getpid()}.lst"
        self._building: threading.Thread | None = None

    def options(self) -> list[str]:
        """Map the archive when there is one, else record the classes this start loads (nothing when the cache
        cannot be written)."""
        if self.archive.is_file():
            return [f"-XX:SharedArchiveFile={self.archive}"]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.info("no class archive for ArcadeDB (%s)", exc)
            return []
        return [f"-XX:DumpLoadedClassList={self.class_list}"]

    def build_in_background(self) -> None:
        """Once per process, turn the recorded class list into the archive (a few seconds of one core)."""
        if self.archive.is_file() or self._building is not None or not self.class_list.is_file():
            return
        self._building = threading.Thread(target=self._build, name="arcadedb-class-archive", daemon=True)
        self._building.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._building is not None:
            self._building.join(timeout)

    def _build(self) -> None:
        partial = self.folder / f"classes-{os.getpid()}.jsa.partial"
        command = [
            str(self.java),
            "-Xshare:dump",
            f"-XX:SharedClassListFile={self.class_list}",
            f"-XX:SharedArchiveFile={partial}",
            "-cp",
            self.classpath,
        ]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=300,
                preexec_fn=die_with_parent(signal.SIGKILL),
            )
            if done.returncode == 0 and partial.is_file():
                os.replace(partial, self.archive)  # atomic: a concurrent start sees the whole archive or none
                log.info("ArcadeDB class archive written: %s", self.archive)
            else:
                log.warning("ArcadeDB class archive not written (exit %s): %s", done.returncode, done.stderr[-500:])
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("ArcadeDB class archive not written: %s", exc)
        finally:
            partial.unlink(missing_ok=True)
            self.class_list.unlink(missing_ok=True)
