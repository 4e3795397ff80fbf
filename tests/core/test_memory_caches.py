"""optad's in-process caches are bounded (issue 11, item 13): at most $OPTAD_MEMORY_CACHE
transformed functions, and per function as many signatures and fast-path closures; an entry
dropped by the LRU works again when it is needed, without compiling anything again."""
import sys

import numpy as np
import pytest

import optad
from optad.api import transformed


def _losses(n):
    return [lambda x, k=k: np.sum(np.sin(x) * (k + 1.0)) for k in range(n)]


def _kernel_modules():
    return {name for name in sys.modules if name.startswith("optad_")}


@pytest.mark.parametrize("backend", ["numpy", pytest.param("numba", marks=pytest.mark.slow)])
def test_in_process_caches_never_exceed_the_bound_and_evicted_entries_still_work(
        backend, monkeypatch):
    monkeypatch.setenv("OPTAD_MEMORY_CACHE", "3")
    monkeypatch.setattr(transformed, "_transforms", {})
    losses = _losses(6)
    for k, loss in enumerate(losses):
        np.testing.assert_allclose(optad.grad(loss, backend=backend)(np.zeros(2)), k + 1.0)
        assert len(transformed._transforms) <= 3
    oldest = optad.grad(losses[0], backend=backend)     # dropped: a new object, traced again
    assert [obj.fun for obj in transformed._transforms.values()][-1] is losses[0]
    modules = _kernel_modules()
    for n in range(1, 7):                               # six signatures of one function
        np.testing.assert_allclose(oldest(np.zeros(n)), np.ones(n))
        assert len(oldest._cache) <= 3 and len(oldest._fast) <= 3
    np.testing.assert_allclose(oldest(np.zeros(1)), [1.0])   # its entry dropped: traced again
    if backend == "numba":
        grown = _kernel_modules() - modules
        assert len(grown) == 5, grown       # one kernel per new shape (n = 2 was built above)
        again = _kernel_modules()
        for loss in losses:                  # all dropped and made again: nothing compiled
            optad.grad(loss, backend=backend)(np.zeros(2))
        assert _kernel_modules() == again


def test_recently_used_transforms_are_kept(monkeypatch):
    monkeypatch.setenv("OPTAD_MEMORY_CACHE", "2")
    monkeypatch.setattr(transformed, "_transforms", {})
    a, b, c = _losses(3)
    ga = optad.grad(a, backend="numpy")
    optad.grad(b, backend="numpy")
    assert optad.grad(a, backend="numpy") is ga          # a used again: b is now the oldest
    optad.grad(c, backend="numpy")
    assert optad.grad(a, backend="numpy") is ga
    assert [obj.fun for obj in transformed._transforms.values()] == [c, a]


def test_the_bound_has_a_default_and_ignores_nonsense(monkeypatch):
    monkeypatch.delenv("OPTAD_MEMORY_CACHE", raising=False)
    assert transformed.memory_cache_size() == transformed.DEFAULT_MEMORY_CACHE == 256
    for text, size in [("10", 10), ("0", 1), ("lots", 256)]:
        monkeypatch.setenv("OPTAD_MEMORY_CACHE", text)
        assert transformed.memory_cache_size() == size
