"""Imports point one way: no two optad modules import each other, at module level or from
inside a function (a hidden cycle that works only in some import orders), and every module
imports on its own."""
import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "optad"


def module_names():
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(name, path, modules):
    """(module-level, function-level) optad modules imported by one module.  ``from a import
    b`` counts as importing module a.b when that is a module, else as importing a."""
    tree = ast.parse(path.read_text())
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    top, inner = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            if len(found) < len(node.names) and target in modules:
                found.append(target)
        elif isinstance(node, ast.Import):
            found = [a.name for a in node.names if a.name in modules]
        else:
            continue
        # importing a.b.c first runs the __init__ of packages a and a.b (those not already
        # running because they contain this module)
        found += [p for f in found for p in ancestors(f) if p in modules
                  and p not in ancestors(name) and p != name]
        (top if node in tree.body else inner).update(f for f in found if f != name)
    return top, inner


def ancestors(name):
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph():
    modules = module_names()
    top, inner = {}, {}
    for name, path in modules.items():
        top[name], inner[name] = imports_of(name, path, modules)
    return top, inner


def reaches(graph, start, goal):
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return False


def test_no_module_imports_one_that_imports_it_back():
    top, inner = import_graph()
    cycles = sorted(f"{a} -> {b}" for a in top for b in top[a] if reaches(top, b, a))
    assert not cycles, "module-level import cycles:\n" + "\n".join(cycles)
    hidden = sorted(f"{a} -> {b} (inside a function)" for a in inner for b in inner[a]
                    if reaches(top, b, a))
    assert not hidden, "imports inside functions that close a cycle:\n" + "\n".join(hidden)


def test_the_graph_sees_a_known_import():
    top, _ = import_graph()
    assert "optad.trace.tracer" in top["optad.primitives.elementwise"]
    assert "optad.ir.primitive" in top["optad.trace.tracer"]


@pytest.mark.slow
def test_every_module_imports_on_its_own():
    # importing optad.x first runs optad/__init__.py, so for every module ``import optad``
    # loads, importing it alone is ``import optad``: only the others need a fresh import each
    script = textwrap.dedent("""
        import importlib, sys

        def optad_modules():
            return [m for m in sys.modules if m == "optad" or m.startswith("optad.")]

        failures = []
        import optad
        loaded_with_optad = set(optad_modules())
        for name in [n for n in sys.argv[1:] if n not in loaded_with_optad]:
            for loaded in optad_modules():
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
        print("\\n".join(failures))
        sys.exit(1 if failures else 0)
    """)
    names = sorted(n for n in module_names() if n != "optad.__main__")  # __main__ runs the CLI
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    out = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                         text=True, timeout=600, env=env, cwd=PACKAGE.parent)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]


# The core layers, each with the layers it may import (module-level or inside a function).
# optad.numpy (the NumPy-facing functions, the Tracer's NumPy protocols and the wrappers a trace
# puts in front of NumPy's names) sits on the tracer and the primitives and nothing below it
# reaches back up; the transforms and the API do not need it either (optad/__init__.py wires
# it in).
CORE_LAYERS = {
    "ir": set(),
    "trace": {"ir"},
    "primitives": {"ir", "trace"},
    "numpy": {"ir", "trace", "primitives"},
    "transforms": {"ir", "trace", "primitives"},
    "api": {"ir", "trace", "primitives", "transforms", "backends", "tree"},
}


def layer_of(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "optad"


def test_core_layers_import_only_the_layers_below():
    top, inner = import_graph()
    wrong = sorted(f"{a} -> {b}" for a in top for b in top[a] | inner[a]
                   if layer_of(a) in CORE_LAYERS and layer_of(b) != layer_of(a)
                   and layer_of(b) not in CORE_LAYERS[layer_of(a)])
    assert not wrong, "imports that point up or sideways:\n" + "\n".join(wrong)
