"""Words of a text, as the emulator's tool matching, embeddings and rerank see them.

A word is a run of ASCII letters and digits, lower-cased, with a final plural ``s`` dropped
(``tools`` and ``tool`` are one word); each CJK character is a word of its own.
:data:`STOP_WORDS` are the words too common to mean anything.
"""

from __future__ import annotations

import re

from wenxin_core.emulator.replies import char_counts

__all__ = [
    "STOP_WORDS",
    "cjk_bigram_spans",
    "cjk_bigrams",
    "is_cjk",
    "meaningful",
    "normalise",
    "word_spans",
    "words",
]

_STOP_TEXT = """a an and are as at be but by can could do does for from get give has have how i in
is it its me my of on or please show tell that the their them then there these this to us was we
what when where which who why will with would you your
的 了 是 在 和 我 你 吗 呢 吧 啊 请 把 给 一 个 也 就 都 要 有"""

STOP_WORDS = frozenset(_STOP_TEXT.split())
"""Words that carry no meaning for matching (English function words, common CJK particles)."""

_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\x00-\x7f]")


def is_cjk(char: str) -> bool:
    """Whether ``char`` counts as a CJK character (one token, one word)."""
    return char_counts(char)[0] == 1


def normalise(word: str) -> str:
    """``word`` lower-cased, a plural ``s`` dropped (not from ``ss`` or short words)."""
    word = word.lower()
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` of every word of ``text``, in order (see :func:`words`)."""
    out: list[tuple[int, int, str]] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.isascii():
            out.append((match.start(), match.end(), normalise(token)))
        elif is_cjk(token) and token.isalnum():
            out.append((match.start(), match.end(), token))
    return out


def words(text: str) -> list[str]:
    """Every word of ``text`` in order: ASCII words (normalised) and single CJK characters."""
    return [word for _, _, word in word_spans(text)]


def meaningful(text: str) -> list[str]:
    """The words of ``text`` without :data:`STOP_WORDS`."""
    return [w for w in words(text) if w not in STOP_WORDS]


def cjk_bigrams(text: str) -> list[str]:
    """Every pair of adjacent CJK characters of ``text`` (CJK text has no spaces)."""
    return [pair for _, pair in cjk_bigram_spans(text)]


def cjk_bigram_spans(text: str) -> list[tuple[int, str]]:
    """``(start, pair)`` of every pair of adjacent CJK characters of ``text``."""
    pairs: list[tuple[int, str]] = []
    previous = ""
    for index, char in enumerate(text):
        if is_cjk(char) and char.isalnum():
            if previous:
                pairs.append((index - 1, previous + char))
            previous = char
        else:
            previous = ""
    return pairs
