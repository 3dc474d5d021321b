"""The package's surface: every public name is typed in the stubs (and every stub names
something real), carries a docstring that `help()` shows, and `py.typed` is shipped."""

from __future__ import annotations

import ast
import inspect
import pathlib
import pydoc

import connection_manager as cm
from connection_manager import eventdispatcher

PACKAGE = pathlib.Path(cm.__file__).parent
PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]  # crates/cm-python


def stub_names(stub: pathlib.Path):
    """Top-level names and, per class, its public members, as the stub declares them."""
    tree = ast.parse(stub.read_text())
    names, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {
                item.name
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_")
            }
        if isinstance(node, ast.ImportFrom) and node.module is None:  # `from . import x as x`
            names.update(alias.asname or alias.name for alias in node.names)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names, members


def check_module(module, stub):
    names, members = stub_names(PACKAGE / stub)
    public = set(module.__all__)
    assert public - names == set(), f"in __all__ but not in {stub}"
    assert names - public == set(), f"in {stub} but not in __all__"
    for name, declared in members.items():
        cls = getattr(module, name)
        own = [k for k in cls.__mro__ if k.__module__.startswith("connection_manager")]
        real = {m for k in own for m in vars(k) if not m.startswith("_")}
        assert declared == real, f"{stub}: {name} declares {sorted(declared ^ real)} differently"


def test_the_stubs_cover_the_whole_api():
    assert (PACKAGE / "py.typed").is_file()
    check_module(cm, "__init__.pyi")
    check_module(eventdispatcher, "eventdispatcher.pyi")


def test_every_public_name_has_a_docstring_help_shows():
    for module in (cm, eventdispatcher):
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, str) or inspect.ismodule(obj):
                continue
            doc = inspect.getdoc(obj)
            assert doc, f"{module.__name__}.{name} has no docstring"
            assert doc.splitlines()[0] in pydoc.render_doc(obj), name
            if inspect.isclass(obj):
                own = [k for k in obj.__mro__ if k.__module__.startswith("connection_manager")]
                for member in {m for k in own for m in vars(k) if not m.startswith("_")}:
                    assert inspect.getdoc(getattr(obj, member)), f"{name}.{member} has no docstring"


def test_the_benchmark_script_runs_in_quick_mode():
    """benches/bench_python.py (the docs/BENCHMARKS.md figures) cannot rot: a quick pass runs."""
    import subprocess
    import sys

    script = PACKAGE_ROOT / "benches" / "bench_python.py"
    result = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for row in ("python/dispatch_event/0_observers", "python/dispatch_event/1_observer", "python/get_bookmarks/1000_bookmarks"):
        assert row in result.stdout
