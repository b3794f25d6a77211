"""The bot as a process, stopped as systemd stops it."""

from __future__ import annotations

import asyncio
import signal


async def stop_with_sigterm(process: asyncio.subprocess.Process, within: float = 30.0) -> str:
    """SIGTERM, then everything the process wrote; an AssertionError if it does not exit."""
    process.send_signal(signal.SIGTERM)
    try:
        raw, _ = await asyncio.wait_for(process.communicate(), timeout=within)
    except TimeoutError:
        process.kill()
        raw, _ = await process.communicate()
        raise AssertionError(f"no exit on SIGTERM:\n{raw.decode()[-3000:]}") from None
    return raw.decode("utf-8", "replace")
