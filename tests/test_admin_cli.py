"""ibnsina-admin as the clinic's IT person uses it: real arguments, a real database file."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import admin_cli
from bot.admin_cli import main
from bot.storage import InquiryLog, InquiryRecord


def rec(received_at: datetime, user_id: int = 111, **fields: Any) -> InquiryRecord:
    values: dict[str, Any] = {
        "lang": "bn", "form": "bn", "text": "খরচ কত?", "kind": "answer", "entry_id": "cost"
    }
    values.update(fields)
    return InquiryRecord(
        received_at=received_at, user_id=user_id, chat_id=user_id, display_name="রহিম",
        **values,
    )


async def fill(path: Path, records: list[InquiryRecord]) -> None:
    async with await InquiryLog.open(path) as log:
        for record in records:
            await log.record(record)
        await log.record_feedback(111, "cost", False)
        await log.set_language(111, "bn")


async def read_all(path: Path) -> list[tuple[int, str]]:
    async with await InquiryLog.open(path) as log:
        return [(i.user_id, i.text) for i in await log.reports.latest(1000)]


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "inquiries.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    # A developer's own .env must not leak into the tests.
    monkeypatch.setattr(admin_cli, "PROJECT_DIR", tmp_path)
    monkeypatch.chdir(tmp_path)
    return path


def test_export_uses_dhaka_dates_including_both_ends(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Dhaka is UTC+6: 1 March in Dhaka runs from 28 Feb 18:00 to 1 March 18:00 UTC.
    asyncio.run(fill(db_path, [
        rec(datetime(2025, 2, 28, 17, 59, tzinfo=UTC), text="before"),
        rec(datetime(2025, 2, 28, 18, 0, tzinfo=UTC), text="first minute"),
        rec(datetime(2025, 3, 2, 17, 59, tzinfo=UTC), text="=last minute"),
        rec(datetime(2025, 3, 2, 18, 0, tzinfo=UTC), text="after"),
    ]))
    out = tmp_path / "march.csv"

    main(["export", "--from", "2025-03-01", "--to", "2025-03-02", "--out", str(out)])

    assert "Wrote 2 inquiries from 2025-03-01 to 2025-03-02" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    _, first, last = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert (first[0], first[2], first[6]) == ("2025-03-01 00:00", "রহিম", "first minute")
    assert (last[0], last[6]) == ("2025-03-02 23:59", "'=last minute")


def test_export_defaults_to_the_last_30_days(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    asyncio.run(fill(db_path, [
        rec(now - timedelta(days=1), text="recent"), rec(now - timedelta(days=40), text="old"),
    ]))
    main(["export"])
    (out,) = tmp_path.glob("inquiries-*-to-*.csv")
    assert f"to {out.name}" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [r[6] for r in rows[1:]] == ["recent"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--from", "01/03/2025"], "write it as YYYY-MM-DD"),
        (["export", "--to", "2025-02-30"], "write it as YYYY-MM-DD"),
        (["export", "--from", "2025-03-05", "--to", "2025-03-01"], "is after --to"),
        (["export", "--out", "no/such/folder/x.csv"], "does not exist"),
        (["stats", "--days", "0"], "must be at least 1"),
        (["purge", "--older-than-days", "soon"], "not a whole number"),
        (["forget"], "--user-id"),
        (["forget", "--user-id", "@rahim"], "not a whole number"),
        (["restore"], "invalid choice"),
        (["backup", "--out", "."], "is a folder"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    db_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    asyncio.run(fill(db_path, []))
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_missing_database_is_reported_not_created(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["stats"])
    assert exit_info.value.code == 2
    assert "no database at" in capsys.readouterr().err
    assert not db_path.exists()


def test_a_bad_setting_exits_2(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "a year")
    with pytest.raises(SystemExit) as exit_info:
        main(["purge"])
    assert exit_info.value.code == 2
    assert "RETENTION_DAYS must be a whole number" in capsys.readouterr().err


def test_stats_prints_a_readable_summary(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    asyncio.run(fill(db_path, [
        rec(now, user_id=1),
        rec(now, user_id=1, kind="fallback", entry_id=None, text="Where is Savar?"),
        rec(now, user_id=2, kind="fallback", entry_id=None, text="where is savar"),
        rec(now, user_id=2, kind="command", entry_id=None, form=None, text="/start"),
        rec(now - timedelta(days=20), user_id=3),  # outside --days 7
    ]))
    main(["stats", "--days", "7"])
    out = capsys.readouterr().out
    assert "Inquiries: 4 from 2 people" in out
    assert "Typed messages: 3, not answered: 2 (67%)" in out
    assert "cost" in out  # most shown answer, and most "not helpful"
    assert "2 x  where is savar" in out
    assert len([line for line in out.splitlines() if line.startswith("  20")]) == 7


def test_purge_uses_the_retention_setting(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    asyncio.run(fill(db_path, [
        rec(now - timedelta(days=100), text="old"), rec(now - timedelta(days=5), text="new"),
    ]))
    monkeypatch.setenv("RETENTION_DAYS", "90")
    main(["purge"])
    assert "Deleted 1 rows older than 90 days" in capsys.readouterr().out
    assert asyncio.run(read_all(db_path)) == [(111, "new")]

    main(["purge", "--older-than-days", "1"])
    assert asyncio.run(read_all(db_path)) == []


def test_forget_deletes_one_user(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    asyncio.run(fill(db_path, [
        rec(now, user_id=111, text="mine"), rec(now, user_id=222, text="theirs"),
    ]))
    main(["forget", "--user-id", "111"])
    # The inquiry, the 👎 and the language choice.
    assert "Deleted 3 rows about user 111" in capsys.readouterr().out
    assert asyncio.run(read_all(db_path)) == [(222, "theirs")]


# -- what staff taught (issue 9) -------------------------------------------------------------

TAUGHT = [
    ("will insurance cover it", "en", "cost"),
    ("বিমা কি খরচ দেবে", "bn", "cost"),
    ("insurance e cover kore?", "banglish", "cost"),
    ("what food should he eat after treatment", "en", None),
    ("ki khabar khabe", "banglish", None),
    ("stem cell er দাম", None, None),  # mixes scripts: the loader would refuse it
]


async def teach_all(path: Path) -> None:
    from bot.storage import canonical_text

    async with await InquiryLog.open(path) as log:
        for text, form, entry in TAUGHT:
            await log.learned.teach(text=text, canonical=canonical_text(text), form=form,
                                    entry_id=entry, taught_by=900, taught_by_name="Nasrin",
                                    source_user_id=111, at=datetime(2026, 11, 29, tzinfo=UTC))


def test_learned_lists_what_staff_taught(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(teach_all(db_path))
    main(["learned"])
    out = capsys.readouterr().out
    assert "will insurance cover it" in out and "Nasrin" in out
    assert "(not in the article)" in out


def test_learned_yaml_merges_into_faq_and_passes_the_check(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil
    import subprocess
    import sys

    import yaml

    from bot.config import PROJECT_DIR

    faq = tmp_path / "faq"
    shutil.copytree(PROJECT_DIR / "faq", faq)
    monkeypatch.setenv("FAQ_DIR", str(faq))
    asyncio.run(teach_all(db_path))
    main(["learned", "--yaml"])
    printed = capsys.readouterr().out
    assert printed.startswith("# Questions front-desk staff taught the bot: 5")
    assert "stem cell er দাম" in printed.split("entries:")[0], "named in a comment, left out"
    taught = yaml.safe_load(printed)

    # The editor's merge: each entry's questions into its file, the rest into out-of-scope.
    for entry in taught["entries"]:
        path = tmp_path / entry["file"]
        section = yaml.safe_load(path.read_text(encoding="utf-8"))
        target = next(e for e in section["entries"] if e["id"] == entry["id"])
        for form, questions in entry["questions"].items():
            target["questions"][form] += questions
        path.write_text(yaml.safe_dump(section, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    out_path = tmp_path / taught["out-of-scope"]["file"]
    out_of_scope = yaml.safe_load(out_path.read_text(encoding="utf-8"))
    for form, questions in taught["out-of-scope"]["questions"].items():
        out_of_scope["questions"][form] += questions
    out_path.write_text(yaml.safe_dump(out_of_scope, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    assert taught["entries"][0]["questions"] == {
        "en": ["will insurance cover it"], "bn": ["বিমা কি খরচ দেবে"],
        "banglish": ["insurance e cover kore?"]}

    check = subprocess.run([sys.executable, "-m", "bot", "check"], capture_output=True,
                           text=True, env={**__import__("os").environ, "FAQ_DIR": str(faq)},
                           cwd=PROJECT_DIR)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("OK:")

    from bot.core.frontdesk import build_front_desk
    from bot.core.vocabulary import Form

    merged = build_front_desk(faq, PROJECT_DIR / "locales")
    assert "will insurance cover it" in merged.kb.entries["cost"].questions["en"]
    assert "what food should he eat after treatment" in merged.kb.out_of_scope[Form.EN]


def test_forget_says_which_staff_chat_copies_it_cannot_reach(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def converse() -> None:
        async with await InquiryLog.open(db_path) as log:
            opened = await log.conversations.open(
                at=datetime.now(UTC), user_id=111, chat_id=111, display_name="রহিম",
                username=None, lang="bn", form="bn", question="খরচ কত?", media=None,
                bot_reply="fallback", bot_entry_id=None, inquiry_id=None)
            await log.conversations.link_message(opened.id, -500, 7, "card")

    asyncio.run(converse())
    main(["forget", "--user-id", "111"])
    out = capsys.readouterr().out
    assert "1 messages in the staff chat" in out


def test_backup_copies_every_inquiry_to_a_private_file_that_opens_as_a_log(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    asyncio.run(fill(db_path, [rec(now, text="প্রথম"), rec(now, user_id=222, text="second")]))
    out = tmp_path / "backups" / "copy.sqlite3"
    out.parent.mkdir()

    main(["backup", "--out", str(out)])

    assert f"Copied the database to {out}" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(asyncio.run(read_all(out))) == [(111, "প্রথম"), (222, "second")]


def test_backup_refuses_to_write_over_the_database_itself(db_path: Path) -> None:
    asyncio.run(fill(db_path, [rec(datetime.now(UTC))]))
    with pytest.raises(SystemExit) as exit_:
        main(["backup", "--out", str(db_path)])
    assert exit_.value.code == 2
    assert asyncio.run(read_all(db_path)) == [(111, "খরচ কত?")]


def test_status_says_the_database_takes_writes_and_how_much_disk_is_free(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(fill(db_path, []))
    main(["status"])
    out = capsys.readouterr().out
    assert "Writable: yes" in out
    free = shutil.disk_usage(db_path.parent).free / 1024**3
    (disk,) = [line for line in out.splitlines() if line.startswith("Disk: ")]
    assert abs(float(disk.split()[1]) - free) < 1.0 and " GB free of " in disk


def test_status_says_when_the_database_refuses_writes_and_exits_1(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    asyncio.run(fill(db_path, []))
    with sqlite3.connect(db_path) as other:  # another program holds the write lock
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(SystemExit) as exit_info:
            main(["status"])
        other.rollback()
    assert exit_info.value.code == 1
    assert "Writable: NO (database is locked)" in capsys.readouterr().out
