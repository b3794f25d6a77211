"""The layers stay apart: the IT person's CSV tool must not load the answer engine or Telegram.

Run in a fresh interpreter, because this test process has long since imported everything.
"""

from __future__ import annotations

import subprocess
import sys

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
