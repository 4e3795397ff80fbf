"""The problem seen by the methods: flat float vectors in, counted evaluations out.

``Objective`` wraps the user's ``fun`` (and ``jac``/``hessp`` scipy style, or optad's own
``value_and_grad``/``hvp``) behind three calls on flat vectors:

- ``objective(x) -> (f, g)``        counts nfev and njev
- ``objective.value(x) -> f``       counts nfev (and njev when fun returns (f, g))
- ``objective.hessp(x, p) -> H p``  counts nhev

It also keeps the pytree structure of x0 (``unravel``) and, when the problem comes with a
Numba-compiled function, exposes it for the compiled loops (``numba_value_and_grad``,
``numba_value``, ``numba_hessp``). Compiled callers count their own evaluations on the objective
(``nfev``/``njev``/``nhev``).
"""
from __future__ import annotations

import warnings

import numpy as np

from .pytree import Raveler, unflatten

FD_JAC = {"2-point": "forward", "3-point": "central"}


def _is_numba_dispatcher(obj):
    try:
        from numba.core.registry import CPUDispatcher
    except Exception:  # pragma: no cover
        return False
    return isinstance(obj, CPUDispatcher)


_FLAT_FUNCTIONS: dict = {}


def _flat_function(fun, rav):
    """fun on a flat parameter vector: the leaves are cut out by slicing and reshaping, which
    optad traces, so derivatives of the result are derivatives of fun.  One per (fun, structure),
    so repeated runs on the same problem reuse optad's traced programs and compiled kernels."""
    try:
        key = (fun, tuple(rav.shapes), rav.treedef)
        cached = _FLAT_FUNCTIONS.get(key)
    except TypeError:  # an unhashable fun or structure: no reuse
        key, cached = None, None
    if cached is None:
        cached = _make_flat_function(fun, rav)
        if key is not None:
            if len(_FLAT_FUNCTIONS) > 64:
                _FLAT_FUNCTIONS.clear()
            _FLAT_FUNCTIONS[key] = cached
    return cached


def _make_flat_function(fun, rav):
    bounds = np.concatenate([[0], np.cumsum(rav.sizes)]).tolist()
    shapes, treedef = list(rav.shapes), rav.treedef

    def flat_fun(w, *args):
        leaves = [w[a:b].reshape(shape) for a, b, shape in zip(bounds[:-1], bounds[1:], shapes)]
        return fun(unflatten(treedef, leaves), *args)
    flat_fun.__name__ = getattr(fun, "__name__", "fun")
    return flat_fun


def _optad_transform(name):
    import optad
    transform = getattr(optad, name, None)
    if transform is None:
        try:
            from optad import api
            transform = getattr(api, name, None)
        except ImportError:
            transform = None
    if transform is None:
        raise RuntimeError(f"optad.{name} is not available; pass jac=/hessp= explicitly")
    return transform


