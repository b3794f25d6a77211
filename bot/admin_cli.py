"""ibnsina-admin: the inquiry log from the command line, for the clinic's IT person.

  ibnsina-admin export --from 2025-01-01 --to 2025-01-31 --out january.csv
  ibnsina-admin stats --days 7
  ibnsina-admin purge --older-than-days 365
  ibnsina-admin forget --user-id 123456789
  ibnsina-admin learned --yaml > taught.yaml
  ibnsina-admin backup --out /backups/inquiries-2025-01-31.sqlite3
  ibnsina-admin status

The database is DATABASE_PATH (from the environment or .env), as for the bot. Dates are
Bangladesh (Asia/Dhaka) dates and include both ends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import NoReturn, TypeVar

from bot.config import PROJECT_DIR, ConfigError, Settings, load_dotenv
from bot.learned_yaml import learned_yaml
from bot.storage import (
    DHAKA,
    InquiryLog,
    SchemaTooNewError,
    Stats,
    UnansweredQuestion,
    disk_health,
    write_csv,
)

PROG = "ibnsina-admin"
DEFAULT_EXPORT_DAYS = 30
DEFAULT_STATS_DAYS = 30
_SHOWN_TEXT = 70  # characters of a patient's message shown in the stats summary
LOW_DISK_BYTES = 500 * 1024**2  # a clinic's day of inquiries is well under 1 MB

T = TypeVar("T")
Command = Callable[[argparse.Namespace, Settings], None]


class _Failure(Exception):
    """A problem the user can fix (exit 2), reported without a traceback."""


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    command: argparse.ArgumentParser = args.subparser

    load_dotenv(PROJECT_DIR / ".env")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        command.error(str(exc))
    path = settings.database_path
    if not path.is_file():
        command.error(
            f"no database at {path}; set DATABASE_PATH (in .env or the environment) to the "
            "bot's database file"
        )

    try:
        args.run(args, settings)
    except _Failure as exc:
        command.error(str(exc))
    except SchemaTooNewError as exc:
        _fail(str(exc))
    except sqlite3.OperationalError as exc:
        hint = " (the bot may be writing; try again in a minute)" if "locked" in str(exc) else ""
        _fail(f"database {path}: {exc}{hint}")
    except (sqlite3.Error, OSError) as exc:
        _fail(f"{exc}")


# -- commands ------------------------------------------------------------------------------


def _export(args: argparse.Namespace, settings: Settings) -> None:
    today = _today()
    last: date = args.to or today
    first: date = args.from_ or last - timedelta(days=DEFAULT_EXPORT_DAYS - 1)
    if first > last:
        raise _Failure(f"--from {first} is after --to {last}")
    out: Path = args.out or Path(f"inquiries-{first}-to-{last}.csv")
    if not out.parent.is_dir():
        raise _Failure(f"folder {out.parent} does not exist (for --out {out})")
    if out.is_dir():
        raise _Failure(f"--out {out} is a folder; give a file name ending in .csv")

    since, until = _dhaka_midnight(first), _dhaka_midnight(last + timedelta(days=1))
    rows = _with_log(settings, lambda log: log.reports.export_rows(since, until))
    # The export holds patients' messages: readable by its owner only, like the database.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as fp:
        write_csv(rows, fp)
    print(f"Wrote {len(rows)} inquiries from {first} to {last} (Dhaka dates) to {out}")


def _stats(args: argparse.Namespace, settings: Settings) -> None:
    first = _today() - timedelta(days=args.days - 1)
    since = _dhaka_midnight(first)

    async def query(log: InquiryLog) -> tuple[Stats, list[UnansweredQuestion]]:
        return await log.reports.stats(since), await log.reports.unanswered(since, limit=5)

    stats, unanswered = _with_log(settings, query)
    print(_summary(stats, unanswered, first, args.days))


def _purge(args: argparse.Namespace, settings: Settings) -> None:
    days: int = args.older_than_days or settings.retention_days
    now = datetime.now(UTC)
    deleted = _with_log(settings, lambda log: log.purge_older_than(days, now=now))
    cutoff = (now - timedelta(days=days)).astimezone(DHAKA)
    print(f"Deleted {deleted} rows older than {days} days (before {cutoff:%Y-%m-%d %H:%M} Dhaka)")


def _forget(args: argparse.Namespace, settings: Settings) -> None:
    async def forget(log: InquiryLog) -> tuple[int, int]:
        copies = len(await log.staff_copies(args.user_id))
        return copies, await log.forget_user(args.user_id)

    copies, deleted = _with_log(settings, forget)
    print(f"Deleted {deleted} rows about user {args.user_id}")
    if copies:
        # Only the bot can delete its messages in Telegram; from here they cannot be reached.
        print(f"{copies} messages in the staff chat still show this patient's words: delete "
              "them in Telegram (the patient's /forget in the bot removes them itself)")


def _learned(args: argparse.Namespace, settings: Settings) -> None:
    phrases = _with_log(settings, lambda log: log.learned.all())
    if args.yaml:
        print(learned_yaml(phrases, settings.faq_dir, _today()), end="")
        return
    if not phrases:
        print("Nothing taught yet.")
        return
    for phrase in phrases:
        day = phrase.created_at.astimezone(DHAKA).date()
        entry = phrase.entry_id or "(not in the article)"
        print(f"{day}  {phrase.taught_by_name[:16]:<16}  {entry:<28}  {_shorten(phrase.text)}")


def _backup(args: argparse.Namespace, settings: Settings) -> None:
    out: Path = args.out or Path(f"inquiries-backup-{_today()}.sqlite3")
    if not out.parent.is_dir():
        raise _Failure(f"folder {out.parent} does not exist (for --out {out})")
    if out.is_dir():
        raise _Failure(f"--out {out} is a folder; give a file name ending in .sqlite3")
    if out.exists() and out.resolve() == settings.database_path.resolve():
        raise _Failure(f"--out {out} is the bot's database itself; give another file")
    _with_log(settings, lambda log: log.backup(out))
    print(f"Copied the database to {out} (readable by its owner only). To restore it, stop the "
          "bot and put the copy in place of DATABASE_PATH.")


def _status(args: argparse.Namespace, settings: Settings) -> None:
    health = disk_health(settings.database_path)
    size = _size(health.database_bytes)
    print(f"Database: {health.database} ({size} with its -wal file)")
    if health.writable:
        print("Writable: yes")
    else:
        print(f"Writable: NO ({health.problem}). The bot still answers patients and keeps what "
              "they write in memory until the database takes writes again; see the README, "
              "Durability")
    share = health.free_bytes / health.total_bytes if health.total_bytes else 0.0
    low = "  LOW: free some space" if health.free_bytes < LOW_DISK_BYTES else ""
    print(f"Disk: {_size(health.free_bytes)} free of {_size(health.total_bytes)} "
          f"({share:.0%}){low}")
    if health.waiting_lines:
        print(f"Waiting file: {health.waiting_lines} entries saved at a shutdown, imported at "
              "the bot's next start")
    if not health.writable:
        raise SystemExit(1)


def _size(count: int) -> str:
    size, units = float(count), ["bytes", "KB", "MB", "GB"]
    while size >= 1024 and len(units) > 1:
        size, units = size / 1024, units[1:]
    return f"{count} bytes" if units[0] == "bytes" else f"{size:.1f} {units[0]}"


def _with_log(settings: Settings, work: Callable[[InquiryLog], Awaitable[T]]) -> T:
    """Open the log, run `work` on it, close it (close also writes anything pending)."""

    async def run() -> T:
        async with await InquiryLog.open(settings.database_path) as log:
            return await work(log)

    return asyncio.run(run())


def _summary(
    stats: Stats, unanswered: list[UnansweredQuestion], first: date, days: int
) -> str:
    lines = [
        f"Last {days} days (since {first}, Dhaka time)",
        f"Inquiries: {stats.total} from {stats.people} people",
        f"Typed messages: {stats.messages}, not answered: {stats.unanswered} "
        f"({stats.unanswered_rate:.0%})",
        "",
        "Per day:",
    ]
    for n in range(days):
        day = first + timedelta(days=n)
        lines.append(f"  {day}  {stats.by_day.get(day, 0):>5}")
    lines += ["", "By reply kind:"]
    lines += [f"  {kind:<18}{n:>5}" for kind, n in stats.by_kind.items()] or ["  (none)"]
    lines += ["", "By way of writing:"]
    lines += [f"  {form:<18}{n:>5}" for form, n in stats.by_form.items()] or ["  (none)"]
    lines += ["", "Most shown answers:"]
    lines += [f"  {entry:<30}{n:>5}" for entry, n in stats.top_entries] or ["  (none)"]
    lines += ["", "Most 'not helpful' votes (not helpful / helpful):"]
    lines += [
        f"  {v.entry_id:<30}{v.down:>5} / {v.up}" for v in stats.most_disliked
    ] or ["  (none)"]
    lines += ["", "Most asked questions the bot could not answer:"]
    lines += [
        f"  {q.count:>4} x  {_shorten(q.example)}" for q in unanswered
    ] or ["  (none)"]
    return "\n".join(lines)


# -- arguments -----------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, run: Command, help_: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_, description=help_)
        sub.set_defaults(run=run, subparser=sub)
        return sub

    export = command(
        "export",
        _export,
        f"Write inquiries to a CSV file for Excel (default: the last {DEFAULT_EXPORT_DAYS} days).",
    )
    export.add_argument("--from", dest="from_", type=_date, metavar="YYYY-MM-DD",
                        help="first day, included")
    export.add_argument("--to", type=_date, metavar="YYYY-MM-DD",
                        help="last day, included (default: today)")
    export.add_argument("--out", type=Path, metavar="FILE.csv",
                        help="the file to write (default: inquiries-FROM-to-TO.csv)")

    stats = command("stats", _stats, "Print a summary of recent inquiries.")
    stats.add_argument("--days", type=_positive, default=DEFAULT_STATS_DAYS, metavar="N",
                       help=f"how many days, today included (default: {DEFAULT_STATS_DAYS})")

    purge = command("purge", _purge, "Delete inquiries, call-back requests and feedback older "
                    "than the retention period.")
    purge.add_argument("--older-than-days", type=_positive, metavar="N",
                       help="default: RETENTION_DAYS from the settings")

    forget = command("forget", _forget, "Delete everything stored about one Telegram user.")
    forget.add_argument("--user-id", type=_positive, required=True, metavar="ID",
                        help="the user's Telegram id (shown in the export)")

    learned = command("learned", _learned, "List the questions front-desk staff taught the bot.")
    learned.add_argument("--yaml", action="store_true",
                         help="print them as YAML in the faq/ format, to merge into faq/")
    backup = command("backup", _backup, "Copy the database to a file, safely while the bot "
                     "runs (default: inquiries-backup-TODAY.sqlite3).")
    backup.add_argument("--out", type=Path, metavar="FILE.sqlite3", help="the copy to write")
    command("status", _status, "Say whether the database takes writes and how much disk space "
            "is free (exit status 1 when it does not take writes).")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, for example 2025-01-31"
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# -- helpers -------------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(DHAKA).date()


def _dhaka_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), DHAKA)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN_TEXT else text[: _SHOWN_TEXT - 1] + "…"


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(1)


if __name__ == "__main__":
    main()
