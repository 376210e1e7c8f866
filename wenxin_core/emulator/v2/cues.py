"""Values a user text offers for a JSON schema: strings, numbers, enum words, yes/no.

:class:`Cues` reads one text (with an optional *focus*: the part of the text about one tool,
searched first) and hands out values, each at most once, so two properties get two different
values: ``name: value`` / ``name=value`` pairs, quoted strings, capitalised phrases
(``New York``), the words after a tool's name, numbers in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from wenxin_core.emulator.v2.words import STOP_WORDS, normalise, words

__all__ = ["QUERY_NAMES", "Cues"]

QUERY_NAMES = frozenset(
    {
        "query",
        "q",
        "text",
        "question",
        "input",
        "prompt",
        "keyword",
        "keywords",
        "search",
        "content",
        "message",
        "topic",
        "term",
        "terms",
        "expression",
        "statement",
        "sentence",
    }
)
"""Property names that take free text: filled with the words after the tool's name first."""

_QUOTED = re.compile(
    r"\"([^\"]+)\"|“([^”]+)”|「([^」]+)」|«([^»]+)»|(?:^|(?<=\s))'([^']+)'(?=$|[\s,.;:!?])"
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_CLAUSE_END = re.compile(r"[,;.?!，。；？！\n]")
_LEADING = frozenset({"for", "about", "on", "of", "in", "to", "with", "the", "a", "an", "me"})
_NOT_NAMES = frozenset(
    {
        "call",
        "use",
        "find",
        "search",
        "look",
        "check",
        "what's",
        "whats",
        "tell",
        "ok",
        "okay",
        "hi",
        "hello",
        "thanks",
        "json",
        "i",
        "i'm",
        "let's",
    }
)
_NEGATIONS = frozenset({"no", "not", "without", "false", "never", "disable"})
_YES_NO = frozenset({"yes", "true", "no", "false"})


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [normalise(w) for w in re.split(r"[\s_\-]+", spaced) if w]


class Cues:
    """The values one text offers; each string or number is handed out once."""

    def __init__(
        self,
        text: str,
        focus: tuple[int, int] | None = None,
        skip: Iterable[str] = (),
    ) -> None:
        """Read ``text``; ``focus`` (a slice) is searched first; ``skip`` words are no names."""
        self.text = text
        self.focus = focus or (0, len(text))
        self._skip = {normalise(w) for w in skip}
        self._used: set[str] = set()
        self._used_numbers: set[int] = set()
        self._words = set(words(text))

    # -- helpers ------------------------------------------------------------------------------
    def _ordered(self, spans: Sequence[tuple[int, str]]) -> list[str]:
        """Values in the focus first (in order), then the others (in order)."""
        start, end = self.focus
        inside = [v for pos, v in spans if start <= pos < end]
        outside = [v for pos, v in spans if not start <= pos < end]
        return inside + outside

    def _take(self, candidates: Iterable[str]) -> str | None:
        for value in candidates:
            value = value.strip()
            if value and value not in self._used:
                self._used.add(value)
                return value
        return None

    def _capitalised(self) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for match in _CAPITALISED.finditer(self.text):
            kept = [
                w
                for w in match.group().split()
                if w.lower() not in STOP_WORDS
                and w.lower() not in _NOT_NAMES
                and normalise(w) not in self._skip
            ]
            if kept:
                found.append((match.start(), " ".join(kept)))
        return found

    def _pair(self, name: str) -> str | None:
        names = {name, name.replace("_", " ")}
        for label in names:
            pattern = re.compile(
                rf"\b{re.escape(label)}\s*(?:[:=]|\bis\b)\s*"
                r"(?:\"([^\"]*)\"|'([^']*)'|([^\s,;.?!，。]+))",
                re.IGNORECASE,
            )
            match = pattern.search(self.text)
            if match:
                return next(g for g in match.groups() if g is not None)
        return None

    def after_focus(self) -> str:
        """The words of the focus up to the end of its clause, leading filler words dropped."""
        start, end = self.focus
        segment = self.text[start:end]
        cut = _CLAUSE_END.search(segment)
        if cut:
            segment = segment[: cut.start()]
        parts = segment.split()
        while parts and parts[0].lower() in _LEADING:
            parts.pop(0)
        return " ".join(parts)

    # -- values -------------------------------------------------------------------------------
    def string(self, name: str, *, fallback: bool) -> str | None:
        """A string for property ``name``, or ``None`` (only when not ``fallback``)."""
        pair = self._pair(name)
        if pair is not None and pair not in self._used:
            self._used.add(pair)
            return pair
        quoted = [
            (m.start(), next(g for g in m.groups() if g)) for m in _QUOTED.finditer(self.text)
        ]
        value = self._take(self._ordered(quoted))
        if value is not None or not fallback:
            return value
        free = name.lower() in QUERY_NAMES or normalise(name) in QUERY_NAMES
        after = [self.after_focus()] if self.focus != (0, len(self.text)) else []
        order = (
            [*after, *self._ordered(self._capitalised())]
            if free
            else [
                *self._ordered(self._capitalised()),
                *after,
            ]
        )
        return self._take(order) or self.text.strip()[:200] or name

    def number(self) -> float | None:
        """The next unused number of the text (focus first), or ``None``."""
        spans = [(m.start(), m.group()) for m in _NUMBER.finditer(self.text)]
        start, end = self.focus
        ordered = [s for s in spans if start <= s[0] < end] + [
            s for s in spans if not start <= s[0] < end
        ]
        for position, text in ordered:
            if position not in self._used_numbers:
                self._used_numbers.add(position)
                return float(text)
        return None

    def choice(self, values: Sequence[object]) -> object | None:
        """The enum value the text names (as a word or phrase), or ``None``."""
        lowered = self.text.lower()
        for value in values:
            if isinstance(value, str) and value:
                if normalise(value) in self._words or (" " in value and value.lower() in lowered):
                    return value
            elif (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and re.search(rf"(?<![\w.]){re.escape(str(value))}(?![\w])", self.text)
            ):
                return value
        return None

    def flag(self, name: str) -> bool | None:
        """A boolean when the text names ``name`` or says yes/no/true/false, else ``None``.

        ``False`` when the text holds a negation (``no``, ``not``, ``without``...).
        """
        mentioned = any(w in self._words for w in _name_words(name))
        if not mentioned and not self._words & _YES_NO:
            return None
        return not (self._words & _NEGATIONS)
