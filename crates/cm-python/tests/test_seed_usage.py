"""The seed's "Usage" snippets (the Kit extension's documentation), run as written with only
their import lines changed (`omni.kit.widget.connection_manager` -> `connection_manager`,
`from carb import eventdispatcher` -> `from connection_manager import eventdispatcher`).
Each snippet sits between `# --- seed snippet ---` and `# --- end of snippet ---`; a top-level
`await` is inside an `async def` run by `asyncio.run`. What surrounds a snippet only sets up
the names it uses (`url`) and checks what it did, through the real omniverse.toml.
"""

from __future__ import annotations

import asyncio
import tomllib

from conftest import wait_for


def read_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def test_ensuring_a_server_is_reachable(manager, testkit):
    server = testkit()
    url = server.storage_url + "path/to/file.usd"

    async def snippet():
        # --- seed snippet ---
        from connection_manager import ensure_connection

        # Returns True if reachable, False on failure
        success = await ensure_connection("omniverse://my-server/path/to/file.usd")

        # With a progress dialog for callers without their own UI
        success = await ensure_connection(url, show_connecting_dialog=True)
        # --- end of snippet ---
        return success

    assert asyncio.run(snippet()) is True
    assert manager.connection_status(url) == "Connected"


def test_ensure_connection_answers_false_for_an_unreachable_server(manager):
    from connection_manager import ensure_connection

    # "my-server" does not resolve here: the first call of the snippet answers False.
    assert asyncio.run(ensure_connection("omniverse://my-server/path/to/file.usd")) is False
    # http(s) is always reachable, without a round trip.
    assert asyncio.run(ensure_connection("https://example.com/a.usd")) is True


def test_adding_servers_programmatically(manager, config_path):
    # --- seed snippet ---
    from connection_manager import get_instance

    cm = get_instance()

    # Discovery server (triggers omni.client storage discovery)
    sid = cm.registry.add_discovery_server(
        name="My Storage",
        discovery_url="https://discovery.example.com/",
    )

    # Manual Nucleus server
    sid = cm.registry.add_manual_server(
        name="my-server",
        url="omniverse://my-server/",
    )

    # Manual HTTP server
    sid = cm.registry.add_manual_server(
        name="S3 Bucket",
        url="https://mybucket.s3.amazonaws.com/",
    )
    # --- end of snippet ---

    assert isinstance(sid, int)
    data = read_toml(config_path)
    assert data["servers"] == {
        "omniverse://my-server": "my-server",
        "https://mybucket.s3.amazonaws.com": "S3 Bucket",
    }
    assert [(d["name"], d["url"]) for d in data["discovery_servers"]] == [
        ("My Storage", "https://discovery.example.com/")
    ]
    assert cm.registry.get_server_id_by_name("S3 Bucket") == sid


def test_showing_add_server_dialogs(manager, testkit, capsys):
    server = testkit()
    # --- seed snippet ---
    from connection_manager import (
        show_add_discovery_server_dialog,
        show_add_nucleus_server_dialog,
        show_add_http_server_dialog,
    )

    # Each accepts optional on_success and on_failed callbacks
    show_add_discovery_server_dialog(
        on_success=lambda name, url, sid: print(f"Added {name}"),
        on_failed=lambda: print("Cancelled"),
    )
    # --- end of snippet ---

    # The dialog stays open (as Kit's window does) until a UI drives it to an end.
    import connection_manager

    dialog = connection_manager.get_open_dialog()
    assert dialog is not None and dialog.kind == "discovery"
    assert dialog.state["state"] == "input"
    # "Only one dialog can be active at a time": a second call invokes its on_failed at once.
    failed = []
    assert show_add_http_server_dialog(on_failed=lambda: failed.append(True)) is None
    assert show_add_nucleus_server_dialog(on_failed=lambda: failed.append(True)) is None
    assert failed == [True, True]

    assert dialog.set_name("Loopback")
    assert dialog.set_url(server.discovery_url)
    final = dialog.submit()
    assert final["state"] == "success", final
    assert "Added Loopback" in capsys.readouterr().out
    assert connection_manager.get_open_dialog() is None
    assert manager.registry.get_discovery_server(server.discovery_url).name == "Loopback"

    # A cancelled dialog calls on_failed.
    again = show_add_http_server_dialog(on_failed=lambda: print("Cancelled"))
    assert again is not None and again.cancel()
    assert "Cancelled" in capsys.readouterr().out


