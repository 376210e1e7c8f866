"""``ChatWenxin.abatch`` without LangChain's per-item detours, with the default's behaviour.

LangChain's default ``Runnable.abatch`` runs ``ainvoke`` once per input: each item copies its
config (``ensure_config``), configures a callback manager of its own
(``AsyncCallbackManager.configure``: some 150 us of CPU, most of an item's framework cost), and
goes ``ainvoke -> agenerate_prompt -> agenerate``, which wraps ``_agenerate_with_cache`` in one
more task; every item is a task made up front, so hundreds of them sit in memory at once.

:class:`FastBatch` does for each item exactly what that chain does, in the same order (input
conversion, ``on_chat_model_start``, ``_agenerate_with_cache`` with the cache, the rate limiter
and streaming, then ``on_llm_end`` or ``on_llm_error``), but works out once what is the same for
every item: the config when a single one is given, the invocation and LangSmith params, and the
callback manager of consecutive items whose callbacks, tags and metadata are equal or differ only
in their parent run, as a chain's items do (each item still gets its own copy of it, with its
own parent, as ``configure`` would give, so no run shares mutable state).
A fixed pool of ``max_concurrency`` workers pulls the items in order: a true bound on the items
in flight, one task per worker rather than per item.

Anything it does not reproduce exactly falls back to the default (:meth:`FastBatch.plan` says
``None``): a subclass that overrides ``ainvoke``/``agenerate``, keyword arguments that collide
with ``ainvoke``'s own, one config with a ``run_id`` for several inputs (the default warns), a
config list of the wrong length, a ``max_concurrency`` that is not a positive int, or
langchain-core without the helpers used here. The helpers are langchain-core's own (private)
functions, so tracing formats and error metadata stay LangChain's; the tests compare both paths
event by event.

The one difference left: handlers that ``configure`` itself creates (a ``LangChainTracer`` from
the environment, ``StdOutCallbackHandler`` for ``verbose``) are made once per group of items
instead of once per item, as LangChain's own ``agenerate`` does for a batch of message lists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManager
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import Generation, LLMResult
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config

try:  # langchain-core's own steps of ``agenerate``; without them the default path is used
    from langchain_core.language_models._utils import (
        _filter_invocation_params_for_tracing,
        _normalize_messages,
    )
    from langchain_core.language_models.chat_models import (
        _format_for_tracing,
        _format_ls_structured_output,
        _generate_response_from_error,
    )
except ImportError:  # pragma: no cover - another langchain-core
    HELPERS_AVAILABLE = False
else:
    HELPERS_AVAILABLE = True

__all__ = ["FastBatch"]

_DETACHED: set[asyncio.Future[None]] = set()
"""Workers left running after a batch raised (held here so they are not collected)."""

_DEFAULT_CHAIN = ("ainvoke", "agenerate_prompt", "agenerate")
"""The methods whose default behaviour the fast path reproduces: a subclass's own wins."""

_CLAIMED_KWARGS = frozenset(
    {"input", "config", "prompts", "messages", "callbacks", "tags", "metadata", "run_name"}
    | {"run_id"}
)
"""Keyword arguments the default chain passes itself (the default fails on them)."""


def _callbacks_key(callbacks: Any, with_parent: bool) -> Any:
    """What ``configure`` reads of a config's callbacks, comparable with ``==``.

    ``ensure_config`` copies the callbacks of each item's config, so equal callbacks are seldom
    the same object: a list is compared by its handlers, a manager by its fields. Without
    ``with_parent`` a manager's ``parent_run_id`` is left out (see :meth:`FastBatch._manager`).
    """
    if callbacks is None or isinstance(callbacks, list):
        return [id(handler) for handler in callbacks or ()]
    return (
        type(callbacks),
        [id(handler) for handler in callbacks.handlers],
        [id(handler) for handler in callbacks.inheritable_handlers],
        callbacks.parent_run_id if with_parent else None,
        callbacks.tags,
        callbacks.inheritable_tags,
        callbacks.metadata,
        callbacks.inheritable_metadata,
    )


def _group_key(config: RunnableConfig, with_parent: bool) -> tuple[Any, ...]:
    """Items with equal keys get equal callback managers from ``configure``."""
    return (
        _callbacks_key(config.get("callbacks"), with_parent),
        config.get("tags"),
        config.get("metadata"),
    )


def _configs(
    config: RunnableConfig | Sequence[RunnableConfig] | None, length: int
) -> list[RunnableConfig] | None:
    """``get_config_list``'s configs (one ensured config shared when one is given), or None.

    None: the cases the default handles differently (a warning for one ``run_id`` over several
    inputs, an error for a list of the wrong length).
    """
    if isinstance(config, Sequence):
        if len(config) != length:
            return None
        return [ensure_config(item) for item in config]
    if length > 1 and config is not None and config.get("run_id") is not None:
        return None
    return [ensure_config(config)] * length


