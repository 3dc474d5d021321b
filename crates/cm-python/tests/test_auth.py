"""Authentication from Python against a real cm-testkit server that requires a token:
`await ensure_connection` with a Python auth callback answering a token, the other answers,
an exception in the callback, and the sign-in message box."""

from __future__ import annotations

import asyncio
import logging

import connection_manager as cm
from connection_manager import eventdispatcher
from conftest import wait_for


def test_await_ensure_connection_with_a_python_auth_callback_answering_a_token(manager, testkit):
    server = testkit("--require-token", "--token", "py-token", "--path", "/Projects/scene.usd")
    asked = []

    def auth(request):
        asked.append((request.server_url, request.attempt))
        return cm.AuthAnswer.token("py-token")

    succeeded = []
    sub = eventdispatcher.get_eventdispatcher().observe_event(
        event_name=cm.CONNECTION_SUCCEEDED_EVENT, on_event=lambda e: succeeded.append(e["url"])
    )
    cm.register_auth_callback(server.storage_url, auth)
    url = server.storage_url + "Projects/scene.usd"
    assert asyncio.run(cm.ensure_connection(url)) is True
    assert asked == [(server.storage_url, 1)]
    assert manager.connection_status(url) == "Connected"
    wait_for(lambda: succeeded, "CONNECTION_SUCCEEDED")
    assert succeeded[0].startswith(server.storage_url)
    sub.reset()


def test_the_other_answers(manager, testkit):
    token_server = testkit("--require-token")
    user_server = testkit("--require-token", "--user", "alice:secret")
    cm.register_auth_callback(token_server.storage_url, lambda request: cm.AuthAnswer.abort())
    cm.register_auth_callback(user_server.storage_url, lambda request: ("alice", "secret"))
    assert cm.ensure_connection_sync(token_server.storage_url) is False
    assert manager.connection_status(token_server.storage_url) == "AuthAbort"
    assert cm.ensure_connection_sync(user_server.storage_url) is True
    assert repr(cm.AuthAnswer.token("hunter2")).count("hunter2") == 0  # secrets never print


def test_an_exception_in_an_auth_callback_is_logged_and_counts_as_no_answer(manager, testkit, caplog):
    server = testkit("--require-token")

    def broken(request):
        raise RuntimeError("auth callback failure for the test")

    callback = cm.register_auth_callback("", broken)
    with caplog.at_level(logging.ERROR, logger="connection_manager"):
        assert cm.ensure_connection_sync(server.storage_url) is False
    assert "auth callback failure for the test" in caplog.text and "Traceback" in caplog.text
    assert cm.unregister_callback(callback)
    assert cm.unregister_callback(callback) is False


def test_the_sign_in_message_box_completes_a_sign_in(start_manager, testkit):
    start_manager(interactive_sign_in=True, sign_in_timeout=30.0)
    server = testkit("--require-token", "--token", "from-browser")
    prompts = []

    def message_box(prompt):
        prompts.append((prompt.kind, prompt.handle, prompt.server_url))
        if prompt.kind == "show":
            # What a browser flow would deliver; the UI answers from the callback's thread.
            assert cm.complete_sign_in(prompt.handle, cm.AuthAnswer.token("from-browser"))

    cm.register_auth_callback("", lambda request: None)  # no credentials here
    cm.register_message_box_callback(message_box)
    assert cm.ensure_connection_sync(server.storage_url) is True
    assert [p[0] for p in prompts] == ["show", "hide"]
    assert prompts[0][1] == prompts[1][1] and prompts[0][2] == server.storage_url
    assert cm.pending_sign_ins() == []


def test_a_cancelled_sign_in_fails_the_connection(start_manager, testkit):
    manager = start_manager(interactive_sign_in=True, sign_in_timeout=30.0)
    server = testkit("--require-token")
    cm.register_message_box_callback(
        lambda prompt: prompt.kind == "show" and cm.cancel_sign_in(prompt.handle)
    )
    assert cm.ensure_connection_sync(server.storage_url) is False
    assert manager.connection_status(server.storage_url) == "AuthCancelled"
