"""The layers stay apart: the IT person's CSV tool must not load the answer engine or Telegram,
and neither the core nor storage may import the Telegram adapter.

Run in a fresh interpreter, because this test process has long since imported everything; the
import rules themselves are ruff's (bot/core/ruff.toml, bot/storage/ruff.toml), and a test runs
ruff on a probe file so that a weakened rule fails the suite, not only CI's ruff run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HEAVY = (
    "bangla_nlpkit", "bnunicodenormalizer", "bot.core.matcher", "bot.core.frontdesk", "telegram"
)


def test_the_admin_command_line_loads_neither_the_matcher_nor_telegram() -> None:
    code = (
        "import sys, bot.admin_cli, bot.storage; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def _loaded_by(packages: str) -> set[str]:
    """The `bot` modules a fresh interpreter holds after importing every module of `packages`."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {packages!r}.split():\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.iter_modules(package.__path__, name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(' '.join(m for m in sys.modules if m == 'telegram' or m.startswith('bot.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_core_loads_nothing_outside_itself() -> None:
    # ruff bans the imports it can name; this catches the ones it cannot (a new adapter module,
    # an import through a third module).
    outside = {m for m in _loaded_by("bot.core") if not m.startswith("bot.core")}
    assert outside == set()


def test_storage_loads_only_itself_and_the_vocabulary() -> None:
    allowed = {"bot.core", "bot.core.vocabulary"}  # bot.core itself is an empty package
    outside = {m for m in _loaded_by("bot.storage")
               if not m.startswith("bot.storage") and m not in allowed}
    assert outside == set()


def _adapter_modules() -> list[str]:
    import pkgutil

    import bot.tg

    return ["bot.tg", *(m.name for m in pkgutil.walk_packages(bot.tg.__path__, "bot.tg."))]


@pytest.mark.parametrize("layer", ["core", "storage"])
def test_ruff_refuses_any_adapter_import_in_the_core_and_storage(layer: str) -> None:
    # Every module of bot/tg/, as `import` and as `from … import`, in a file ruff takes to be
    # in the layer: one line of each layer's ruff.toml bans them all, new modules included.
    modules = _adapter_modules()
    source = "".join(f"import {m}\nfrom {m} import __name__ as _{n}\n"
                     for n, m in enumerate(modules))
    found = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--stdin-filename", f"bot/{layer}/probe.py",
         "--output-format", "concise", "--select", "TID251", "-"],
        input=source, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    banned = [line for line in found.splitlines() if "`bot.tg` is banned" in line]
    assert len(banned) == 2 * len(modules), found
