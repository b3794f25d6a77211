"""Splits the asking part of a message into its questions, up to three.

Relatives often ask two or three things at once: "is it safe? and the cost?", "stem cell ki
puro cure? r eta ki govt approved?", "১) ... ২) ...". Numbered items become sentences of their
own; each asking sentence (`language.question_sentences`) is then cut at a joining word ("and",
"আর", "r", "ar", "এবং", "ebong", "also", "তাছাড়া", "plus") or a comma. A piece is a question of
its own only when its words ask (a question word, or an opening like "how" or "is it") and name
something besides the question words. The other pieces belong to the question beside them: "is
it safe and effective?" stays one question, and so does "সে কি আর হাঁটতে পারবে?" ("আর" is also
"again": "সে কি" alone names nothing).
"""

from __future__ import annotations

from collections.abc import Callable

import regex

from bot.core.language import (
    QUESTION_STARTERS,
    QUESTION_WORDS,
    is_question,
    key_words,
    question_sentences,
    sentences,
    tokenize,
)

MAX_QUESTIONS = 3
# A question naming this many things (besides question words) has a topic of its own: "are these
# research studies reliable?" has, "dam kemon?" and "is it all permanent?" have not.
OWN_TOPIC_WORDS = 3
# Joined to a question, words naming this many things ask on ("…and my brother can walk
# after"); fewer finish the question before them ("…and effective"), as does the second of
# two things compared ("the difference between a trial and normal treatment").
ASKS_ON_WORDS = 2
_JOINERS = ("and", "n", "also", "plus", "secondly", "ar", "r", "ebong", "tar sathe", "sathe",
            "আর", "এবং", "তাছাড়া", "তাছাড়া", "পাশাপাশি", "তার সাথে", "সাথে", "abar", "আবার")
# "abar"/"আবার" is "again" too ("abar hatte parbe?"): it joins only after a question that has
# ended ("…khoti hoy naki abar koto din por dite hoy").
_AGAIN = frozenset({"abar", "আবার"})
JOINING_WORDS = frozenset({*_JOINERS, "&", "+"})
_TAGS = frozenset({"naki", "নাকি", "kina", "কিনা"})
_COMPARING = frozenset(
    "between difference compare vs versus parthokko tofat পার্থক্য তফাত মধ্যে moddhe".split())
# "1)", "2.", "১)", "২." opening an item, wherever it stands in the message.
_NUMBERED = regex.compile(r"(?:^|\s+)[0-9০-৯]{1,2}[).](?!\d)")
# "&" and "+" join like "and" when a space stands beside them ("is it safe & the cost?"), not
# inside a name or a level ("B&B", "C5+C6").
_SIGNS = r"(?<!\S)[&+]|[&+](?!\S)"
# A slash joins two questions ("Safe ki/legal ki", "cost/time?"), not a number's parts
# ("210/115", "24/7").
_SLASH = r"(?<!\d)/(?!\d)"
_CUT = regex.compile(
    rf"[,;]|{_SIGNS}|{_SLASH}|(?<![\p{{L}}\p{{M}}])(?:{'|'.join(_JOINERS)})(?![\p{{L}}\p{{M}}])",
    regex.IGNORECASE,
)
# Words that ask only in a question of their own ("কতটুকু?", "who?"): used to tell where a
# second question starts, never to decide whether a message asks (`language.is_question`).
_MORE_QUESTION_WORDS = frozenset(
    "কতটুকু কতটা কতখানি কয়টা কয়বার কতক্ষণ কাকে kototuku kotota koyta koybar".split()
)
# English question words that ask wherever they stand in the last clause of a question ("…, and
# after the treatment how many visits are needed?"); "when" and "who" also tell a story there.
_ASKING_INSIDE = frozenset("how what why where which".split())
# A colon or a dash after words that announce the questions ("Two questions: …", "abbur 3 ta
# proshno — …") ends them: they are told, not asked.
_ANNOUNCING = regex.compile(r"(?<=\S)\s*:\s+|\s+[—–]\s+")
# English verbs that ask when a sentence opens with them ("is it safe"), and the words that
# then follow them as the subject.
_AUXILIARIES = frozenset(
    "is are was were do does did can could will would should shall may might has have".split())
_SUBJECTS = frozenset("""i you he she it we they this that there these those stem my his her
    our their your the a an any""".split())
