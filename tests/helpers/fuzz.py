"""Hostile input for the bot, seeded: what careless, curious or malicious users send.

`play(fake, rng, count)` pushes `count` updates through the fake Bot API and returns how many
replies each chat is owed: every text (typed, edited, or a command) in a private chat, and every
text that mentions the bot in a group, gets exactly one; nothing else is owed one. Buttons are
pressed by users of their own, whose answers are not counted, and with `staff_id` some by a
staff member, so that forged staff buttons reach their handlers past the staff gate.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from dataclasses import dataclass, field

from helpers.fake_bot_api import BOT_USERNAME, FakeBotApi

BANGLA = [chr(c) for c in range(0x0985, 0x09BA)]
BANGLA_SIGNS = [chr(c) for c in (*range(0x0981, 0x0984), 0x09BC, *range(0x09BE, 0x09C5),
                                 0x09C7, 0x09C8, 0x09CB, 0x09CC, 0x09CD, 0x09D7)]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a",
             "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069", "\u00ad"]
CONTROL = [chr(c) for c in (*range(1, 9), 11, 12, *range(14, 32), 127, 0x85, 0x9F)]
MARKUP = ["<b>", "</b>", "<i>", "<a href='x'>", "</a>", "<script>", "&", "&amp;", "&lt;",
          "&#128512;", "&bogus;", "<", ">", "*", "_", "`", "```", "[", "](http://x)", "||",
          "~", "\\", "<pre>", "</code>", "<tg-spoiler>", "<br/>", "<!--", "]]>"]
QUESTIONS = ["is stem cell therapy safe?", "how much does it cost?", "স্টেম সেল থেরাপি কি নিরাপদ?",
             "stem cell dile ki abar hatte parbe?", "koto din lagbe?", "hello", "thanks"]
COMMANDS = ["/start", "/help", "/topics", "/appointment", "/callback", "/language", "/forget",
            "/inquiries", "/unanswered", "/callbacks", "/stats", "/export", "/nosuch",
            "/START", "/start@OtherBot", f"/help@{BOT_USERNAME}"]
JUNK_ARGUMENTS = ["²", "৫", "١٢", "-1", "0", "9" * 300, "lots", "'; DROP TABLE inquiries;--",
                  "<b>x</b>", "\u202e7", "1e9", "0x10", "NaN", " ", "😀" * 10]
FORGED_DATA = ["a:no-such-entry", "s:gone", "zz:1", "fb:x:9", "cb:mars", "done:1", "done:²",
               "done:৩", "l:fr", "fg:maybe", "t:x", "apt:1", "lang:x", "", ":", "a:", "s",
               "fb:", "a:" + "x" * 60, "💥" * 16]
# Well formed, naming nothing (no such call-back request, conversation, inquiry or teaching, or
# an id past SQLite's integers): each pressed once in every play, staff buttons by staff.
NAMING_NOTHING = ["done:9999999", "done:99999999999999999999", "dd:9999999", "dr:9999999",
                  "tch:i9999999", "ul:9999999", "ask:9999999", "ask:99999999999999999999"]
GOOD_DATA = ["t", "t:e", "apt", "lang", "l:en", "l:bn", "l:auto", "cb", "cb:savar",
             "cb:kallyanpur", "fg:no"]


def _text(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:  # random Unicode, BMP and beyond, surrogates excluded
        return "".join(chr(rng.choice([rng.randrange(0x20, 0xD800),
                                       rng.randrange(0xE000, 0x10FFFF)]))
                       for _ in range(rng.randrange(1, 200)))
    if kind == 1:  # Bangla with stray combining marks
        return "".join(rng.choice(BANGLA + BANGLA_SIGNS * 2 + [" "])
                       for _ in range(rng.randrange(1, 300)))
    if kind == 2:  # a real question laced with invisible and direction marks
        question = list(rng.choice(QUESTIONS))
        for _ in range(rng.randrange(1, 8)):
            question.insert(rng.randrange(len(question) + 1), rng.choice(INVISIBLE))
        return "".join(question)
    if kind == 3:  # control characters
        return "".join(rng.choice(CONTROL + list("ab ?")) for _ in range(rng.randrange(1, 60)))
    if kind == 4:  # HTML and Markdown specials, unbalanced
        return " ".join(rng.choice(MARKUP + QUESTIONS) for _ in range(rng.randrange(1, 20)))
    if kind == 5:  # as long as Telegram allows, in UTF-16 code units
        filler = rng.choice(["😀", "ক", "a", "স্টেম সেল ", "<&>"])
        text = (filler * 4096)
        while len(text.encode("utf-16-le")) // 2 > 4096:
            text = text[:-1]
        return text
    if kind == 6:  # commands with junk arguments
        return f"{rng.choice(COMMANDS)} {rng.choice(JUNK_ARGUMENTS)}"
    if kind == 7:  # numbers that look like phones, or nearly
        return rng.choice(["01712345678", "+8801712345678", "০১৭১২৩৪৫৬৭৮", "0171234", "999",
                           "017-1234-5678", "Cancel", "বাতিল"])
    if kind == 8:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 100)))
    return rng.choice(QUESTIONS + COMMANDS)


def _forged(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(FORGED_DATA)
    data = "".join(chr(rng.randrange(0x21, 0x3000)) for _ in range(rng.randrange(1, 30)))
    while len(data.encode()) > 64:
        data = data[:-1]
    return data


@dataclass
class Played:
    owed: Counter[int] = field(default_factory=Counter)  # chat -> replies it must get
    pressed: int = 0  # button presses (answered in their own ways)
    silent_chats: set[int] = field(default_factory=set)  # group texts not for the bot


def play(fake: FakeBotApi, rng: random.Random, count: int, users: int = 200,
         staff_id: int | None = None) -> Played:
    played = Played()
    texts: list[tuple[int, int]] = []  # (update id, chat) of earlier private texts
    groups = [-100_000_000_000 - g for g in range(max(1, users // 50))]
    for data in NAMING_NOTHING:
        by_staff = staff_id is not None and not data.startswith("ask")
        presser = staff_id if by_staff else None
        fake.push_callback(data, user_id=presser or 90_000 + rng.randrange(users))
        played.pressed += 1
    for _ in range(count):
        roll = rng.random()
        user = 80_000 + rng.randrange(users)
        language = rng.choice(["en", "bn", "", "fr"])
        if roll < 0.65:
            text = _text(rng)
            if not text.strip():
                text += "?"  # Telegram delivers no empty messages
            update_id = fake.push_message(text, user_id=user, language_code=language,
                                          first_name=_text(rng)[:60] or "x")
            texts.append((update_id, user))
            played.owed[user] += 1
        elif roll < 0.72 and texts:
            update_id, chat = rng.choice(texts)
            fake.push_edited_message(update_id, _text(rng) + "?")
            played.owed[chat] += 1
        elif roll < 0.82:
            group = rng.choice(groups)
            mention = rng.random() < 0.6
            text = _text(rng)[:3000]
            # Not addressed to the bot, and no command: silence is owed.
            fake.push_message(f"@{BOT_USERNAME} {text}" if mention else f"so {text}?",
                              user_id=user, chat_id=group, chat_type="supergroup")
            if mention:
                played.owed[group] += 1
            else:
                played.silent_chats.add(group)
        else:
            presser = 90_000 + rng.randrange(users)
            if staff_id is not None and rng.random() < 0.2:
                presser = staff_id
            data = rng.choice(GOOD_DATA) if rng.random() < 0.4 else _forged(rng)
            if presser == staff_id:
                data = rng.choice(NAMING_NOTHING + FORGED_DATA)
            fake.push_callback(data, user_id=presser, language_code=language)
            played.pressed += 1
    return played
