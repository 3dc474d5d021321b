"""The Omniverse connection manager outside Kit.

The module API of Kit's ``omni.kit.widget.connection_manager`` on the Rust workspace's crates:
the same ``omniverse.toml`` (read, edited safely and watched), the same event names and
payloads, and :mod:`connection_manager.eventdispatcher` in place of ``carb.eventdispatcher``.

Start the manager once, then use the functions::

    import connection_manager as cm
    cm.startup("/path/to/omniverse.toml")
    cm.add_bookmark("My Project", "omniverse://my-server/Projects/MyProject/")
    print(cm.get_bookmarks())
    cm.shutdown()

Threads: every call that waits releases the GIL; observers and callbacks run with the GIL on
the thread that fired them (often the manager's own thread); an exception they raise is logged
with its traceback on the ``connection_manager`` logger and goes no further.
"""

from __future__ import annotations

import asyncio
import atexit
from typing import Optional

from . import _native
from ._native import (
    BOOKMARK_ADDED_EVENT,
    BOOKMARK_DELETED_EVENT,
    BOOKMARK_RENAMED_EVENT,
    CONNECTION_SUCCEEDED_EVENT,
    DISCOVERY_SERVER_ADDED_EVENT,
    DISCOVERY_SERVER_REMOVED_EVENT,
    DISCOVERY_SERVER_UPDATED_EVENT,
    MANUAL_SERVER_ADDED_EVENT,
    MANUAL_SERVER_REMOVED_EVENT,
    AddServerDialog,
    AuthAnswer,
    AuthRequest,
    ConnectionManager,
    ConnectionRegistry,
    DiscoveryServer,
    ManualServer,
    RegistryError,
    ServerMatch,
    SignInPrompt,
    add_bookmark,
    cancel_sign_in,
    complete_sign_in,
    disconnect,
    ensure_connection_sync,
    fallback_name_for_url,
    get_bookmarks,
    get_instance,
    get_open_dialog,
    pending_sign_ins,
    reconnect,
    register_auth_callback,
    register_message_box_callback,
    remove_bookmark,
    rename_bookmark,
    show_add_discovery_server_dialog,
    show_add_http_server_dialog,
    show_add_nucleus_server_dialog,
    shutdown,
    startup,
    unregister_callback,
)
from . import eventdispatcher

__all__ = [
    "BOOKMARK_ADDED_EVENT",
    "BOOKMARK_DELETED_EVENT",
    "BOOKMARK_RENAMED_EVENT",
    "CONNECTION_SUCCEEDED_EVENT",
    "DISCOVERY_SERVER_ADDED_EVENT",
    "DISCOVERY_SERVER_REMOVED_EVENT",
    "DISCOVERY_SERVER_UPDATED_EVENT",
    "MANUAL_SERVER_ADDED_EVENT",
    "MANUAL_SERVER_REMOVED_EVENT",
    "AddServerDialog",
    "AuthAnswer",
    "AuthRequest",
    "ConnectionManager",
    "ConnectionRegistry",
    "DiscoveryServer",
    "ManualServer",
    "RegistryError",
    "ServerMatch",
    "SignInPrompt",
    "add_bookmark",
    "cancel_sign_in",
    "complete_sign_in",
    "disconnect",
    "ensure_connection",
    "ensure_connection_sync",
    "eventdispatcher",
    "fallback_name_for_url",
    "get_bookmarks",
    "get_instance",
    "get_open_dialog",
    "pending_sign_ins",
    "reconnect",
    "register_auth_callback",
    "register_message_box_callback",
    "remove_bookmark",
    "rename_bookmark",
    "show_add_discovery_server_dialog",
    "show_add_http_server_dialog",
    "show_add_nucleus_server_dialog",
    "shutdown",
    "startup",
    "unregister_callback",
]


def _resolve(future: "asyncio.Future[bool]", ok: bool) -> None:
    if not future.done():  # the awaiting task may have been cancelled meanwhile
        future.set_result(ok)


async def ensure_connection(url: str, show_connecting_dialog: bool = False) -> bool:
    """Make sure ``url`` is reachable; True if it is, False on failure (reason logged).

    A URL under the addresses a registered discovery server found waits for that discovery,
    ``omniverse://`` URLs connect (with sign-in through the registered auth callbacks,
    reconnect and retries; concurrent callers for one server share one attempt), and
    http(s)/S3/Azure/GCS URLs are reachable at once -- including a discovery server's own
    ``http(s)://`` discovery URL, whatever its discovery's status (read that from
    ``registry.get_discovery_servers()``). The work runs on the manager's thread; the event
    loop is never blocked. False before ``startup()``, and False if ``shutdown()`` runs while
    it is under way.
    """
    loop = asyncio.get_running_loop()
    future: "asyncio.Future[bool]" = loop.create_future()

    def done(ok: bool) -> None:
        if loop.is_closed():  # the awaiting loop is gone: nobody to tell
            return
        try:
            loop.call_soon_threadsafe(_resolve, future, ok)
        except RuntimeError:  # closed meanwhile
            pass

    if not _native._ensure_connection_start(url, show_connecting_dialog, done):
        return False
    return await future


# Stop the manager's threads and every Rust -> Python call before the interpreter goes away.
atexit.register(_native._at_exit)