# A decimal point ("48.9%") ends no sentence; the Arabic decimal separator splits the same
# words for the matcher.
_DECIMAL = regex.compile(r"(?<=\d)\.(?=\d)")
# "…and from where are the cells taken?": a question word may follow a preposition.
_PREPOSITIONS = frozenset("from to in at for with by after before".split())
# Asking politely names no topic: "ট্রায়াল জিনিসটা কী, একটু বুঝিয়ে বলবেন?" is one question.
_POLITE = frozenset(
    """একটু বুঝিয়ে সহজ করে বলবেন বলুন জানাবেন ektu bujhiye bujhie shohoj kore kindly honestly
    simple words tell please""".split()
)
# Words opening a condition: "If he has diabetes, can stem cells be given?" asks one thing.
_CONDITIONAL = frozenset("if jodi যদি".split())
# English question words name nothing either, in any common spelling ("whats the charge?").
_ASKING_SPELLINGS = frozenset("whats wats wat wht hw howmuch".split())
_NOT_A_TOPIC = frozenset(key_words(" ".join(
    QUESTION_WORDS | _MORE_QUESTION_WORDS | _POLITE | QUESTION_STARTERS | _ASKING_SPELLINGS)))
# "আর" and "r" also mean "any more": "stem cell dile ki r bayam korte hobe na" asks one thing.
_ANY_MORE = frozenset({"r", "ar", "আর"})
_NEGATION = frozenset("na naa nai nei না নাই নেই".split())
# A sentence or clause opening like this says the question before it again in other words
# ("…labh hobe?? mane abar ki nije hete bathroom e jete parbe") or offers its other answer
# ("…agher moto hatte pare, naki shudhu ektu nodte pare?"), or asks to choose between what it
# offered ("ক্লিনিক্যাল ট্রায়াল নাকি প্রাইভেট চিকিৎসা, কোনটা ভালো?"): not a question of its own.
_RESTATING = frozenset("mane মানে meaning naki নাকি konta কোনটা".split())
_LEADING = regex.compile(
    rf"^(?:[\s,;:—&+-]|(?:{'|'.join(_JOINERS)})(?![\p{{L}}\p{{M}}]))+", regex.IGNORECASE
)


def topic_words(piece: str) -> list[str]:
    """Its key words that name something: not question words, not asking politely."""
    return [k for k in key_words(piece) if k not in _NOT_A_TOPIC]


def _names_something(piece: str) -> bool:
    return bool(topic_words(piece))


def _restates(piece: str) -> bool:
    words = tokenize(piece)
    return bool(words) and words[0] in _RESTATING


def _goes_on_telling(piece: str) -> bool:
    words = tokenize(_CUT.sub(" ", piece))
    return (len(words) > 1 and words[0] in _AUXILIARIES and words[1] not in _SUBJECTS
            and "?" not in piece)


def _asks(piece: str, last: bool = False) -> bool:
    """Its words ask: a question mark alone ("…and route?") ends a sentence, not a question.
    A condition ("If he has diabetes, can…") leads into the question after it."""
    words = tokenize(piece)
    if words and words[0] in _CONDITIONAL and "?" not in piece:
        return False
    asks = (
        is_question(piece.replace("?", " "))
        or any(w in _MORE_QUESTION_WORDS for w in words)
        or (len(words) > 1 and words[0] in _PREPOSITIONS and words[1] in QUESTION_STARTERS)
        or (last and piece.rstrip().endswith("?") and any(w in _ASKING_INSIDE for w in words))
    )
    return asks and _names_something(piece)


def _joined_by(rest: str, words: frozenset[str]) -> bool:
    """`rest` of a sentence opens with one of the joining `words`."""
    found = _CUT.match(rest)
    return found is not None and found.group().lower() in words


def _ends_asking(piece: str) -> bool:
    words = tokenize(piece)
    return bool(words) and words[-1] in _TAGS  # "কি আর" is "still": "…কি আর কাজ করে"


def _cuts(sentence: str) -> list[tuple[int, bool]]:
    """Where a sentence may divide, and whether a joining word (not a comma) divides it there:
    commas and joining words, but not an "any more"."""
    found = list(_CUT.finditer(sentence))
    cuts = []
    for i, match in enumerate(found):
        if match.group().lower() in _AGAIN:
            before = tokenize(sentence[: match.start()])
            if not before or before[-1] not in _TAGS:
                continue
        if match.group().lower() in _ANY_MORE:
            end = found[i + 1].start() if i + 1 < len(found) else len(sentence)
            words = tokenize(sentence[match.end() : end])
            if words and words[-1] in _NEGATION:
                continue
        cuts.append((match.start(), match.group() not in ",;"))
    return cuts


