"""No crash at interpreter exit: a process that leaves the manager running, with Python
observers registered and events firing from Rust and Python threads, exits cleanly."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, threading
    import connection_manager as cm
    from connection_manager import eventdispatcher

    cm.startup(sys.argv[1], retry_budget=5.0)
    d = eventdispatcher.get_eventdispatcher()
    seen = []
    keep = [
        d.observe_event(event_name=cm.BOOKMARK_ADDED_EVENT, on_event=lambda e: seen.append(e["url"])),
        d.observe_event(event_name=cm.DISCOVERY_SERVER_UPDATED_EVENT, on_event=lambda e: seen.append(e["url"])),
        d.observe_event(event_name="exit.test", on_event=lambda e: seen.append(1)),
    ]
    cm.get_instance().registry.add_discovery_server(name="d", discovery_url=sys.argv[2])
    cm.register_auth_callback("", lambda request: None)

    def busy():
        i = 0
        while True:  # still running when the interpreter exits (a daemon thread)
            d.dispatch_event("exit.test", {"i": i})
            cm.add_bookmark(f"b{i}", f"omniverse://host/b{i}/")
            i += 1

    threading.Thread(target=busy, daemon=True).start()
    while len(seen) < 20:
        pass
    print("exiting with", len(seen) > 0)
    # No shutdown(): the atexit hook must stop the manager and silence the callbacks.
    """
)


def test_the_interpreter_exits_cleanly_with_the_manager_running(tmp_path, testkit):
    server = testkit()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "omniverse.toml"), server.discovery_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "exiting with True" in result.stdout
    for crash in ("Fatal Python error", "panicked", "Segmentation fault", "Traceback"):
        assert crash not in result.stderr, result.stderr
