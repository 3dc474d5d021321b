"""8 Python threads calling the API at once while events fire, and the GIL rules that keep
that from deadlocking (every blocking call releases the GIL; callbacks run with it)."""

from __future__ import annotations

import logging
import threading
import tomllib

import connection_manager as cm
from connection_manager import eventdispatcher
from conftest import DEADLINE_SECS, wait_for

THREADS = 8
ROUNDS = 10


def test_eight_python_threads_call_the_api_at_once_while_events_fire(manager, config_path):
    d = eventdispatcher.get_eventdispatcher()
    lock = threading.Lock()
    counts = {"added": 0, "deleted": 0, "dispatched": 0, "reads": 0}

    def count(key):
        def on_event(event):
            with lock:
                counts[key] += 1
        return on_event

    def read_on_manager_thread(event):
        # A non-blocking read from inside an observer (on the registry's thread) is fine.
        cm.get_bookmarks()
        with lock:
            counts["reads"] += 1

    subs = [
        d.observe_event(event_name=cm.BOOKMARK_ADDED_EVENT, on_event=count("added")),
        d.observe_event(event_name=cm.BOOKMARK_ADDED_EVENT, on_event=read_on_manager_thread),
        d.observe_event(event_name=cm.BOOKMARK_DELETED_EVENT, on_event=count("deleted")),
        d.observe_event(event_name="test.threads", on_event=count("dispatched")),
    ]
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(i):
        try:
            barrier.wait(timeout=DEADLINE_SECS)
            for j in range(ROUNDS):
                assert cm.add_bookmark(f"t{i}-{j}", f"omniverse://host/t{i}/{j}/")
                assert f"t{i}-{j}" in cm.get_bookmarks()
                assert d.dispatch_event("test.threads", {"i": i, "j": j}) == 1
                assert cm.ensure_connection_sync("https://example.com/scene.usd")
                manager.registry.get_manual_servers()
                if j % 2:
                    assert cm.remove_bookmark(f"t{i}-{j}")
        except BaseException as error:  # reported below with the thread's number
            errors.append((i, repr(error)))

    threads = [threading.Thread(target=worker, args=(i,), name=f"worker-{i}") for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECS * 4)
    assert not [t.name for t in threads if t.is_alive()], "a thread is stuck (deadlock?)"
    assert errors == []

    kept = {f"t{i}-{j}": f"omniverse://host/t{i}/{j}/" for i in range(THREADS) for j in range(0, ROUNDS, 2)}
    assert cm.get_bookmarks() == kept
    with open(config_path, "rb") as f:
        assert tomllib.load(f)["bookmarks"] == kept
    # Registry events are dispatched before the change answers: all have been counted.
    assert counts == {
        "added": THREADS * ROUNDS,
        "deleted": THREADS * ROUNDS // 2,
        "dispatched": THREADS * ROUNDS,
        "reads": THREADS * ROUNDS,
    }
    for sub in subs:
        sub.reset()


def test_a_blocking_call_from_the_managers_own_thread_is_refused_not_deadlocked(manager, caplog):
    d = eventdispatcher.get_eventdispatcher()

    def add_from_observer(event):
        if event["name"] == "first":
            cm.add_bookmark("second", "omniverse://host/second/")  # would wait for itself

    sub = d.observe_event(event_name=cm.BOOKMARK_ADDED_EVENT, on_event=add_from_observer)
    with caplog.at_level(logging.ERROR, logger="connection_manager"):
        assert cm.add_bookmark("first", "omniverse://host/first/")
    assert "RuntimeError" in caplog.text and "own thread" in caplog.text
    assert cm.get_bookmarks() == {"first": "omniverse://host/first/"}
    sub.reset()


def test_reset_from_another_thread_while_a_callback_runs_does_not_deadlock():
    d = eventdispatcher.get_eventdispatcher()
    inside = threading.Event()
    release = threading.Event()

    def slow(event):
        inside.set()
        release.wait(DEADLINE_SECS)

    sub = d.observe_event(event_name="test.slow", on_event=slow)
    dispatching = threading.Thread(target=d.dispatch_event, args=("test.slow",))
    dispatching.start()
    wait_for(inside.is_set, "the callback to start")
    # reset() waits for the callback, which needs the GIL: reset must have released it.
    resetter = threading.Thread(target=sub.reset)
    resetter.start()
    release.set()
    resetter.join(DEADLINE_SECS)
    dispatching.join(DEADLINE_SECS)
    assert not resetter.is_alive() and not dispatching.is_alive()
    assert not sub.is_active
