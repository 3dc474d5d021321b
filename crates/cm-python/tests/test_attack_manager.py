"""Regressions from the issue-20 attack on the manager bindings: an awaited ensure_connection
across shutdown(), Ctrl-C during a blocking wait, KeyboardInterrupt / SystemExit raised in an
observer, callback ids of a stopped manager, unusable startup paths."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap

import pytest

import connection_manager as cm
from connection_manager import eventdispatcher
from conftest import DEADLINE_SECS


def test_an_ensure_connection_awaited_across_shutdown_ends_false(start_manager, testkit):
    server = testkit("--latency-ms", "20000", "--path", "/x.usd")
    start_manager(retry_budget=60.0)

    async def main():
        task = asyncio.ensure_future(cm.ensure_connection(server.storage_url + "x.usd"))
        await asyncio.sleep(0.2)
        assert not task.done()
        await asyncio.get_running_loop().run_in_executor(None, cm.shutdown)
        return await asyncio.wait_for(task, DEADLINE_SECS)

    assert asyncio.run(main()) is False


SIGINT_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, threading, traceback
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import connection_manager as cm
    cm.startup(sys.argv[1], retry_budget=600.0)
    # Ctrl-C from outside the process, while the call below waits for a 600 s server.
    threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    try:
        cm.ensure_connection_sync(sys.argv[2])
        print("returned without KeyboardInterrupt", flush=True)
    except KeyboardInterrupt as e:
        where = traceback.extract_tb(e.__traceback__)[-1].line
        print("KeyboardInterrupt reached the caller in:", where, flush=True)
    cm.shutdown()
    """
)


def test_ctrl_c_during_a_blocking_wait_raises_keyboard_interrupt_in_the_caller(tmp_path, testkit):
    server = testkit("--latency-ms", "600000", "--path", "/x.usd")
    # The retry budget is 600 s: only a wait that checks signals ends within the deadline.
    script = tmp_path / "sigint.py"  # a file, so the traceback names the line
    script.write_text(SIGINT_SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "omniverse.toml"), server.storage_url + "x.usd"],
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECS * 2,
    )
    assert "KeyboardInterrupt reached the caller in: cm.ensure_connection_sync(sys.argv[2])" in result.stdout, (
        result.stdout,
        result.stderr,
    )


@pytest.mark.parametrize("raised", [SystemExit(5), KeyboardInterrupt()], ids=["SystemExit", "KeyboardInterrupt"])
def test_a_stop_request_from_an_observer_reaches_the_dispatcher_after_the_others_ran(raised):
    d = eventdispatcher.get_eventdispatcher()
    ran = []

    def stop(e):
        ran.append("stop")
        raise raised

    guards = [
        d.observe_event(event_name="attack.stop", on_event=stop, order=0),
        d.observe_event(event_name="attack.stop", on_event=lambda e: ran.append("after"), order=1),
    ]
    with pytest.raises(type(raised)):
        d.dispatch_event("attack.stop")
    assert ran == ["stop", "after"]
    loop = eventdispatcher.RunLoop("attack-stop-loop")
    d.queue_event("attack.stop", runloop="attack-stop-loop")
    ran.clear()
    with pytest.raises(type(raised)):
        loop.update(0.0)
    assert ran == ["stop", "after"]
    # An ordinary exception is still logged, not raised.
    with d.observe_event(event_name="attack.plain", on_event=lambda e: 1 / 0):
        assert d.dispatch_event("attack.plain") == 1
    for guard in guards:
        guard.reset()


SYSEXIT_SCRIPT = textwrap.dedent(
    """
    import sys
    from connection_manager import eventdispatcher as ed
    d = ed.get_eventdispatcher()
    g = d.observe_event(event_name="exit.now", on_event=lambda e: sys.exit(5))
    d.dispatch_event("exit.now")
    print("still running")
    """
)


def test_sys_exit_in_an_observer_exits_the_process_with_its_code():
    result = subprocess.run([sys.executable, "-c", SYSEXIT_SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 5, (result.stdout, result.stderr)
    assert "still running" not in result.stdout


def test_a_callback_id_of_a_stopped_manager_does_not_remove_the_new_managers_callback(tmp_path):
    cm.startup(str(tmp_path / "one.toml"))
    old_id = cm.register_auth_callback("", lambda request: None)
    cm.shutdown()
    cm.startup(str(tmp_path / "two.toml"))
    try:
        new_id = cm.register_auth_callback("", lambda request: None)
        assert cm.unregister_callback(old_id) is False
        assert cm.unregister_callback(new_id) is True  # the new one was still registered
    finally:
        cm.shutdown()


@pytest.mark.parametrize("bad", ["", "with\x00nul.toml", "DIR"], ids=["empty", "nul", "directory"])
def test_startup_refuses_a_path_no_change_could_be_saved_to(tmp_path, bad):
    path = str(tmp_path) if bad == "DIR" else bad
    with pytest.raises(ValueError, match="config_path"):
        cm.startup(path)
    assert cm.get_instance() is None


def test_a_dialog_open_at_shutdown_fails_and_an_old_dialog_does_not_close_a_new_one(tmp_path):
    log = []
    cm.startup(str(tmp_path / "one.toml"))
    old = cm.show_add_http_server_dialog(lambda *a: log.append("ok1"), lambda: log.append("failed1"))
    assert old is not None
    cm.shutdown()
    assert log == ["failed1"]
    assert cm.get_open_dialog() is None
    cm.startup(str(tmp_path / "two.toml"))
    try:
        new = cm.show_add_http_server_dialog(lambda *a: log.append("ok2"), lambda: log.append("failed2"))
        assert new is not None
        assert old.cancel() is False  # finished at shutdown already
        assert cm.get_open_dialog() is not None
        assert cm.get_open_dialog().state == new.state
        assert new.cancel() is True
        assert cm.get_open_dialog() is None
        assert log == ["failed1", "failed2"]
    finally:
        cm.shutdown()


def test_a_discovery_url_is_reachable_at_once_whatever_its_discovery_status(start_manager, testkit):
    from conftest import wait_for

    server = testkit("--fail-status", "500")
    registry = start_manager(discovery_timeout=3.0).registry
    registry.add_discovery_server(name="D", discovery_url=server.discovery_url)
    wait_for(lambda: registry.get_discovery_servers()[0].status == "error", "the discovery to fail")
    # The documented rule (ensure_connection's docstring): an http(s) discovery URL is a web URL.
    assert cm.ensure_connection_sync(server.discovery_url) is True


def test_reprs_are_python_not_rust(manager):
    answer_repr = repr(cm.AuthAnswer.token("s3cret"))
    assert answer_repr == "AuthAnswer(kind=\"token\")" and "s3cret" not in answer_repr
    dialog = cm.show_add_http_server_dialog()
    try:
        text = repr(dialog)
        assert text.startswith("AddServerDialog(kind=\"http\", state={'state': 'input'"), text
        for rust in ("Some(", "Input {", "None {"):
            assert rust not in text
    finally:
        dialog.cancel()


def test_a_server_name_the_store_refuses_says_nothing_changed(manager):
    registry = manager.registry
    with pytest.raises(cm.RegistryError) as refused:
        registry.add_manual_server(name="n" * 100_000, url="https://bucket.s3.amazonaws.com/")
    assert "nothing changed" in str(refused.value) and "changed in memory" not in str(refused.value)
    assert registry.get_manual_servers() == []
