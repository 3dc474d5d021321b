"""Print every bookmark change of an omniverse.toml as it happens, whoever makes it (this
script, the `cm` tool, a text editor, a Kit app).

    python watch_bookmarks.py [path/to/omniverse.toml] [--seconds N]

Without a path it watches the standard file (`$OMNI_CONFIG_PATH/omniverse.toml`, else under
the home directory). Stop it with Ctrl-C (or let `--seconds` run out).
"""

from __future__ import annotations

import argparse
import time

import connection_manager as cm
from connection_manager import eventdispatcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", help="the omniverse.toml to watch")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    args = parser.parse_args()

    manager = cm.startup(args.config)
    print(f"watching {manager.config_path}")
    for name, url in cm.get_bookmarks().items():
        print(f"  {name} -> {url}")

    dispatcher = eventdispatcher.get_eventdispatcher()
    subscriptions = [
        dispatcher.observe_event(
            event_name=cm.BOOKMARK_ADDED_EVENT,
            on_event=lambda e: print(f"added   {e['name']} -> {e['url']}", flush=True),
        ),
        dispatcher.observe_event(
            event_name=cm.BOOKMARK_DELETED_EVENT,
            on_event=lambda e: print(f"deleted {e['name']}", flush=True),
        ),
        dispatcher.observe_event(
            event_name=cm.BOOKMARK_RENAMED_EVENT,
            on_event=lambda e: print(f"renamed {e['old_name']} -> {e['new_name']} ({e['url']})", flush=True),
        ),
    ]
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1)  # observers run on the manager's thread meanwhile
    except KeyboardInterrupt:
        pass
    finally:
        for subscription in subscriptions:
            subscription.reset()
        cm.shutdown()


if __name__ == "__main__":
    main()
