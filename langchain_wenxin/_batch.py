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
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackManager, AsyncCallbackManagerForLLMRun
from langchain_core.globals import get_llm_cache
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, Generation, LLMResult
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config
from langchain_core.utils.utils import LC_ID_PREFIX

from langchain_wenxin._construct import construct
from langchain_wenxin._replies import ai_message, chat_generation
from langchain_wenxin.errors import translate_error
from wenxin_core.errors import WenxinError

if TYPE_CHECKING:
    from langchain_wenxin.chat_models import ChatWenxin

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
    from langchain_core.utils.uuid import uuid7
except ImportError:  # pragma: no cover - another langchain-core
    HELPERS_AVAILABLE = False
else:
    HELPERS_AVAILABLE = True

__all__ = ["DirectCall", "FastBatch"]

_DETACHED: set[asyncio.Future[None]] = set()
"""Workers left running after a batch raised (held here so they are not collected)."""

_DEFAULT_CHAIN = ("agenerate_prompt", "agenerate")
"""The methods whose default behaviour the fast path reproduces: a subclass's own wins (and
``ainvoke``, for a batch: LangChain's or ``ChatWenxin``'s own, which takes this path too)."""

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


class DirectCall(NamedTuple):
    """The core call every item of a batch makes, worked out once (``ChatWenxin._direct_call``).

    ``model``: the model; ``args``: the core's call arguments (``ChatWenxin._call_args`` of the
    batch's ``stop`` and keyword arguments); ``label``: the model name reported when the
    service names none.
    """

    model: ChatWenxin
    args: dict[str, Any]
    label: str


