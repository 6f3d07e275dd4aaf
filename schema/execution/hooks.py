"""A leaner runner for the schema extensions' lifecycle hooks (``on_operation``, ``on_parse``,
``on_validate``, ``on_execute``), with Strawberry's semantics.

Strawberry's runner looks every hook up again for each phase of each request (an ``inspect``
of the function, a ``contextlib`` wrapper and a bound method per extension) and enters them on
an ``ExitStack``: with three extensions that was about a tenth of the CPU an uncached home
page costs. Here the kind of each hook is found once per extension class, and a phase drives
the hooks' generators directly, as Strawberry's does: entered in the extensions' order (a hook
that raises while entering ends the phase there, and the hooks entered before it are not
resumed), resumed in reverse; an exception inside the phase is thrown into each running hook in
turn, and goes on afterwards unless a hook raised another one, which replaces it (a hook cannot
suppress it). ``tests/execution/test_extension_hooks.py`` holds the two runners to the same
calls and outcomes. ``on_stream_result`` (incremental delivery) stays Strawberry's.
"""

from __future__ import annotations

import inspect
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

# How a hook runs: a generator (``yield`` once), an async generator, or a plain function or
# coroutine function called on entry (nothing to do on exit).
GENERATOR, ASYNC_GENERATOR, CALL, ASYNC_CALL = range(4)
T = TypeVar("T")
_kinds: dict[tuple[type, str], tuple[Any, int] | None] = {}


def _hook(cls: type, name: str) -> tuple[Any, int] | None:
    key = (cls, name)
    if key in _kinds:
        return _kinds[key]
    function = getattr(cls, name)
    found: tuple[Any, int] | None
    if function is getattr(SchemaExtension, name):
        found = None
    elif inspect.isasyncgenfunction(function):
        found = (function, ASYNC_GENERATOR)
    elif inspect.isgeneratorfunction(function):
        found = (function, GENERATOR)
    elif inspect.iscoroutinefunction(function):
        found = (function, ASYNC_CALL)
    elif callable(function):
        found = (function, CALL)
    else:
        raise ValueError(f"Hook {name} on {cls.__name__} must be callable, received {function!r}")
    _kinds[key] = found
    return found


class Phase:
    """One lifecycle phase's hooks, as a context manager (``async with``, or ``with`` when
    every hook is synchronous: the same code, run without an event loop)."""

    __slots__ = ("hooks", "name", "running")

    def __init__(self, extensions: list[SchemaExtension], name: str) -> None:
        self.name = name
        self.hooks: list[tuple[SchemaExtension, Any, int]] = []
        for extension in extensions:
            found = _hook(type(extension), name)
            if found is not None:
                self.hooks.append((extension, *found))
        self.running: list[tuple[Any, bool]] = []

    async def __aenter__(self) -> None:
        await self._enter(synchronously=False)

    def __enter__(self) -> None:
        _run_synchronously(self._enter(synchronously=True))

    async def _enter(self, *, synchronously: bool) -> None:
        for extension, function, kind in self.hooks:
            if synchronously and kind in (ASYNC_GENERATOR, ASYNC_CALL):
                raise RuntimeError(
                    f"SchemaExtension hook {extension}.{self.name} "
                    "failed to complete synchronously."
                )
            if kind == ASYNC_GENERATOR:
                generator = function(extension)
                await generator.__anext__()
                self.running.append((generator, True))
            elif kind == GENERATOR:
                generator = function(extension)
                next(generator)
                self.running.append((generator, False))
            elif kind == ASYNC_CALL:
                await function(extension)
            else:
                function(extension)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        pending = exc
        while self.running:
            generator, is_async = self.running.pop()
            try:
                if is_async:
                    if pending is None:
                        await generator.__anext__()
                    else:
                        await generator.athrow(pending)
                elif pending is None:
                    next(generator)
                else:
                    generator.throw(pending)
            except (StopIteration, StopAsyncIteration):
                pending = None  # finished: an exception thrown in was handled there
            except BaseException as raised:  # the hook re-raised it, or raised another
                pending = raised
            else:
                pending = RuntimeError(f"SchemaExtension hook {self.name} did not stop")
        return self._outcome(exc, pending)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        return _run_synchronously(self.__aexit__(exc_type, exc, traceback))

    @staticmethod
    def _outcome(exc: BaseException | None, pending: BaseException | None) -> bool:
        """The phase's own exception goes on (Strawberry never lets a hook suppress it),
        unless a hook raised another one."""
        if pending is not None and pending is not exc:
            raise pending
        return False


def _run_synchronously(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (every hook it drives is synchronous)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]  # the coroutine's return value
    coroutine.close()
    raise RuntimeError("a synchronous extension phase suspended")


class HookRunner(SchemaExtensionsRunner):
    """Strawberry's runner with ``Phase`` for the four operation phases."""

    def operation(self) -> Phase:  # type: ignore[override]  # the same protocol (async with / with)
        return Phase(self.extensions, "on_operation")

    def validation(self) -> Phase:  # type: ignore[override]  # as above
        return Phase(self.extensions, "on_validate")

    def parsing(self) -> Phase:  # type: ignore[override]  # as above
        return Phase(self.extensions, "on_parse")

    def executing(self) -> Phase:  # type: ignore[override]  # as above
        return Phase(self.extensions, "on_execute")
