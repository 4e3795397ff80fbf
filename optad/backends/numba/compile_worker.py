"""The other process of a tiered first call (tiered.py): compile one cached kernel module.

    python -m optad.backends.numba.compile_worker PAYLOAD

``PAYLOAD`` is a pickle of the module's path in the kernel cache, the kernel's arguments and its
constants.  The worker imports the module from the cache, runs the kernel once on those
arguments (so every segment is compiled for exactly the types the caller passes), which saves
the machine code in the cache, marks the module compiled, and exits 0.  A payload of kind
``driver`` names a compiled optimisation loop's module (backends/numba/driver.py) and the
loop's arguments instead: the worker runs one iteration of the loop and one step, which compiles
them into the cache.

The worker runs at low priority and holds the kernel cache's compile lock, inherited from the
process that started it (tiered.py), until it exits.
"""
from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path


def main(payload_path: str) -> int:
    code = _job(payload_path)
    if code == 0:
        _afterwards(payload_path)
    return code


def _afterwards(payload_path: str) -> None:
    """Compile the module the payload names as ``afterwards`` (the first tier's interpreter)
    unless another process has meanwhile: the caller's kernel first, then this."""
    with open(payload_path, "rb") as handle:
        path = pickle.load(handle).get("afterwards")
    if not path:
        return
    from .cache import load_module
    from .compile_pool import mark_compiled, marker
    try:
        path = Path(path)
        module = load_module(path.read_text(), folder=path.parent)
        if not marker(module).exists() and module.warm_up():
            mark_compiled(module)
    except Exception:   # noqa: BLE001 - the caller's own job succeeded; this is a bonus
        pass


def _job(payload_path: str) -> int:
    from .compile_pool import mark_compiled, worker_niceness
    try:
        os.nice(worker_niceness())   # a background compile yields to the user's work
    except OSError:
        pass
    with open(payload_path, "rb") as handle:
        payload = pickle.load(handle)
    from . import prepare_module
    if payload.get("kind") == "machine":   # the first tier's interpreter (machine/loader.py)
        from .cache import load_module
        path = Path(payload["module"])
        module = load_module(path.read_text(), folder=path.parent)
        if not module.warm_up():
            return 3
        mark_compiled(module)
        return 0
    if payload.get("kind") == "driver":
        import numpy as np

        from .cache import cache_dir, load_module
        sys.path.insert(0, str(cache_dir()))   # the loop imports its entries' modules by name
        module = load_module(Path(payload["module"]).read_text())
        x0, args, params = payload["x0"], payload["args"], payload["params"]
        params = params._replace(maxiter=1)   # compiling is the point: one iteration runs
        module.drive(x0, args, params, np.empty((params.maxiter + 1, 6)))
        state = module.step_init(x0, args, params)   # the steps a callback's loop calls
        module.step_update(state, args, params)
        mark_compiled(module)
        return 0
    module = prepare_module(Path(payload["module"]).read_text())
    kernel = module.make_kernel(payload["constants"], [])
    kernel(*payload["args"])
    mark_compiled(module)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
