"""Regressions from the issue-20 attack on the event bindings: payloads that contain themselves
or nest too deep, a guard reset on the manager's thread while its observer runs elsewhere, a
RunLoop pumped from the wrong thread, the guard's order after reset, queue_event's hint."""

from __future__ import annotations

import threading

import pytest

import connection_manager as cm
from connection_manager import eventdispatcher
from conftest import DEADLINE_SECS, wait_for


def dispatcher():
    return eventdispatcher.get_eventdispatcher()


def _cyclic_list():
    items = []
    items.append(items)
    return {"a": items}


def _cyclic_dict():
    payload = {}
    payload["self"] = payload
    return payload


def _deep_list(depth=200_000):
    x = []
    for _ in range(depth):
        x = [x]
    return {"a": x}


@pytest.mark.parametrize("make", [_cyclic_list, _cyclic_dict, _deep_list], ids=["list-cycle", "dict-cycle", "deep"])
def test_a_cyclic_or_deep_payload_is_a_value_error_not_a_crash(make):
    d = dispatcher()
    with d.observe_event(event_name="attack.cycle", on_event=lambda e: None):
        with pytest.raises(ValueError, match="contains itself|nested deeper"):
            d.dispatch_event("attack.cycle", make())
        with pytest.raises(ValueError):
            d.has_observers("attack.cycle", filter=make())
    with pytest.raises(ValueError):
        d.queue_event("attack.cycle", make(), runloop="nowhere")


def test_a_shared_but_acyclic_payload_still_converts():
    shared = [1, 2]
    seen = []
    d = dispatcher()
    with d.observe_event(event_name="attack.shared", on_event=lambda e: seen.append(e.payload)):
        nested = [[[[[1]]]]] * 3
        assert d.dispatch_event("attack.shared", {"a": shared, "b": shared, "c": {"d": shared}, "n": nested}) == 1
    assert seen == [{"a": [1, 2], "b": [1, 2], "c": {"d": [1, 2]}, "n": [[[[[1]]]]] * 3}]


def test_guard_reset_on_the_manager_thread_does_not_deadlock_with_an_observer_waiting_for_it(manager):
    d = dispatcher()
    state = {}
    calls = []

    def x(e):
        calls.append(threading.get_ident())
        state["add"] = cm.add_bookmark("from_x", "omniverse://h/x/")  # waits for the manager's thread
        state["x"] = "left"

    gx = d.observe_event(event_name="attack.guard", on_event=x)

    def y(e):
        gx.reset()  # on the manager's thread, while x runs on the dispatching thread
        state["y"] = "reset done"
        state["active_after_reset"] = gx.is_active

    gy = d.observe_event(event_name=cm.BOOKMARK_ADDED_EVENT, on_event=y)
    t = threading.Thread(target=lambda: d.dispatch_event("attack.guard"), daemon=True)
    t.start()
    t.join(DEADLINE_SECS)
    assert not t.is_alive(), f"deadlock: {state}"
    assert state == {"add": True, "x": "left", "y": "reset done", "active_after_reset": False}
    # The reset observer is never called again, and the manager still answers.
    assert d.dispatch_event("attack.guard") == 0 or len(calls) == 1
    assert len(calls) == 1
    wait_for(lambda: d.observer_count("attack.guard") == 0, "the helper thread removing the reset observer")
    assert cm.add_bookmark("later", "omniverse://h/later/")
    gy.reset()


def test_runloop_update_from_another_thread_is_a_runtime_error():
    loop = eventdispatcher.RunLoop("attack-owned")
    caught = []

    def other():
        try:
            loop.update(0.1)
        except BaseException as e:  # noqa: BLE001 - the test is which kind
            caught.append(e)

    t = threading.Thread(target=other)
    t.start()
    t.join(DEADLINE_SECS)
    assert len(caught) == 1 and type(caught[0]) is RuntimeError, caught
    assert "belongs to the thread that made it" in str(caught[0])
    assert loop.update(0.1) == 0  # the owner still pumps it


def test_guard_order_is_none_after_reset():
    guard = dispatcher().observe_event(event_name="attack.order", on_event=lambda e: None, order=5)
    assert guard.order == 5
    guard.reset()
    assert guard.order is None
    assert not guard.is_active


def test_queue_event_without_its_run_loop_says_what_to_create():
    with pytest.raises(RuntimeError, match=r'RunLoop\("attack-missing"\)'):
        dispatcher().queue_event("q", {"a": 1}, runloop="attack-missing")


def test_next_event_whose_loop_closed_stops_observing_at_the_next_dispatch():
    import asyncio
    import gc

    d = dispatcher()

    async def start():
        asyncio.ensure_future(d.next_event("attack.loop-closed"))
        await asyncio.sleep(0.01)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(start())
    loop.close()
    gc.collect()
    assert d.observer_count("attack.loop-closed") == 1
    d.dispatch_event("attack.loop-closed", {})
    wait_for(lambda: d.observer_count("attack.loop-closed") == 0, "the orphaned next_event observer to stop")
    assert d.dispatch_event("attack.loop-closed", {}) == 0
