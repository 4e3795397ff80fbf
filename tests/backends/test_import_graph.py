"""Backends see programs and kernels only: nothing under optad/backends imports the layers
above them (optad.api, optad.optimize, optad.experiments, or the optad package itself, which
imports them all).  An optimiser hands its loop down as a LoopCode (backends/loop_code.py) and
its problem's kernels to njit_entries; the imports never point up (issue 23, the seam)."""
import ast
from pathlib import Path

import optad.backends

BACKENDS = Path(optad.backends.__file__).parent
ABOVE = ("optad.api", "optad.optimize", "optad.experiments", "optad.cli", "optad.problems")


def _imported(path):
    """(line, module) of every import in the file, relative imports resolved."""
    package = ".".join(("optad",) + path.relative_to(BACKENDS.parent).with_suffix("").parts[:-1])
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names = [alias.name for alias in node.names]
            yield node.lineno, module
            for name in names:   # ``from optad import api`` imports optad.api
                yield node.lineno, f"{module}.{name}"


def _points_up(module):
    return module == "optad" or any(module == m or module.startswith(m + ".") for m in ABOVE)


def test_nothing_in_backends_imports_the_layers_above():
    files = sorted(BACKENDS.rglob("*.py"))
    assert len(files) > 20
    upward = [f"{path.relative_to(BACKENDS.parent)}:{line}: {module}"
              for path in files for line, module in _imported(path)
              if _points_up(module) and not module.startswith("optad.backends")]
    assert not upward, "imports from backends/ that point up:\n" + "\n".join(upward)


def test_the_check_sees_relative_and_absolute_imports(tmp_path):
    """The resolver itself: a relative import two levels up from backends/numba is optad.*."""
    probe = BACKENDS / "numba" / "driver.py"
    modules = {module for _, module in _imported(probe)}
    assert "optad.backends.kernel_errors" in modules   # ``from ..kernel_errors import``
    assert "optad.backends.numba.cache" in modules     # ``from . import cache``
    assert _points_up("optad.optimize.calls") and _points_up("optad")
    assert not _points_up("optad.ir.program")
