"""Settings, from environment variables (and an optional `.env` file beside the code).

Every setting is listed in `.env.example` and the README. The token is a secret: it is kept
out of `repr()` so it can never reach a log line through the settings object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


_SWITCH = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False,
           "1": True, "0": False}


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    file_base_url: str | None = None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    database_path: Path = PROJECT_DIR / "data" / "inquiries.sqlite3"
    staff_user_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    retention_days: int = 365
    flood_messages_per_minute: int = 20
    faq_dir: Path = PROJECT_DIR / "faq"
    locales_dir: Path = PROJECT_DIR / "locales"
    log_level: str = "INFO"
    weekly_digest: bool = True  # Sundays 09:00 Dhaka, to STAFF_CHAT_ID

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        def integer(name: str, default: int, minimum: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
            if value < minimum:
                raise ConfigError(f"{name} must be at least {minimum}, not {value}")
            return value

        staff_ids: set[int] = set()
        for part in (get("STAFF_USER_IDS") or "").split(","):
            if part.strip():
                try:
                    staff_ids.add(int(part))
                except ValueError:
                    raise ConfigError(
                        f"STAFF_USER_IDS must be Telegram user ids separated by commas; "
                        f"{part.strip()!r} is not a number"
                    ) from None
        staff_chat = get("STAFF_CHAT_ID")
        try:
            staff_chat_id = int(staff_chat) if staff_chat else None
        except ValueError:
            raise ConfigError(
                f"STAFF_CHAT_ID must be a chat id number, not {staff_chat!r}"
            ) from None

        digest = (get("WEEKLY_DIGEST") or "on").lower()
        if digest not in _SWITCH:
            raise ConfigError(f"WEEKLY_DIGEST must be on or off, not {digest!r}")

        defaults = cls()
        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            api_base_url=get("TELEGRAM_API_BASE_URL"),
            file_base_url=get("TELEGRAM_FILE_BASE_URL"),
            webhook_url=get("WEBHOOK_URL"),
            webhook_listen=get("WEBHOOK_LISTEN") or defaults.webhook_listen,
            webhook_port=integer("WEBHOOK_PORT", defaults.webhook_port, 1),
            webhook_secret=get("WEBHOOK_SECRET_TOKEN"),
            # Relative paths are relative to the project folder (where .env lives), not to
            # wherever the bot happens to be started from.
            database_path=PROJECT_DIR / (get("DATABASE_PATH") or defaults.database_path),
            staff_user_ids=frozenset(staff_ids),
            staff_chat_id=staff_chat_id,
            retention_days=integer("RETENTION_DAYS", defaults.retention_days, 1),
            flood_messages_per_minute=integer(
                "FLOOD_MESSAGES_PER_MINUTE", defaults.flood_messages_per_minute, 1
            ),
            faq_dir=PROJECT_DIR / (get("FAQ_DIR") or defaults.faq_dir),
            locales_dir=PROJECT_DIR / (get("LOCALES_DIR") or defaults.locales_dir),
            log_level=(get("LOG_LEVEL") or defaults.log_level).upper(),
            weekly_digest=_SWITCH[digest],
        )


def load_dotenv(path: Path, env: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """Read KEY=VALUE lines from `path` into `env`; real environment variables win."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        env.setdefault(key.strip(), value.strip().strip("\"'"))
