"""The inquiry log, kept durably for the front desk.

- `records`: what is stored (inquiries, call-back requests, statistics) and how rows become
  records.
- `schema`: the database file, its durability settings and the migrations.
- `log`: `InquiryLog`, the one object the bot and the admin command line write and query.
- `pending`: what the database refused (inquiries, updates, done marks), waiting in memory.
- `outage`: when writes start failing and when they work again, told once each; the retries.
- `inbox`: each incoming update, stored before Telegram is told it arrived, until answered.
- `export`: CSV for Excel.
- `health`: whether the database takes writes and how much room its disk has (admin status).
- `conversations`, `callbacks`, `learned`, `reports`: the front desk's conversations with
  patients, call-back requests, what staff taught the bot, and the staff's queries and reports;
  each a small object on the log (`log.conversations`, …) sharing its connection, like `inbox`.

Nothing here imports Telegram or the answer engine (only its dependency-free vocabulary).
"""

from bot.storage.conversations import Conversation, MessageRef
from bot.storage.export import CSV_HEADER, write_csv
from bot.storage.health import DiskHealth, disk_health
from bot.storage.inbox import Inbox, Incoming, State, Stored
from bot.storage.learned import LearnedPhrase
from bot.storage.log import InquiryLog
from bot.storage.outage import Cause, OutageEvent, WritesFailing, WritesRecovered
from bot.storage.records import (
    DHAKA,
    CallbackRequest,
    EntryVotes,
    Inquiry,
    InquiryRecord,
    Stats,
    UnansweredQuestion,
    canonical_text,
)
from bot.storage.schema import MIGRATIONS, SCHEMA_VERSION, SchemaTooNewError

__all__ = [
    "CSV_HEADER",
    "DHAKA",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "CallbackRequest",
    "Cause",
    "Conversation",
    "DiskHealth",
    "EntryVotes",
    "Inbox",
    "Incoming",
    "Inquiry",
    "InquiryLog",
    "InquiryRecord",
    "LearnedPhrase",
    "MessageRef",
    "OutageEvent",
    "SchemaTooNewError",
    "State",
    "Stats",
    "Stored",
    "UnansweredQuestion",
    "WritesFailing",
    "WritesRecovered",
    "canonical_text",
    "disk_health",
    "write_csv",
]
