"""The event dispatcher from Python: observers, payloads, exceptions, guards, filters, order,
queued events and run loops, legacy aliases, `next_event`, and an outside edit of the real
omniverse.toml reaching a Python observer as the right event."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

import connection_manager as cm
from connection_manager import eventdispatcher
from conftest import wait_for


def dispatcher():
    return eventdispatcher.get_eventdispatcher()


def test_an_outside_edit_reaches_a_python_observer_as_the_right_event(manager, config_path):
    assert cm.add_bookmark("Keep", "omniverse://host/Keep/")
    added, deleted, renamed = [], [], []
    d = dispatcher()
    subs = [
        d.observe_event(event_name=cm.BOOKMARK_ADDED_EVENT, on_event=lambda e: added.append(dict(e.payload))),
        d.observe_event(event_name=cm.BOOKMARK_DELETED_EVENT, on_event=lambda e: deleted.append(dict(e.payload))),
        d.observe_event(event_name=cm.BOOKMARK_RENAMED_EVENT, on_event=lambda e: renamed.append(dict(e.payload))),
    ]
    # Another program edits the file: a new bookmark.
    text = config_path.read_text().replace('[bookmarks]\n', '[bookmarks]\nOutside = "omniverse://host/Outside/"\n')
    tmp = config_path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, config_path)
    wait_for(lambda: added, "BOOKMARK_ADDED from the outside edit")
    assert added == [{"name": "Outside", "url": "omniverse://host/Outside/"}]
    assert cm.get_bookmarks()["Outside"] == "omniverse://host/Outside/"
    # A name change of the same URL is a rename; a removed line a delete.
    text = text.replace("Outside =", "Renamed =").replace('Keep = "omniverse://host/Keep/"\n', "")
    tmp.write_text(text)
    os.replace(tmp, config_path)
    wait_for(lambda: renamed and deleted, "BOOKMARK_RENAMED and BOOKMARK_DELETED")
    assert renamed == [{"old_name": "Outside", "new_name": "Renamed", "url": "omniverse://host/Outside/"}]
    assert deleted == [{"name": "Keep", "url": "omniverse://host/Keep/"}]
    for sub in subs:
        sub.reset()


def test_an_exception_in_an_observer_is_logged_with_its_traceback_and_the_others_run(caplog):
    calls = []

    def broken(event):
        raise ValueError("observer failure for the test")

    d = dispatcher()
    first = d.observe_event(event_name="test.exception", on_event=broken, order=0)
    second = d.observe_event(event_name="test.exception", on_event=lambda e: calls.append(e["n"]), order=1)
    with caplog.at_level(logging.ERROR, logger="connection_manager"):
        assert d.dispatch_event("test.exception", {"n": 1}) == 2
        assert d.dispatch_event("test.exception", {"n": 2}) == 2
    assert calls == [1, 2]
    records = [r for r in caplog.records if r.name == "connection_manager"]
    assert len(records) == 2
    assert "broken" in records[0].getMessage()
    assert records[0].exc_info is not None and records[0].exc_info[0] is ValueError
    assert "observer failure for the test" in caplog.text and "Traceback" in caplog.text
    assert "in broken" in caplog.text  # the frame that raised
    first.reset()
    second.reset()


def test_payload_values_round_trip_and_read_like_a_dict():
    got = []
    with dispatcher().observe_event(event_name="test.payload", on_event=got.append) as sub:
        payload = {"url": "omniverse://h/", "n": -3, "big": 2**63, "f": 1.5, "ok": True,
                   "none": None, "list": [1, "a", [2.0]], "map": {"k": "v"}}
        assert dispatcher().dispatch_event("test.payload", payload) == 1
        assert sub.is_active
        with pytest.raises(TypeError):  # checked whenever someone observes the name
            dispatcher().dispatch_event("test.payload", {"bad": object()})
    assert not sub.is_active
    event = got[0]
    assert event.event_name == "test.payload"
    assert event["url"] == "omniverse://h/" and event.payload == payload
    assert event.get("missing", 7) == 7 and "n" in event and "missing" not in event
    with pytest.raises(KeyError):
        event["missing"]
    assert dispatcher().dispatch_event("test.payload", {}) == 0  # reset: no observer left


def test_order_filter_enable_and_has_observers():
    seen = []
    d = dispatcher()
    late = d.observe_event(event_name="test.order", on_event=lambda e: seen.append("late"), order=10)
    early = d.observe_event(event_name="test.order", on_event=lambda e: seen.append("early"), order=-1)
    only7 = d.observe_event(event_name="test.order", on_event=lambda e: seen.append("7"), filter={"id": 7})
    d.dispatch_event("test.order", {"id": 1})
    assert seen == ["early", "late"]
    seen.clear()
    d.dispatch_event("test.order", {"id": 7})
    assert seen == ["early", "7", "late"]
    assert d.has_observers("test.order")
    late.enabled = False
    early.reset()
    assert d.has_observers("test.order") is False  # only the filtered one is left enabled
    assert d.has_observers("test.order", {"id": 7})
    only7.reset()
    late.reset()
    assert d.observer_count("test.order") == 0


def test_queue_event_runs_immediate_now_and_deferred_on_the_run_loop():
    seen = []
    d = dispatcher()
    loop = eventdispatcher.RunLoop("python-test")
    now = d.observe_event(event_name="test.queued:immediate", on_event=lambda e: seen.append(("now", e["x"])))
    later = d.observe_event(event_name="test.queued", on_event=lambda e: seen.append(("later", e["x"])))
    frames = d.observe_event(event_name="runloop:python-test:update", on_event=lambda e: seen.append("frame"))
    d.queue_event("test.queued", {"x": 1}, runloop="python-test")
    assert seen == [("now", 1)]
    assert loop.update(1 / 60) == 1
    assert seen == [("now", 1), "frame", ("later", 1)]
    eventdispatcher.queue_event("test.queued", {"x": 2}, runloop="python-test")
    assert loop.tick() == 1 and seen[-1] == ("later", 2)
    assert loop.frame_number == 2
    with pytest.raises(RuntimeError):
        d.queue_event("test.queued", {}, runloop="no-such-loop")
    for sub in (now, later, frames):
        sub.reset()


def test_type_from_string_and_aliases_match_rust():
    # The same FNV-1a 64 integers as cm_events::type_from_string (its unit test's vectors).
    assert eventdispatcher.type_from_string("") == 0xCBF29CE484222325
    assert eventdispatcher.type_from_string("a") == 0xAF63DC4C8601EC8C
    assert eventdispatcher.type_from_string("foobar") == 0x85944171F73967E8
    d = dispatcher()
    legacy = eventdispatcher.type_from_string("test.alias:legacy")
    assert d.register_event_alias(legacy, "test.alias")
    assert d.register_event_alias(legacy, "test.alias") is False  # already registered
    assert d.unregister_event_alias(legacy)
    assert d.unregister_event_alias(legacy) is False
    # The module-level form (Kit's omni.kit.app.register_event_alias).
    assert eventdispatcher.register_event_alias(legacy, "test.alias")
    assert d.unregister_event_alias(legacy)


def test_next_event_is_awaitable():
    d = dispatcher()

    async def main():
        waiting = asyncio.ensure_future(d.next_event("test.next", filter={"k": 2}))
        await asyncio.sleep(0)  # let it register
        wait_for(lambda: d.has_observers("test.next", {"k": 2}), "next_event's observer")
        d.dispatch_event("test.next", {"k": 1})
        d.dispatch_event("test.next", {"k": 2, "v": "x"})
        event = await asyncio.wait_for(waiting, 30)
        return event

    event = asyncio.run(main())
    assert event["v"] == "x"
    assert d.has_observers("test.next") is False  # the one-shot observer is gone


def test_an_observer_that_resets_itself_does_not_deadlock():
    calls = []
    holder = {}

    def once(event):
        calls.append(1)
        holder["sub"].reset()

    holder["sub"] = dispatcher().observe_event(event_name="test.self_reset", on_event=once)
    dispatcher().dispatch_event("test.self_reset")
    dispatcher().dispatch_event("test.self_reset")
    assert calls == [1]