class Objective:
    def __init__(self, fun, x0, args=(), jac=None, hessp=None, backend="numba",
                 need_grad=True, need_hess=False):
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {type(fun).__name__}")
        self.fun = fun
        self.args = tuple(args)
        self.rav = Raveler(x0)
        self.x0 = self.rav.ravel(x0).copy()
        if not np.all(np.isfinite(self.x0)):
            bad = np.flatnonzero(~np.isfinite(self.x0))
            raise ValueError(f"x0 contains NaN or inf (at flat positions {bad[:10].tolist()})")
        self.n = self.x0.size
        self.nfev = self.njev = self.nhev = 0
        self.backend = backend
        self._cache = None  # (x bytes, f, g)
        self.jac = jac
        self._user_hessp = hessp
        self._vg = None
        self._hvp = None
        if jac is not None and not (jac is True or callable(jac) or jac in FD_JAC):
            raise ValueError(f"jac must be None, True, a callable or one of {tuple(FD_JAC)}; "
                             f"got {jac!r}")
        if hessp is not None and not callable(hessp):
            raise TypeError(f"hessp must be callable, got {type(hessp).__name__}")
        # optad's derivatives of a pytree x0 are taken of fun on the flat vector (unravelled by
        # slicing inside the trace), so the kernels, the compiled loops and the compiled inner
        # CG all work on one array whatever the structure of x0
        self._dfun, self._drav = fun, self.rav
        if not self.rav.single_array and jac is None and hessp is None:
            self._dfun = _flat_function(fun, self.rav)
            self._drav = Raveler(np.zeros(self.n, self.rav.dtype))
        if need_grad and jac is None:
            self._vg = self._build("value_and_grad")
        if need_hess and hessp is None and jac is None:
            self._hvp = self._build("hvp")

    # -- construction -------------------------------------------------------------------------

    def _build(self, name):
        transform = _optad_transform(name)
        try:
            built = transform(self._dfun, backend=self.backend)
            if name == "value_and_grad":
                self._checked_call(built)
            return built
        except NotImplementedError as exc:
            if self.backend == "numpy":
                raise
            warnings.warn(f"optad backend {self.backend!r} cannot build {name} for this problem "
                          f"({exc}); falling back to backend='numpy'", RuntimeWarning,
                          stacklevel=4)
            self.backend = "numpy"
            built = transform(self._dfun, backend="numpy")
            if name == "value_and_grad":
                self._checked_call(built)
            return built

    def _checked_call(self, vg):
        """First call at x0 (counted, cached) so that backend failures show up before the run."""
        f, g = vg(self._drav.unravel(self.x0.copy()), *self.args)
        f, g = self._scalar(f), self._flat_grad(g, self._drav)
        self.nfev += 1
        self.njev += 1
        self._cache = (self.x0.tobytes(), f, g)

    # -- conversions -------------------------------------------------------------------------

    def unravel(self, x):
        return self.rav.unravel(x)

    @staticmethod
    def _scalar(value):
        arr = np.asarray(value)
        if arr.size != 1:
            raise ValueError(f"fun must return a scalar; it returned an array of shape {arr.shape}")
        return float(arr.reshape(()))

    @property
    def kernel_shape(self):
        """The shape of x that compiled kernels take (x0's, or flat for a pytree x0)."""
        return tuple(self._drav.shapes[0])

    def _flat_grad(self, g, rav=None):
        try:
            flat = (rav or self.rav).ravel(g)
        except ValueError as exc:
            raise ValueError(f"the gradient does not match x0: {exc} (x0 has {self.n} entries in "
                             f"shapes {self.rav.shapes})") from None
        return np.asarray(flat, dtype=self.rav.dtype)

    # -- counted evaluations -----------------------------------------------------------------

    def value(self, x):
        if self._cache is not None and self._cache[0] == x.tobytes():
            return self._cache[1]
        self.nfev += 1
        out = self.fun(self.rav.unravel(x), *self.args)
        if self.jac is True:
            self.njev += 1
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ValueError("with jac=True, fun must return a pair (f, gradient)")
            f, g = self._scalar(out[0]), self._flat_grad(out[1])
            self._cache = (x.tobytes(), f, g)
            return f
        return self._scalar(out)

    def __call__(self, x):
        """(f, g) at flat x."""
        if self._cache is not None and self._cache[0] == x.tobytes() and self._cache[2] is not None:
            return self._cache[1], self._cache[2]
        xt = self.rav.unravel(x)
        if self.jac is True:
            out = self.fun(xt, *self.args)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ValueError("with jac=True, fun must return a pair (f, gradient)")
            f, g = out
            self.nfev += 1
            self.njev += 1
        elif self.jac in FD_JAC:
            from optad.finite_diff import gradient
            f = self.value(x)
            g = gradient(lambda z: self.value(z), x, scheme=FD_JAC[self.jac])
        elif callable(self.jac):
            f = self.fun(xt, *self.args)
            g = self.jac(xt, *self.args)
            self.nfev += 1
            self.njev += 1
        else:
            if self._vg is None:
                self._vg = self._build("value_and_grad")
                if self._cache is not None and self._cache[0] == x.tobytes():
                    return self._cache[1], self._cache[2]
            f, g = self._vg(self._drav.unravel(x), *self.args)
            self.nfev += 1
            self.njev += 1
            f, g = self._scalar(f), self._flat_grad(g, self._drav)
            self._cache = (x.tobytes(), f, g)
            return f, g
        f, g = self._scalar(f), self._flat_grad(g)
        self._cache = (x.tobytes(), f, g)
        return f, g

    def hessp(self, x, p):
        """H(x) p: the user's hessp, optad's hvp, or a finite difference of the user's gradient."""
        xt, pt = self.rav.unravel(x), self.rav.unravel(p)
        if self._user_hessp is not None:
            self.nhev += 1
            return self._flat_grad(self._user_hessp(xt, pt, *self.args))
        if self.jac is None:
            if self._hvp is None:
                self._hvp = self._build("hvp")
            self.nhev += 1
            drav = self._drav
            return self._flat_grad(self._hvp(drav.unravel(x), drav.unravel(p), *self.args), drav)
        # finite difference of the user's gradient: counts as gradient evaluations
        pnorm = np.linalg.norm(p)
        if pnorm == 0:
            return np.zeros_like(p)
        h = np.sqrt(np.finfo(self.rav.dtype).eps) * max(1.0, np.linalg.norm(x)) / pnorm
        _, g0 = self(x)
        cache = self._cache
        _, g1 = self(x + h * p)
        self._cache = cache
        return (g1 - g0) / h

    # -- compiled kernels ----------------------------------------------------------------------

    def numba_value_and_grad(self):
        """A Numba-compiled ``(x, *args) -> (f, g)`` on x of x0's (single array) shape, or None."""
        if self.rav.single_array and self.jac is True and _is_numba_dispatcher(self.fun):
            return self.fun
        kernel_for = getattr(self._vg, "numba_kernel", None)  # hook for optad's numba backend
        if self._drav.single_array and kernel_for is not None:
            return kernel_for(self._drav.unravel(self.x0), *self.args)
        return None

    def numba_value(self):
        """A Numba-compiled ``(x, *args) -> f`` on x of x0's (single array) shape, or None."""
        if self.rav.single_array and self.jac is not True and _is_numba_dispatcher(self.fun):
            return self.fun
        if self._drav.single_array and self.backend == "numba" and \
                not _is_numba_dispatcher(self.fun):
            # optad's own forward kernel, when fun can be traced; zero-order methods also take
            # black-box functions that cannot, and then run the Python loop
            forward = _optad_transform("jit")(self._dfun, backend="numba")
            try:
                return forward.numba_kernel(self._drav.unravel(self.x0), *self.args)
            except Exception:  # noqa: BLE001 - any tracing failure means "no kernel"
                return None
        return None

    def numba_hessp_linearized(self):
        """Compiled ``(prepare, apply)`` for Hessian-vector products at a fixed x, or None:
        ``prepare(x, *args)`` computes once what does not depend on v and ``apply(x, v, *res)``
        each product (optad's ``hvp(...).numba_linearized``).  Same conditions as
        ``numba_hessp``, and never for a user's ``hessp``."""
        if not self._drav.single_array or self._user_hessp is not None:
            return None
        return self._optad_hvp_hook("numba_linearized")

    def numba_hessp(self):
        """A Numba-compiled ``(x, v, *args) -> H(x) v`` on the kernel shape of x, or None.

        The user's ``hessp`` when it is a Numba dispatcher (single-array x0); otherwise optad's
        ``hvp`` kernel when optad provides the derivatives (``jac`` not given; a pytree x0 is
        taken through its flat vector) and the backend can compile the whole product; None for
        non-array args, a finite-difference Hessian, or when optad has no single compiled kernel
        for the problem (then the Python path is used)."""
        if not self._drav.single_array:
            return None
        if self._user_hessp is not None:
            return self._user_hessp if _is_numba_dispatcher(self._user_hessp) else None
        return self._optad_hvp_hook("numba_kernel")

    def _optad_hvp_hook(self, name):
        """optad's compiled HVP hook ``name`` (``numba_kernel`` or ``numba_linearized``) at
        x0's signature, when optad provides the derivatives on the numba backend; else None.
        optad builds each hook once per signature, so repeated runs reuse it."""
        if self.jac is not None or self.backend != "numba" or \
                not all(isinstance(a, np.ndarray) for a in self.args):
            return None
        if self._hvp is None:
            self._hvp = self._build("hvp")
        hook = getattr(self._hvp, name, None)
        if hook is None:
            return None
        x = self._drav.unravel(self.x0)
        try:
            return hook(x, np.zeros_like(x), *self.args)
        except Exception:  # noqa: BLE001 - any failure to build means "use another path"
            return None