def test_disconnecting_and_reconnecting(manager, testkit):
    server = testkit()
    assert asyncio.run(__import__("connection_manager").ensure_connection(server.storage_url))
    # --- seed snippet ---
    from connection_manager import disconnect, reconnect

    disconnect("omniverse://my-server/")  # Signs out from Nucleus
    reconnect("omniverse://my-server/")  # Reconnects asynchronously
    # --- end of snippet ---

    # "Both are no-ops for non-Nucleus URLs."
    assert disconnect("https://example.com/") is False
    assert reconnect("https://example.com/") is False
    # And for a Nucleus server they do what they say.
    assert disconnect(server.storage_url) is True
    assert manager.connection_status(server.storage_url) == "SignedOut"
    assert reconnect(server.storage_url) is True
    wait_for(lambda: manager.connection_status(server.storage_url) == "Connected", "the reconnect")


def test_managing_bookmarks(start_manager, config_path):
    config_path.write_text('[bookmarks]\n"Old Name" = "omniverse://my-server/Projects/"\n')
    start_manager()
    # --- seed snippet ---
    from connection_manager import (
        get_bookmarks,
        add_bookmark,
        remove_bookmark,
        rename_bookmark,
    )

    # Get all bookmarks (name -> url)
    bookmarks = get_bookmarks()

    # Add a bookmark
    add_bookmark("My Project", "omniverse://my-server/Projects/MyProject/")

    # Remove by name
    remove_bookmark("My Project")

    # Rename (old_name, new_name, url)
    rename_bookmark("Old Name", "New Name", "omniverse://my-server/Projects/")
    # --- end of snippet ---

    assert bookmarks == {"Old Name": "omniverse://my-server/Projects/"}
    assert get_bookmarks() == {"New Name": "omniverse://my-server/Projects/"}
    assert read_toml(config_path)["bookmarks"] == {"New Name": "omniverse://my-server/Projects/"}


def test_listening_for_events(manager, testkit, capsys):
    server = testkit()
    # --- seed snippet ---
    from connection_manager import eventdispatcher
    from connection_manager import (
        BOOKMARK_ADDED_EVENT,
        BOOKMARK_DELETED_EVENT,
        BOOKMARK_RENAMED_EVENT,
        CONNECTION_SUCCEEDED_EVENT,
        DISCOVERY_SERVER_ADDED_EVENT,
        DISCOVERY_SERVER_REMOVED_EVENT,
        DISCOVERY_SERVER_UPDATED_EVENT,
        MANUAL_SERVER_ADDED_EVENT,
        MANUAL_SERVER_REMOVED_EVENT,
    )

    sub = eventdispatcher.get_eventdispatcher().observe_event(
        event_name=DISCOVERY_SERVER_UPDATED_EVENT,
        on_event=lambda event: print(f"Discovery updated: {event['url']}"),
    )
    # --- end of snippet ---

    # The Kit names, namespace and all.
    assert DISCOVERY_SERVER_UPDATED_EVENT == "omni.kit.widget.connection_manager.DISCOVERY_SERVER_UPDATED"
    assert BOOKMARK_ADDED_EVENT == "omni.kit.widget.connection_manager.BOOKMARK_ADDED"
    out = []

    def printed():
        out.append(capsys.readouterr().out)
        return f"Discovery updated: {server.discovery_url}" in "".join(out)

    manager.registry.add_discovery_server(name="Loopback", discovery_url=server.discovery_url)
    wait_for(printed, "the DISCOVERY_SERVER_UPDATED observer's print")
    sub.reset()


def test_the_watch_bookmarks_example_prints_an_outside_edit(tmp_path, config_path):
    """examples/watch_bookmarks.py, run as a user would, sees a bookmark another program adds."""
    import os
    import pathlib
    import subprocess
    import sys

    example = pathlib.Path(__file__).resolve().parents[1] / "examples" / "watch_bookmarks.py"
    config_path.write_text('[bookmarks]\nFirst = "omniverse://host/First/"\n')
    watcher = subprocess.Popen(
        [sys.executable, str(example), str(config_path), "--seconds", "60"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline().startswith("watching ")
        assert watcher.stdout.readline().strip() == "First -> omniverse://host/First/"
        tmp = tmp_path / "edit.tmp"
        tmp.write_text('[bookmarks]\nFirst = "omniverse://host/First/"\nSecond = "omniverse://host/Second/"\n')
        os.replace(tmp, config_path)
        assert watcher.stdout.readline().strip() == "added   Second -> omniverse://host/Second/"
    finally:
        watcher.kill()
        watcher.wait()