_PROTOCOL_STREAMING = hasattr(BaseChatModel, "_should_use_protocol_streaming")
"""Whether this langchain-core's ``_agenerate_with_cache`` has the v2 event path to rule out."""


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
        direct = getattr(model, "_direct_call", None)  # ChatWenxin's; any model batches here
        self.call: DirectCall | None = direct(self.stop, kwargs) if direct is not None else None
        self._plain_input = type(model)._convert_input is BaseChatModel._convert_input
        self._last_config: RunnableConfig | None = None
        self._last_key: tuple[Any, ...] = ()
        self._last_manager: AsyncCallbackManager | None = None
        self._fresh: RunnableConfig | None = None
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
        *,
        own_ainvoke: object = None,
    ) -> FastBatch | None:
        """The fast batch for this call, or None where the default must run instead.

        ``own_ainvoke``: for a batch, the model class's own ``ainvoke`` (which takes this path
        too, so a batch over it is a batch over LangChain's); None from ``ainvoke`` itself.
        """
        if not inputs or not HELPERS_AVAILABLE or _CLAIMED_KWARGS.intersection(kwargs):
            return None
        chain = type(model)
        if any(getattr(chain, name) is not getattr(BaseChatModel, name) for name in _DEFAULT_CHAIN):
            return None
        if own_ainvoke is not None and chain.ainvoke not in (BaseChatModel.ainvoke, own_ainvoke):
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
        work = self._outcome if return_exceptions else self.start
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
            return await self.start(index)
        except Exception as error:
            return error

    def start(self, index: int) -> Awaitable[BaseMessage]:
        """Item ``index`` as ``ainvoke`` -> ``agenerate_prompt`` -> ``agenerate`` runs it.

        Its input conversion and callback manager are done here, before the awaitable is
        returned, as the default does them before its first await. With no handler to call,
        the callbacks are skipped whole (each would be a no-op: only the run id is used, for a
        message the service gave no id) and, where ``_agenerate_with_cache`` would only call
        ``_agenerate``, the core is called directly by a coroutine holding neither this batch
        nor the LangChain messages while it waits.
        """
        config = self.configs[index]
        messages = self._messages(self.inputs[index])
        manager = self._configured(config)
        if manager.handlers or not self._direct(None):
            return self._traced(manager, config, messages)
        if not all(type(message.content) is str for message in messages):
            messages = _normalize_messages(messages)  # text only: it would copy the list
        return _direct_message(cast("DirectCall", self.call), messages, config.get("run_id"))

    async def _traced(
        self, manager: AsyncCallbackManager, config: RunnableConfig, messages: list[BaseMessage]
    ) -> BaseMessage:
        """An item with its callbacks: start, the model call, then end or error."""
        run_manager = await self._start(manager, config, messages)
        normalized = _normalize_messages(messages)
        try:
            generations, llm_output = await self._generate(normalized, run_manager)
        except Exception as error:
            if run_manager.handlers:  # without handlers the call is a no-op, skipped
                errors = cast("list[Generation]", _generate_response_from_error(error))
                await run_manager.on_llm_error(error, response=LLMResult(generations=[errors]))
            raise
        if run_manager.handlers:
            outputs = cast("list[Generation]", generations)
            await run_manager.on_llm_end(LLMResult(generations=[outputs], llm_output=llm_output))
        return generations[0].message

    def _messages(self, value: LanguageModelInput) -> list[BaseMessage]:
        """``_convert_input(value).to_messages()``; a string's one ``HumanMessage`` unvalidated.

        A string becomes ``StringPromptValue(text=value)``, whose messages are
        ``[HumanMessage(content=value)]``: the same message, built unvalidated (a string is
        valid content).
        """
        if type(value) is str and self._plain_input:
            values: dict[str, Any] = {
                "content": value,
                "additional_kwargs": {},
                "response_metadata": {},
                "type": "human",
                "name": None,
                "id": None,
            }
            return [construct(HumanMessage, values, {"content"})]
        return self.model._convert_input(value).to_messages()

    async def _start(
        self, manager: AsyncCallbackManager, config: RunnableConfig, messages: list[BaseMessage]
    ) -> AsyncCallbackManagerForLLMRun:
        """``on_chat_model_start`` of one item: its run manager."""
        (run_manager,) = await self._own(manager, config).on_chat_model_start(
            self.model._serialized,
            [_format_for_tracing(messages)],
            invocation_params=dict(self.params),
            options=dict(self.options),
            name=config.get("run_name"),
            batch_size=1,
            run_id=config.get("run_id"),
        )
        return run_manager

    def _direct(self, run_manager: AsyncCallbackManagerForLLMRun | None) -> bool:
        """Whether ``_agenerate_with_cache`` would only call ``_agenerate`` for this item.

        That is: the model's own ``_agenerate`` (see ``ChatWenxin._direct_call``), no cache to
        look up (``cache=False``, or none set and no global one), no stream (its own rules,
        asked as it asks them) and no v1 content blocks to make. ``run_manager``: the item's,
        None when it has no handler.
        """
        model = self.model
        if self.call is None or model.output_version == "v1":
            return False
        cache = model.cache
        if cache is not False and (cache is not None or get_llm_cache() is not None):
            return False
        if (
            run_manager is not None
            and _PROTOCOL_STREAMING
            and model._should_use_protocol_streaming(
                async_api=True, run_manager=run_manager, **self.kwargs
            )
        ):
            return False
        return not model._should_stream(async_api=True, run_manager=run_manager, **self.kwargs)

    async def _generate(
        self, messages: list[BaseMessage], run_manager: AsyncCallbackManagerForLLMRun
    ) -> tuple[list[ChatGeneration], dict[str, Any] | None]:
        """The generations and ``llm_output`` of ``_agenerate_with_cache`` for one item."""
        if self._direct(run_manager):
            call = cast("DirectCall", self.call)
            message = await _direct_message(call, messages, run_manager.run_id)
            return [chat_generation(message)], None
        result = await self.model._agenerate_with_cache(
            messages, stop=self.stop, run_manager=run_manager, **self.kwargs
        )
        return result.generations, result.llm_output

    def _configured(self, config: RunnableConfig) -> AsyncCallbackManager:
        """The callback manager ``agenerate`` configures for ``config`` (shared: see :meth:`_own`).

        ``configure`` runs once per run of consecutive items with equal configs (once per call
        when one config is given). Outside a LangSmith run tree, a parent run manager's
        ``parent_run_id`` is the only thing ``configure`` takes from it besides what the key
        compares, so items that differ only in their parent (the items of a chain's batch) share
        one configured manager.
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
                self._fresh = config  # the config configure made it for
            self._last_config, self._last_key = config, key
        assert self._last_manager is not None
        return self._last_manager

    def _own(self, manager: AsyncCallbackManager, config: RunnableConfig) -> AsyncCallbackManager:
        """The item's own manager: the configured one, or a copy with the item's parent.

        The configured manager goes (once) to the item it was configured for; any other item
        gets a copy given its parent as ``configure`` would, so no two runs share its state.
        """
        if self._fresh is config:
            self._fresh = None
            return manager
        manager = manager.copy()
        if not self._run_tree:
            manager.parent_run_id = getattr(config.get("callbacks"), "parent_run_id", None)
        return manager


async def _direct_message(
    call: DirectCall, messages: list[BaseMessage], run_id: UUID | None
) -> AIMessage:
    """``_agenerate_with_cache``'s work where it only calls ``_agenerate``, done directly.

    The rate limiter, ``ChatWenxin._agenerate``'s core call and message, then the message id
    the default gives an answer without one: ``run_id``'s (the item's run), else a fresh
    one, as ``on_chat_model_start`` makes when the config names none.
    """
    model = call.model
    if model.rate_limiter:
        await model.rate_limiter.aacquire(blocking=True)
    try:
        pending = model._core_chat(messages, call.args)
        del messages  # not held while the call waits: the core has its own turns
        completion = await pending
    except WenxinError as error:
        raise translate_error(error) from error.__cause__
    message = ai_message(completion, call.label)
    if message.id is None:
        message.id = f"{LC_ID_PREFIX}-{run_id if run_id is not None else uuid7()}-0"
    return message