class FastBatch:
    """One ``abatch`` call: the work common to every item done once, then the items."""

    def __init__(
        self,
        model: BaseChatModel,
        inputs: list[LanguageModelInput],
        configs: list[RunnableConfig],
        kwargs: dict[str, Any],
    ) -> None:
        """Work out what ``agenerate`` would compute identically for every item.

        Raises whatever ``agenerate`` would raise for each item before any callback.
        """
        self.model = model
        self.inputs = inputs
        self.configs = configs
        self.stop: list[str] | None = kwargs.pop("stop", None)
        structured = kwargs.pop("ls_structured_output_format", None) or kwargs.pop(
            "structured_output_format", None
        )
        self.kwargs = kwargs
        self.params = model._get_invocation_params(stop=self.stop, **kwargs)
        self.options = {"stop": self.stop, **_format_ls_structured_output(structured)}
        self.ls_params = dict(model._get_ls_params_with_defaults(stop=self.stop, **kwargs))
        self._last_config: RunnableConfig | None = None
        self._last_key: tuple[Any, ...] = ()
        self._last_manager: AsyncCallbackManager | None = None
        from langsmith.run_helpers import get_tracing_context  # configure reads it too

        # Inside a LangSmith run tree ``configure`` settles each item's parent itself.
        self._run_tree = get_tracing_context()["parent"] is not None

    @classmethod
    def plan(
        cls,
        model: BaseChatModel,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None,
        kwargs: Mapping[str, Any],
    ) -> FastBatch | None:
        """The fast batch for this call, or None where the default must run instead."""
        if not inputs or not HELPERS_AVAILABLE or _CLAIMED_KWARGS.intersection(kwargs):
            return None
        chain = type(model)
        if any(getattr(chain, name) is not getattr(BaseChatModel, name) for name in _DEFAULT_CHAIN):
            return None
        configs = _configs(config, len(inputs))
        if configs is None:
            return None
        limit = configs[0].get("max_concurrency")
        if limit is not None and (type(limit) is not int or limit < 1):
            return None
        try:
            return cls(model, inputs, configs, dict(kwargs))
        except Exception:  # each item of the default raises it: let the default do so
            return None

    async def run(self, *, return_exceptions: bool) -> list[Any]:
        """The outputs in input order; with ``return_exceptions`` an item's error in its place.

        Without it the first error raises once its ``on_llm_error`` ran, and the other items
        carry on in the background (their errors dropped), as under the default's
        ``asyncio.gather``: the failing worker hands its place to a detached one.
        """
        count = len(self.inputs)
        limit = self.configs[0].get("max_concurrency") or count
        results: list[Any] = [None] * count
        pending = iter(range(count))
        work = self._outcome if return_exceptions else self.invoke
        await asyncio.gather(
            *(self._work(work, pending, results) for _ in range(min(limit, count)))
        )
        return results

    async def _work(
        self,
        work: Callable[[int], Awaitable[Any]],
        pending: Iterator[int],
        results: list[Any],
        detached: bool = False,
    ) -> None:
        """One worker: the next pending item until there is none.

        A method, not a closure: a closure calling itself would be a reference cycle holding
        the model (and its connection pool) until the garbage collector runs.
        """
        for index in pending:
            try:
                results[index] = await work(index)
            except Exception:
                if not detached:
                    task = asyncio.ensure_future(self._work(work, pending, results, detached=True))
                    _DETACHED.add(task)
                    task.add_done_callback(_DETACHED.discard)
                    raise

    async def _outcome(self, index: int) -> Any:
        """Item ``index``'s output or its error.

        Caught here, so no frame holding the results list is in the error's traceback: a
        returned error makes no reference cycle.
        """
        try:
            return await self.invoke(index)
        except Exception as error:
            return error

    async def invoke(self, index: int) -> BaseMessage:
        """Item ``index`` as ``ainvoke`` -> ``agenerate_prompt`` -> ``agenerate`` runs it."""
        config = self.configs[index]
        messages = self.model._convert_input(self.inputs[index]).to_messages()
        manager = self._manager(config)
        (run_manager,) = await manager.on_chat_model_start(
            self.model._serialized,
            [_format_for_tracing(messages)],
            invocation_params=dict(self.params),
            options=dict(self.options),
            name=config.get("run_name"),
            batch_size=1,
            run_id=config.get("run_id"),
        )
        normalized = _normalize_messages(messages)
        try:
            result = await self.model._agenerate_with_cache(
                normalized, stop=self.stop, run_manager=run_manager, **self.kwargs
            )
        except Exception as error:
            if run_manager.handlers:  # without handlers the call is a no-op, skipped
                generations = cast("list[Generation]", _generate_response_from_error(error))
                await run_manager.on_llm_error(error, response=LLMResult(generations=[generations]))
            raise
        if run_manager.handlers:
            await run_manager.on_llm_end(
                LLMResult(
                    generations=[cast("list[Generation]", result.generations)],
                    llm_output=result.llm_output,
                )
            )
        return result.generations[0].message

    def _manager(self, config: RunnableConfig) -> AsyncCallbackManager:
        """The callback manager ``agenerate`` configures for ``config``, as a copy of its own.

        ``configure`` runs once per run of consecutive items with equal configs (once per call
        when one config is given). Outside a LangSmith run tree, a parent run manager's
        ``parent_run_id`` is the only thing ``configure`` takes from it besides what the key
        compares, so items that differ only in their parent (the items of a chain's batch) share
        one configured manager, each copy given its item's parent as ``configure`` would.
        """
        if config is not self._last_config:
            key = _group_key(config, self._run_tree)
            if self._last_manager is None or key != self._last_key:
                model = self.model
                self._last_manager = AsyncCallbackManager.configure(
                    config.get("callbacks"),
                    model.callbacks,
                    model.verbose,
                    config.get("tags"),
                    model.tags,
                    {**(config.get("metadata") or {}), **self.ls_params},
                    model.metadata,
                    langsmith_inheritable_metadata=_filter_invocation_params_for_tracing(
                        self.params
                    ),
                )
            self._last_config, self._last_key = config, key
        assert self._last_manager is not None
        manager = self._last_manager.copy()
        if not self._run_tree:
            manager.parent_run_id = getattr(config.get("callbacks"), "parent_run_id", None)
        return manager
