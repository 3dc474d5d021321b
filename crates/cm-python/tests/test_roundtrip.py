"""Every bookmark and server call round-trips through the real omniverse.toml (read back with
tomllib), foreign sections survive, and a malformed file is never overwritten."""

from __future__ import annotations

import tomllib

import pytest

import connection_manager as cm


def read_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def test_bookmark_calls_round_trip_through_the_file(manager, config_path):
    assert cm.add_bookmark("A", "omniverse://host/A/")
    assert cm.add_bookmark("B", "https://bucket.s3.amazonaws.com/B/")
    assert read_toml(config_path)["bookmarks"] == {
        "A": "omniverse://host/A/",
        "B": "https://bucket.s3.amazonaws.com/B/",
    }
    assert cm.rename_bookmark("A", "A2", "omniverse://host/A2/")
    assert read_toml(config_path)["bookmarks"]["A2"] == "omniverse://host/A2/"
    assert cm.remove_bookmark("B")
    assert read_toml(config_path)["bookmarks"] == {"A2": "omniverse://host/A2/"}
    assert cm.get_bookmarks() == read_toml(config_path)["bookmarks"]


def test_refused_bookmark_changes_answer_false_and_say_why(manager, config_path, caplog):
    assert cm.add_bookmark("A", "omniverse://host/A/")
    before = config_path.read_text()
    assert cm.add_bookmark("A", "omniverse://host/other/") is False  # duplicate name
    assert cm.add_bookmark("bad", "not a url") is False
    assert cm.remove_bookmark("missing") is False
    assert cm.rename_bookmark("missing", "x", "omniverse://host/x/") is False
    assert config_path.read_text() == before
    reasons = [r.getMessage() for r in caplog.records if r.name == "connection_manager"]
    assert len(reasons) == 4 and all("refused" in r for r in reasons), reasons


def test_server_calls_round_trip_through_the_file(manager, config_path, testkit):
    server = testkit()
    registry = manager.registry
    nucleus = registry.add_manual_server(name="studio", url="omniverse://studio.example/Projects/")
    s3 = registry.add_manual_server(name="bucket", url="https://bucket.s3.amazonaws.com/")
    discovery = registry.add_discovery_server(name="Loopback", discovery_url=server.discovery_url)
    data = read_toml(config_path)
    # A manual server is stored as its server root.
    assert data["servers"] == {"omniverse://studio.example": "studio", "https://bucket.s3.amazonaws.com": "bucket"}
    assert [d["url"] for d in data["discovery_servers"]] == [server.discovery_url]
    assert {s.server_id for s in registry.get_manual_servers()} == {nucleus, s3}
    assert registry.get_manual_server("omniverse://studio.example/").kind == "nucleus"
    found = registry.find_server_for_url("omniverse://studio.example/Projects/a.usd")
    assert (found.kind, found.server_id, found.name) == ("manual", nucleus, "studio")
    assert registry.get_discovery_servers()[0].server_id == discovery

    with pytest.raises(cm.RegistryError):
        registry.add_manual_server(name="dup", url="omniverse://studio.example/")
    with pytest.raises(cm.RegistryError):
        registry.add_discovery_server(name="not http", discovery_url="omniverse://x/")

    assert registry.remove_manual_server("omniverse://studio.example/")
    assert registry.remove_manual_server("omniverse://studio.example/") is False
    assert registry.remove_discovery_server(server.discovery_url)
    data = read_toml(config_path)
    assert data["servers"] == {"https://bucket.s3.amazonaws.com": "bucket"}
    assert data.get("discovery_servers", []) == []


def test_foreign_sections_are_kept(start_manager, config_path):
    config_path.write_text('[paths]\ncache = "/tmp/cache"\n\n[bookmarks]\nA = "omniverse://host/A/"\n')
    start_manager()
    assert cm.add_bookmark("B", "omniverse://host/B/")
    data = read_toml(config_path)
    assert data["paths"] == {"cache": "/tmp/cache"}
    assert data["bookmarks"] == {"A": "omniverse://host/A/", "B": "omniverse://host/B/"}


def test_a_malformed_file_is_never_overwritten(start_manager, config_path):
    broken = '[bookmarks]\nA = "omniverse://host/A/\n'  # unterminated string
    config_path.write_text(broken)
    manager = start_manager()
    assert manager.registry.last_load_error is not None
    # The registry's rule for an unsaved change: in effect in memory (True, with a warning),
    # written by the next successful save; the malformed file keeps every byte.
    assert cm.add_bookmark("B", "omniverse://host/B/") is True
    assert cm.get_bookmarks()["B"] == "omniverse://host/B/"
    assert config_path.read_text() == broken
