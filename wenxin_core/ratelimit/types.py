"""What a limiter budgets: the cost of one call and the reservation that holds it.

:class:`LimiterBase` is the base of every limiter without LangChain's: a type to check
against (``isinstance``, a pydantic field) that imports no framework.
"""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wenxin_core.ratelimit.base import RateLimiter

__all__ = ["Cost", "LimiterBase", "Quota", "Reservation"]


class LimiterBase(ABC):  # noqa: B024 - a marker base: RateLimiter holds the abstract methods
    """The base of :class:`~wenxin_core.ratelimit.base.RateLimiter`, light to import.

    ``RateLimiter`` also subclasses LangChain's ``BaseRateLimiter`` when langchain-core is
    installed, so importing it imports LangChain; code that only checks that a value is a
    limiter (the LlamaIndex adapter's ``rate_limit`` field) checks this class instead.
    """

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Cost:
    """What one call takes from the budget: requests, input tokens and output tokens."""

    requests: int = 1
    input_tokens: int = 0
    output_tokens: int = 0

    def as_list(self) -> list[int]:
        """The three figures in the limiter's order (requests, input, output)."""
        return [self.requests, self.input_tokens, self.output_tokens]


@dataclass(frozen=True, slots=True)
class Quota:
    """A budget per window: ``None`` where a dimension is not limited (or not known yet)."""

    requests: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None

    def as_list(self) -> list[int | None]:
        """The three limits in the limiter's order (requests, input, output)."""
        return [self.requests, self.input_tokens, self.output_tokens]


@dataclass(frozen=True, slots=True)
class Reservation:
    """A granted reservation: settle it with :meth:`RateLimiter.settle` after the call.

    Attributes:
        id: the reservation's id in the limiter's state.
        cost: what was reserved (the estimate).
        limiter: the limiter that granted it.

    """

    id: str
    cost: Cost
    limiter: RateLimiter
