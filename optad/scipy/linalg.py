"""``scipy.linalg`` on traced values, built on optad's linear-algebra primitives.

SciPy's functions read one triangle where LAPACK does (``cholesky`` and ``cho_factor`` the
upper one unless ``lower=True``, ``solve_triangular`` and ``cho_solve`` the triangle they are
told, ``solve(assume_a="sym"/"pos")`` the upper one unless ``lower=True``, ``eigh`` the lower
one unless ``lower=False``); here the matrix is first reduced to what is read, so values and
derivatives are those of the function SciPy computes (a derivative with respect to an entry
that is not read is 0; np.linalg.cholesky and eigh instead take the derivative of the
symmetric part, as JAX does).  A triangular solve is optad's general ``solve`` on the triangular
matrix (O(n^3) rather than O(n^2); the same result).

``check_finite`` and the ``overwrite_*`` flags change nothing on traced values.  Functions with
a data-dependent factorisation (``lu_factor``, ``lu``, pivoted ``qr``) and the matrix functions
(``expm``, ``logm``, ``sqrtm`` ...) have no rule: ``NO_RULE`` says what to use instead.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as onp
from ..numpy._promote import any_tracer, as_operand, cast


def _scipy(name):
    import scipy.linalg
    return getattr(scipy.linalg, name)


def _matrix(a, name):
    a = as_operand(a)
    if np.ndim(a) < 2 or np.shape(a)[-1] != np.shape(a)[-2]:
        raise ValueError(f"scipy.linalg.{name}: expected a square matrix (..., n, n), got "
                         f"shape {np.shape(a)}")
    return a if a.dtype.kind == "f" else cast(a, np.float64)


def _t(a):
    return onp.swapaxes(a, -1, -2)


def _triangle(a, lower, unit_diagonal=False):
    """The triangle of ``a`` that is read; with unit_diagonal, ones on the diagonal."""
    if not unit_diagonal:
        return onp.tril(a) if lower else onp.triu(a)
    strict = onp.tril(a, -1) if lower else onp.triu(a, 1)
    return onp.add(strict, np.eye(np.shape(a)[-1], dtype=a.dtype))


def _symmetric(a, lower):
    """The symmetric matrix whose ``lower`` (or upper) triangle is that of ``a``."""
    if lower:
        return onp.add(onp.tril(a), _t(onp.tril(a, -1)))
    return onp.add(onp.triu(a), _t(onp.triu(a, 1)))


# --------------------------------------------------------------------------- Cholesky

def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor of the symmetric matrix held in ``a``'s lower (``lower=True``) or
    upper triangle: L with L L^T = A, or U = L^T."""
    if not any_tracer(a):
        return _scipy("cholesky")(a, lower=lower, overwrite_a=overwrite_a,
                                  check_finite=check_finite)
    # the symmetric matrix of the triangle read: the same factor, and derivatives that are
    # those of SciPy's function (np.linalg.cholesky's rule symmetrises its tangents instead)
    low = onp.linalg.cholesky(_symmetric(_matrix(a, "cholesky"), lower))
    return low if lower else _t(low)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower): the factor in one triangle of c and a's own entries in the other, as SciPy
    returns them (only the factor's triangle is read by cho_solve)."""
    if not any_tracer(a):
        return _scipy("cho_factor")(a, lower=lower, overwrite_a=overwrite_a,
                                    check_finite=check_finite)
    a = _matrix(a, "cho_factor")
    factor = cholesky(a, lower=lower)
    rest = onp.triu(a, 1) if lower else onp.tril(a, -1)
    return onp.add(factor, rest), lower


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """x with T x = b (trans=0 or 'N') or T^T x = b (1, 'T', 2, 'C'), T the triangle of a."""
    if not any_tracer(a, b):
        return _scipy("solve_triangular")(a, b, trans=trans, lower=lower,
                                          unit_diagonal=unit_diagonal, overwrite_b=overwrite_b,
                                          check_finite=check_finite)
    a = _matrix(a, "solve_triangular")
    t = _triangle(a, lower, unit_diagonal)
    if trans in (1, 2, "T", "C"):
        t = _t(t)
    elif trans not in (0, "N"):
        raise ValueError(f"scipy.linalg.solve_triangular: trans={trans!r} is not one of "
                         "0, 1, 2, 'N', 'T', 'C'")
    return onp.linalg.solve(t, b)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """x with A x = b, where (c, lower) is cho_factor(A): two triangular solves."""
    c, lower = c_and_lower
    if not any_tracer(c, b):
        return _scipy("cho_solve")(c_and_lower, b, overwrite_b=overwrite_b,
                                   check_finite=check_finite)
    c = _matrix(c, "cho_solve")
    low = onp.tril(c) if lower else _t(onp.triu(c))
    return onp.linalg.solve(_t(low), onp.linalg.solve(low, b))


# --------------------------------------------------------------------------- solve, inv, det

_GENERAL = (None, "gen", "general")
_SYMMETRIC = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")
_TRIANGULAR = {"upper triangular": False, "lower triangular": True}


def _read(a, assume_a, lower, name):
    """The matrix SciPy's ``assume_a`` makes it read."""
    if assume_a in _GENERAL:
        return a
    if assume_a in _SYMMETRIC:
        return _symmetric(a, lower)
    if assume_a in _TRIANGULAR:
        return _triangle(a, _TRIANGULAR[assume_a])
    if assume_a in ("diagonal",):
        return onp.multiply(a, np.eye(np.shape(a)[-1], dtype=a.dtype))
    raise NotImplementedError(f"scipy.linalg.{name}(assume_a={assume_a!r}) is not supported on "
                              "traced values; use the default (general) or 'sym', 'pos', "
                              "'diagonal', 'upper triangular', 'lower triangular'")


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """x with A x = b (A^T x = b when ``transposed``)."""
    if not any_tracer(a, b):
        return _scipy("solve")(a, b, lower=lower, overwrite_a=overwrite_a,
                               overwrite_b=overwrite_b, check_finite=check_finite,
                               assume_a=assume_a, transposed=transposed)
    a = _read(_matrix(a, "solve"), assume_a, lower, "solve")
    return onp.linalg.solve(_t(a) if transposed else a, b)


def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    if not any_tracer(a):
        kwargs = {} if assume_a is None else {"assume_a": assume_a, "lower": lower}
        return _scipy("inv")(a, overwrite_a=overwrite_a, check_finite=check_finite, **kwargs)
    return onp.linalg.inv(_read(_matrix(a, "inv"), assume_a, lower, "inv"))


def det(a, overwrite_a=False, check_finite=True):
    if not any_tracer(a):
        return _scipy("det")(a, overwrite_a=overwrite_a, check_finite=check_finite)
    return onp.linalg.det(_matrix(a, "det"))


# --------------------------------------------------------------------------- eigen, SVD, QR

def _no_generalised(name, b):
    if b is not None:
        raise NotImplementedError(f"scipy.linalg.{name}(a, b) (the generalised problem) is not "
                                  "supported on traced values: with L = cholesky(b, "
                                  "lower=True), the eigenvalues of solve(L, solve(L, a).T) "
                                  "are the same")


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    if not any_tracer(a, b):
        return _scipy("eigh")(a, b, lower=lower, eigvals_only=eigvals_only,
                              overwrite_a=overwrite_a, overwrite_b=overwrite_b, type=type,
                              check_finite=check_finite, subset_by_index=subset_by_index,
                              subset_by_value=subset_by_value, driver=driver)
    _no_generalised("eigh", b)
    if subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError("scipy.linalg.eigh(subset_by_...) on traced values: compute "
                                  "all eigenvalues and index them (w[i:j])")
    w, v = onp.linalg.eigh(_symmetric(_matrix(a, "eigh"), lower))
    return w if eigvals_only else (w, v)


def eigvalsh(a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
             check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    if not any_tracer(a, b):
        return _scipy("eigvalsh")(a, b, lower=lower, overwrite_a=overwrite_a,
                                  overwrite_b=overwrite_b, type=type, check_finite=check_finite,
                                  subset_by_index=subset_by_index,
                                  subset_by_value=subset_by_value, driver=driver)
    return eigh(a, b, lower=lower, eigvals_only=True, subset_by_index=subset_by_index,
                subset_by_value=subset_by_value)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    if not any_tracer(a):
        return _scipy("svd")(a, full_matrices=full_matrices, compute_uv=compute_uv,
                             overwrite_a=overwrite_a, check_finite=check_finite,
                             lapack_driver=lapack_driver)
    return onp.linalg.svd(as_operand(a), full_matrices=full_matrices, compute_uv=compute_uv)


def svdvals(a, overwrite_a=False, check_finite=True):
    if not any_tracer(a):
        return _scipy("svdvals")(a, overwrite_a=overwrite_a, check_finite=check_finite)
    return onp.linalg.svd(as_operand(a), compute_uv=False)


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    if not any_tracer(a):
        return _scipy("qr")(a, overwrite_a=overwrite_a, lwork=lwork, mode=mode,
                            pivoting=pivoting, check_finite=check_finite)
    a = as_operand(a)
    if pivoting:
        raise NotImplementedError("scipy.linalg.qr(pivoting=True) on traced values: the "
                                  "pivots depend on the values; use pivoting=False")
    if mode == "full" and np.shape(a)[-2] > np.shape(a)[-1]:
        raise NotImplementedError(
            "scipy.linalg.qr(A, mode='full') of a tall traced matrix: the extra columns of Q "
            "are not unique and have no derivative; use mode='economic'")
    if mode in ("full", "economic"):
        return onp.linalg.qr(a)
    if mode == "r":
        return (onp.linalg.qr(a, mode="r"),)
    raise NotImplementedError(f"scipy.linalg.qr(mode={mode!r}) is not supported on traced "
                              "values; use 'full', 'economic' or 'r'")


def pinv(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    if not any_tracer(a):
        return _scipy("pinv")(a, atol=atol, rtol=rtol, return_rank=return_rank,
                              check_finite=check_finite)
    if atol is not None or rtol is not None or return_rank:
        raise NotImplementedError("scipy.linalg.pinv(atol=, rtol=, return_rank=) on traced "
                                  "values: use the defaults, or np.linalg.pinv(a, rcond)")
    return onp.linalg.pinv(as_operand(a))


def norm(a, ord=None, axis=None, keepdims=False, check_finite=True):
    if not any_tracer(a):
        return _scipy("norm")(a, ord=ord, axis=axis, keepdims=keepdims,
                              check_finite=check_finite)
    return onp.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims)


FUNCTION_RULES = {"cholesky": cholesky, "cho_factor": cho_factor, "cho_solve": cho_solve,
                  "solve_triangular": solve_triangular, "solve": solve, "inv": inv,
                  "det": det, "eigh": eigh, "eigvalsh": eigvalsh, "svd": svd,
                  "svdvals": svdvals, "qr": qr, "pinv": pinv, "norm": norm}

NO_RULE = {
    "lu_factor": "its pivots depend on the values; solve with scipy.linalg.solve(a, b)",
    "lu_solve": "it takes lu_factor's pivots; solve with scipy.linalg.solve(a, b)",
    "lu": "its pivots depend on the values; solve with scipy.linalg.solve(a, b)",
    "expm": "optad has no matrix exponential rule yet",
    "logm": "optad has no matrix logarithm rule", "sqrtm": "optad has no matrix square "
    "root rule", "funm": "optad has no rule for matrix functions",
    "cholesky_banded": "use scipy.linalg.cholesky on the full matrix",
    "solve_banded": "use scipy.linalg.solve on the full matrix",
    "eig": "use np.linalg.eig (real eigenvalues)",
}
