"""The event dispatcher: ``carb.eventdispatcher`` for the connection manager's events.

``get_eventdispatcher()`` is the process-wide dispatcher the connection manager announces its
changes on (the same one Rust code observes)::

    from connection_manager import eventdispatcher, BOOKMARK_ADDED_EVENT
    sub = eventdispatcher.get_eventdispatcher().observe_event(
        event_name=BOOKMARK_ADDED_EVENT,
        on_event=lambda event: print(event["name"], event["url"]),
    )
    ...
    sub.reset()  # or `with ... as sub:`, or drop the last reference

Observers run with the GIL on the dispatching thread, lower ``order`` first; an exception in
one is logged with its traceback and the others still run.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

from . import _native
from ._native import Event, ObserverGuard, RunLoop, type_from_string

__all__ = [
    "Event",
    "EventDispatcher",
    "ObserverGuard",
    "RunLoop",
    "get_eventdispatcher",
    "queue_event",
    "register_event_alias",
    "type_from_string",
]


class EventDispatcher(_native.EventDispatcher):
    """The process-wide event dispatcher (``carb.eventdispatcher.IEventDispatcher``)."""

    async def next_event(
        self,
        event_name: str,
        filter: Optional[Dict[str, Any]] = None,
        order: int = 0,
    ) -> Event:
        """Wait (without blocking the event loop) for the next dispatch of ``event_name`` whose
        payload contains ``filter``; returns that event. If the event loop closes while the
        wait is pending, the observer stops at the next dispatch."""
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[Event]" = loop.create_future()
        guards = []

        def on_event(event: Event) -> None:
            if not loop.is_closed():
                try:
                    loop.call_soon_threadsafe(_resolve, future, event)
                    return
                except RuntimeError:  # closed meanwhile
                    pass
            # The loop closed with this wait still pending: nobody can receive the event, so
            # stop observing rather than fail on every later dispatch.
            for guard in guards:
                guard.reset()

        guard = self.observe_event(
            event_name=event_name,
            on_event=on_event,
            observer_name="next_event",
            order=order,
            filter=filter,
        )
        guards.append(guard)
        try:
            return await future
        finally:
            guard.reset()


def _resolve(future: "asyncio.Future[Event]", event: Event) -> None:
    if not future.done():
        future.set_result(event)


_DISPATCHER = EventDispatcher()


def get_eventdispatcher() -> EventDispatcher:
    """The process-wide event dispatcher."""
    return _DISPATCHER


def queue_event(event_name: str, payload: Optional[Dict[str, Any]] = None, runloop: Optional[str] = None) -> None:
    """``get_eventdispatcher().queue_event``: dispatch ``<event_name>:immediate`` now and queue
    ``event_name`` for the next ``update()`` of ``runloop`` (default: the main loop)."""
    _DISPATCHER.queue_event(event_name, payload, runloop)


def register_event_alias(event_type: int, event_name: str) -> bool:
    """``get_eventdispatcher().register_event_alias`` (Kit's ``omni.kit.app.register_event_alias``):
    make ``event_name`` the alias of the legacy integer type ``event_type``."""
    return _DISPATCHER.register_event_alias(event_type, event_name)
