"""A small file system of the bot's own that a test or benchmark can fill up: a tmpfs mounted in
a user and mount namespace (`unshare -rm`), so no root is needed where the kernel allows them.

The bot sees the tmpfs at the folder it was given; from outside, the same files are under
/proc/<pid>/root/<folder>.
"""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from pathlib import Path


def mounting(folder: Path, megabytes: int) -> list[str]:
    """The command prefix: mount a tmpfs at `folder`, then run the rest of the command."""
    return ["unshare", "-rm", "sh", "-c",
            f'mount -t tmpfs -o size={megabytes}m tmpfs "$0" && exec "$@"', str(folder)]


def why_not_here(folder: Path) -> str | None:
    """None when this machine lets us mount a tmpfs of our own at `folder`; else why not."""
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return "needs Linux with unshare(1)"
    probe = subprocess.run([*mounting(folder, 1), "true"], capture_output=True, text=True,
                           check=False)
    if probe.returncode != 0:
        return f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip()}"
    return None


def inside(pid: int, folder: Path) -> Path:
    """`folder` as the process `pid` sees it."""
    return Path(f"/proc/{pid}/root") / folder.relative_to("/")


def fill(folder: Path) -> Path:
    """Write a file until the file system is full; the file, to delete for space."""
    filler = folder / "filler"
    try:
        with filler.open("wb") as out:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
    except OSError as exc:
        # Full already (the database grew into the space that came back): that is the aim.
        if exc.errno != errno.ENOSPC:
            raise
    return filler


def copy_out(folder: Path, names: tuple[str, ...], to: Path) -> None:
    """Copy files out (SQLite would resolve a /proc/<pid>/root path to this side's /)."""
    for name in names:
        if (folder / name).exists():
            shutil.copyfile(folder / name, to / name)