def _sentence_questions(sentence: str, also_asks: Callable[[str], bool]) -> list[str]:
    """The questions of one sentence, each the stretch of the sentence from the end of the
    previous one: told-along words after a comma ("Sir, …", "…, he is 60, will it…") lead into
    the question after them; words after a joining word ("…like surgery and steroids
    achieve, and how…") finish the question before them."""
    cuts = _cuts(sentence)
    starts = [0, *(at for at, _ in cuts)]
    stops = [*starts[1:], len(sentence)]
    joined = [False, *(word for _, word in cuts)]
    pieces = [_CUT.sub(" ", sentence[a:b], count=1) for a, b in zip(starts, stops, strict=True)]
    restating = [i > 0 and _restates(p) for i, p in enumerate(pieces)]
    joined = [j or r for j, r in zip(joined, restating, strict=True)]
    asks = [not r and (_asks(p, last=i == len(pieces) - 1) or also_asks(p))
            for i, (p, r) in enumerate(zip(pieces, restating, strict=True))]
    unmarked = "?" not in sentence
    for i in range(1, len(pieces)):
        # "My father had an accident 3 years ago and is paralysed, can…": a verb after "and"
        # goes on telling what the words before it told; it asks only with a subject after it.
        if asks[i] and joined[i] and not asks[i - 1] and _goes_on_telling(pieces[i]):
            asks[i] = False
        # Joined to a question, words naming a topic of their own ask on, question word or
        # not, as people ask aloud: "how much money the stem cell and my brother can walk
        # after", "…chikitsa naki r homeopathy kheye kono lav ache".
        # Only where the writer marks no questions: "…cure his knee arthritis and his
        # diabetes side by side?" asks one thing.
        # "r" and "ar" also mark the genitive ("injury r jaygar"): after a question word only
        # ("…chikitsa naki r homeopathy…").
        elif (not asks[i] and joined[i] and asks[i - 1] and not restating[i] and unmarked
              and len(topic_words(pieces[i])) >= ASKS_ON_WORDS
              and not _COMPARING & set(tokenize(pieces[i - 1]))
              and (not _joined_by(sentence[starts[i]:], _ANY_MORE)
                   or _ends_asking(pieces[i - 1]))):
            asks[i] = True
    ends: list[int] = []
    for i, stop in enumerate(stops):
        if asks[i]:
            ends.append(stop)
        elif ends and joined[i] and any(asks[i + 1 :]) and ends[-1] == starts[i]:
            ends[-1] = stop
    if not ends:
        return [_LEADING.sub("", sentence)]
    ends[-1] = len(sentence)  # what trails the last question belongs to it ("…and route?")
    return [_LEADING.sub("", sentence[a:b]).rstrip(" ,;-—:")
            for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def without_numbering(text: str) -> str:
    """The message without its list items' numbers ("1) is it safe 2) the cost?"): they are
    no words of the question, and a number the knowledge base has never seen weighs most."""
    return _NUMBERED.sub(" ", text)


def _item_break(text: str, at: int) -> str:
    """What a list item's number becomes: the end of the sentence before it, unless that
    sentence has ended already ("1) is it safe? 2) …")."""
    return " " if text[:at].rstrip().endswith(("?", ".", "!", "।")) else ". "


def _asking_sentences(text: str) -> list[str]:
    """The sentences that ask, and a fragment joined on after one ("…walk again? & total
    cost", "…is it safe? n the side effects"): it asks on, question word or not."""
    asking = question_sentences(text)
    every = sentences(text)
    if len(asking) == len(every):
        return asking
    kept: list[str] = []
    for i, sentence in enumerate(every):
        if sentence in asking or (
                i and every[i - 1] in kept and _LEADING.match(sentence)
                and _joined_by(sentence.lstrip(" ,;:—-"), JOINING_WORDS)
                and len(topic_words(sentence)) >= ASKS_ON_WORDS):
            kept.append(sentence)
    return kept


def split_questions(text: str, also_asks: Callable[[str], bool] = lambda _: False) -> list[str]:
    """The questions of `text`, in the order asked. One item (the asking sentences) when the
    message asks one thing; never more than MAX_QUESTIONS (the shortest merge first).
    `also_asks` tells a request that asks with no question word ("give me the Savar number")."""
    text = _DECIMAL.sub("\u066b", text)
    text = _ANNOUNCING.sub(". ", _NUMBERED.sub(lambda m: _item_break(text, m.start()), text))
    questions: list[str] = []
    for sentence in _asking_sentences(text):
        if questions and (not _names_something(sentence) or _restates(sentence)):
            questions[-1] = f"{questions[-1]} {sentence}"  # "…koto? জনাব?", "…? mane …"
        else:
            questions += _sentence_questions(sentence, also_asks)
    # Each question's size worked out once: a pasted essay can hold dozens of questions.
    sizes = [len(key_words(q)) for q in questions]
    while len(questions) > MAX_QUESTIONS:
        shortest = min(range(len(questions)), key=sizes.__getitem__)
        into = shortest - 1 if shortest else 1
        first, second = sorted((shortest, into))
        merged = f"{questions[first]} {questions[second]}"
        questions[first : second + 1] = [merged]
        sizes[first : second + 1] = [len(key_words(merged))]
    return [q.replace("\u066b", ".") for q in questions]
