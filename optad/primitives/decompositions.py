"""Matrix decompositions and functions with closed-form adjoints, batched over leading axes
like NumPy (A has shape (..., m, n)).

    Y = inv(A):            dY = -Y dA Y                      Abar = -Y^T G Y^T
    (s, l) = slogdet(A):   dl = tr(A^-1 dA)                  Abar = lbar A^-T
    L = cholesky(A):       dL = L Phi(L^-1 sym(dA) L^-T)     Abar = sym(L^-T Phi(L^T Lbar) L^-1)
    (w, V) = eigh(A):      dw = diag(V^T sym(dA) V)          Abar = sym(V (diag(wbar) +
                           dV = V (F o V^T sym(dA) V)               F o V^T Vbar) V^T)
    (w, V) = eig(A):       K = V^-1 dA V, dw = diag(K),      Abar = V^-T (diag(wbar) +
                           dV = V (F o K), unit columns             F o V^T Vbar0) V^T
    (Q, R) = qr(A):        see _qr_jvp (m >= n)              Abar = (Qbar + Q N) R^-T
    (U, s, Vt) = svd(A):   see _svd_jvp                      see _svd_vjp
    P = pinv(A):           dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P

sym(X) = (X + X^T)/2, Phi(X) keeps the strict lower triangle and half the diagonal,
F_ij = 1/(w_j - w_i) off the diagonal (for the SVD 1/(s_j^2 - s_i^2)).

Conventions: the cholesky and eigh primitives take a symmetric matrix, so their derivatives
are those of the symmetric part (tangents and cotangents are symmetrised, as in JAX).  The
np.linalg and scipy.linalg functions give them the symmetric matrix of the triangle they read
(optad/numpy/linalg.py: symmetric_from_triangle), so their derivatives are those of the
functions NumPy and SciPy compute.  At repeated eigenvalues (or singular values) the eigenvectors are not unique and
have no derivative: F is set to 0 for exactly equal pairs, which is exact for functions of the
eigenvalues and of the eigenspaces only.  The derivative of the singular vectors needs s > 0;
that of inv, slogdet and det needs A nonsingular (np.linalg raises LinAlgError otherwise).
eig is the real case: the rules assume real eigenvalues (NumPy's complex result raises).
"""
from __future__ import annotations

import numpy as np

from ..ir.program import ShapedArray
from ..trace.tracer import bind
from .elementwise import ShapeError, add, div, eq, mul, neg, select, sub
from .linalg import expand_column, expand_row, matmul, solve, svd_p, swap_last
from .reductions import reduce_sum
from .registry import impl_rules, jvp_rules, primitive, shape_rules, vjp_rules
from .shape import broadcast_to, reshape


def _square(a, name):
    if len(a.shape) < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{name}: need square matrices (..., n, n), got shape {a.shape}")
    if a.dtype.kind != "f":
        raise ShapeError(f"{name}: need a float array, got {a.dtype}")


def _sym(x):
    return mul(add(x, swap_last(x)), 0.5)


def _add_all(*terms):
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = add(total, t)
    return total


def _mask(shape, dtype, kind):
    """Constant (n, n) masks broadcast to ``shape`` (..., n, n)."""
    n = shape[-1]
    m = {"eye": np.eye(n), "strict_lower": np.tri(n, k=-1),
         "phi": np.tri(n, k=-1) + 0.5 * np.eye(n)}[kind].astype(dtype)
    return broadcast_to(m, tuple(shape))


def _matrix_sum(x):
    n = len(np.shape(x))
    return reduce_sum(x, (n - 2, n - 1))


def _expand_batch(v, shape):
    """A batch of scalars v (...) broadcast to matrices of ``shape`` (..., n, n)."""
    shape = tuple(shape)
    return broadcast_to(reshape(v, shape[:-2] + (1, 1)), shape)


def _diag_part(k):
    """The diagonal of square matrices k (..., n, n) as (..., n)."""
    return reduce_sum(mul(k, _mask(np.shape(k), k.dtype, "eye")), (len(np.shape(k)) - 1,))


def _gap_inverse(values):
    """F_ij = 1 / (values_j - values_i), 0 where the two are equal (and on the diagonal)."""
    shape = tuple(np.shape(values)) + (np.shape(values)[-1],)
    gaps = sub(expand_row(values, shape), expand_column(values, shape))
    same = eq(gaps, 0.0)
    return select(same, 0.0, div(1.0, select(same, 1.0, gaps)))


def _solve_right(x, r):
    """x R^-1 = (R^-T x^T)^T."""
    return swap_last(solve(swap_last(r), swap_last(x)))


# --------------------------------------------------------------------------- inverse

inv_p = primitive("inv", "linalg")
impl_rules[inv_p] = np.linalg.inv


def _inv_shape(a, lits):
    _square(a, "inv")
    return (ShapedArray(a.shape, a.dtype),)


shape_rules[inv_p] = _inv_shape
jvp_rules[inv_p] = lambda primals, tangents, outs: (
    None if tangents[0] is None else neg(matmul(matmul(outs, tangents[0]), outs)))
vjp_rules[inv_p] = lambda ct, primals, outs: [
    neg(matmul(matmul(swap_last(outs), ct), swap_last(outs)))]


def inv(a):
    return bind(inv_p, a)


# --------------------------------------------------------------------------- log-determinant

slogdet_p = primitive("slogdet", "linalg", multiple_results=True)
impl_rules[slogdet_p] = lambda a: tuple(np.linalg.slogdet(a))


def _slogdet_shape(a, lits):
    _square(a, "slogdet")
    return (ShapedArray(a.shape[:-2], a.dtype), ShapedArray(a.shape[:-2], a.dtype))


shape_rules[slogdet_p] = _slogdet_shape


def _slogdet_jvp(primals, tangents, outs):
    (a,), (ta,) = primals, tangents
    return [None, _matrix_sum(mul(swap_last(inv(a)), ta))]


def _slogdet_vjp(cts, primals, outs):
    _, ct_log = cts  # the sign is piecewise constant
    if ct_log is None:
        return [None]
    a = primals[0]
    return [mul(_expand_batch(ct_log, np.shape(a)), swap_last(inv(a)))]


jvp_rules[slogdet_p] = _slogdet_jvp
vjp_rules[slogdet_p] = _slogdet_vjp


def slogdet(a):
    return bind(slogdet_p, a)


# --------------------------------------------------------------------------- Cholesky

cholesky_p = primitive("cholesky", "linalg")
impl_rules[cholesky_p] = np.linalg.cholesky


def _cholesky_shape(a, lits):
    _square(a, "cholesky")
    return (ShapedArray(a.shape, a.dtype),)


def _cholesky_jvp(primals, tangents, outs):
    ta = tangents[0]
    if ta is None:
        return None
    low = outs
    w = solve(low, _sym(ta))                        # L^-1 sym(dA)
    s = swap_last(solve(low, swap_last(w)))         # L^-1 sym(dA) L^-T
    return matmul(low, mul(s, _mask(np.shape(s), s.dtype, "phi")))


def _cholesky_vjp(ct, primals, outs):
    low = outs
    p = mul(matmul(swap_last(low), ct), _mask(np.shape(ct), ct.dtype, "phi"))
    z = solve(swap_last(low), p)                    # L^-T P
    return [_sym(swap_last(solve(swap_last(low), swap_last(z))))]   # sym(L^-T P L^-1)


shape_rules[cholesky_p] = _cholesky_shape
jvp_rules[cholesky_p] = _cholesky_jvp
vjp_rules[cholesky_p] = _cholesky_vjp


def cholesky(a):
    return bind(cholesky_p, a)


# --------------------------------------------------------------------------- symmetric eigen

eigh_p = primitive("eigh", "linalg", multiple_results=True)
impl_rules[eigh_p] = lambda a: tuple(np.linalg.eigh(a))


def _eig_shape(name):
    def rule(a, lits):
        _square(a, name)
        return (ShapedArray(a.shape[:-1], a.dtype), ShapedArray(a.shape, a.dtype))
    return rule


def _eigh_jvp(primals, tangents, outs):
    ta = tangents[0]
    w, v = outs
    x = _sym(ta)
    xv = matmul(x, v)
    dw = reduce_sum(mul(v, xv), (len(np.shape(v)) - 2,))
    k = matmul(swap_last(v), xv)
    return [dw, matmul(v, mul(_gap_inverse(w), k))]


def _eigh_vjp(cts, primals, outs):
    ct_w, ct_v = cts
    w, v = outs
    inner = None
    if ct_w is not None:
        inner = mul(expand_row(ct_w, np.shape(v)), _mask(np.shape(v), v.dtype, "eye"))
    if ct_v is not None:
        inner = _add_all(inner, mul(_gap_inverse(w), matmul(swap_last(v), ct_v)))
    return [_sym(matmul(matmul(v, inner), swap_last(v)))]


shape_rules[eigh_p] = _eig_shape("eigh")
jvp_rules[eigh_p] = _eigh_jvp
vjp_rules[eigh_p] = _eigh_vjp


def eigh(a):
    return bind(eigh_p, a)


# --------------------------------------------------------------------------- general eigen (real)

eig_p = primitive("eig", "linalg", multiple_results=True)


def _eig_impl(a):
    w, v = np.linalg.eig(a)
    if np.iscomplexobj(w):
        raise ValueError("np.linalg.eig: this matrix has complex eigenvalues; optad "
                         "differentiates the real case only (use np.linalg.eigh for symmetric "
                         "matrices)")
    return w, v


impl_rules[eig_p] = _eig_impl


def _unit_column_projection(v, dv):
    """The tangent of V's columns kept at unit length: dV - V diag(V^T dV)."""
    return sub(dv, mul(v, expand_row(reduce_sum(mul(v, dv), (len(np.shape(v)) - 2,)),
                                     np.shape(v))))


def _eig_jvp(primals, tangents, outs):
    ta = tangents[0]
    w, v = outs
    k = solve(v, matmul(ta, v))                     # V^-1 dA V
    dv = matmul(v, mul(_gap_inverse(w), k))
    return [_diag_part(k), _unit_column_projection(v, dv)]


def _eig_vjp(cts, primals, outs):
    ct_w, ct_v = cts
    w, v = outs
    inner = None
    if ct_w is not None:
        inner = mul(expand_row(ct_w, np.shape(v)), _mask(np.shape(v), v.dtype, "eye"))
    if ct_v is not None:
        ct_v0 = _unit_column_projection(v, ct_v)
        inner = _add_all(inner, mul(_gap_inverse(w), matmul(swap_last(v), ct_v0)))
    return [solve(swap_last(v), matmul(inner, swap_last(v)))]   # V^-T G V^T


shape_rules[eig_p] = _eig_shape("eig")
jvp_rules[eig_p] = _eig_jvp
vjp_rules[eig_p] = _eig_vjp


def eig(a):
    return bind(eig_p, a)


# --------------------------------------------------------------------------- QR (reduced)

qr_p = primitive("qr", "linalg", multiple_results=True)
impl_rules[qr_p] = lambda a: tuple(np.linalg.qr(a, mode="reduced"))


def _qr_shape(a, lits):
    if len(a.shape) < 2 or a.dtype.kind != "f":
        raise ShapeError(f"qr: need float matrices (..., m, n), got {a.shape} {a.dtype}")
    *batch, m, n = a.shape
    k = min(m, n)
    return (ShapedArray(tuple(batch) + (m, k), a.dtype), ShapedArray(tuple(batch) + (k, n),
                                                                     a.dtype))


def _qr_check(a):
    m, n = np.shape(a)[-2:]
    if m < n:
        raise NotImplementedError("derivatives of np.linalg.qr are implemented for matrices "
                                  f"with at least as many rows as columns (got {m} x {n})")


def _qr_jvp(primals, tangents, outs):
    (a,), (ta,) = primals, tangents
    _qr_check(a)
    q, r = outs
    x = _solve_right(ta, r)                          # dA R^-1
    c = matmul(swap_last(q), x)                      # Q^T dA R^-1
    low = mul(c, _mask(np.shape(c), c.dtype, "strict_lower"))
    omega = sub(low, swap_last(low))
    dq = add(matmul(q, omega), sub(x, matmul(q, c)))
    dr = matmul(sub(c, omega), r)
    return [dq, dr]


def _qr_vjp(cts, primals, outs):
    a = primals[0]
    _qr_check(a)
    q, r = outs
    ct_q, ct_r = cts
    m = None
    if ct_r is not None:
        m = matmul(ct_r, swap_last(r))
    if ct_q is not None:
        qtq = matmul(swap_last(q), ct_q)
        m = neg(qtq) if m is None else sub(m, qtq)
    n_ = sub(m, mul(sub(m, swap_last(m)), _mask(np.shape(m), m.dtype, "strict_lower")))
    b = matmul(q, n_) if ct_q is None else add(ct_q, matmul(q, n_))
    return [_solve_right(b, swap_last(r))]           # B R^-T


shape_rules[qr_p] = _qr_shape
jvp_rules[qr_p] = _qr_jvp
vjp_rules[qr_p] = _qr_vjp


def qr(a):
    return bind(qr_p, a)


# --------------------------------------------------------------------------- singular vectors

def _svd_jvp(primals, tangents, outs):
    (a,), (ta,) = primals, tangents
    u, s, vt = outs
    v = swap_last(vt)
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    shape = tuple(np.shape(s)) + (k,)
    av = matmul(ta, v)                               # dA V
    p = matmul(swap_last(u), av)                     # U^T dA V
    ds = _diag_part(p)
    f = _gap_inverse(mul(s, s))
    s_row, s_col = expand_row(s, shape), expand_column(s, shape)
    du = matmul(u, mul(f, add(mul(p, s_row), mul(s_col, swap_last(p)))))
    dv = matmul(v, mul(f, add(mul(s_col, p), mul(swap_last(p), s_row))))
    if m > k:
        du = add(du, div(sub(av, matmul(u, p)), expand_row(s, np.shape(u))))
    if n > k:
        atu = matmul(swap_last(ta), u)               # dA^T U
        dv = add(dv, div(sub(atu, matmul(v, swap_last(p))), expand_row(s, np.shape(v))))
    return [du, ds, swap_last(dv)]


def _svd_vjp(cts, primals, outs):
    a = primals[0]
    u, s, vt = outs
    ct_u, ct_s, ct_vt = cts
    v = swap_last(vt)
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    shape = tuple(np.shape(s)) + (k,)
    s_row, s_col = expand_row(s, shape), expand_column(s, shape)
    f = _gap_inverse(mul(s, s))
    g = None
    if ct_s is not None:
        g = mul(expand_row(ct_s, shape), _mask(shape, s.dtype, "eye"))
    if ct_u is not None:
        j = mul(f, matmul(swap_last(u), ct_u))
        g = _add_all(g, mul(add(j, swap_last(j)), s_row))
    ct_v = None if ct_vt is None else swap_last(ct_vt)
    if ct_v is not None:
        kk = mul(f, matmul(swap_last(v), ct_v))
        g = _add_all(g, mul(s_col, add(kk, swap_last(kk))))
    total = None if g is None else matmul(matmul(u, g), vt)
    if ct_u is not None and m > k:
        proj = sub(ct_u, matmul(u, matmul(swap_last(u), ct_u)))
        total = _add_all(total, matmul(div(proj, expand_row(s, np.shape(u))), vt))
    if ct_v is not None and n > k:
        proj = sub(ct_v, matmul(v, matmul(vt, ct_v)))
        total = _add_all(total, matmul(u, swap_last(div(proj, expand_row(s, np.shape(v))))))
    return [total]


jvp_rules[svd_p] = _svd_jvp
vjp_rules[svd_p] = _svd_vjp


# --------------------------------------------------------------------------- pseudo-inverse

pinv_p = primitive("pinv", "linalg")
impl_rules[pinv_p] = lambda a, rcond: np.linalg.pinv(a, rcond=rcond)


def _pinv_shape(a, lits, rcond):
    if len(a.shape) < 2 or a.dtype.kind != "f":
        raise ShapeError(f"pinv: need float matrices (..., m, n), got {a.shape} {a.dtype}")
    return (ShapedArray(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype),)


def _pinv_jvp(primals, tangents, outs, rcond):
    (a,), (ta,) = primals, tangents
    p = outs
    tat = swap_last(ta)
    first = neg(matmul(matmul(p, ta), p))
    second = matmul(matmul(p, swap_last(p)), sub(tat, matmul(matmul(tat, a), p)))
    third = matmul(sub(tat, matmul(p, matmul(a, tat))), matmul(swap_last(p), p))
    return add(add(first, second), third)


def _pinv_vjp(ct, primals, outs, rcond):
    a = primals[0]
    p = outs
    pt, ctt = swap_last(p), swap_last(ct)
    first = neg(matmul(matmul(pt, ct), pt))
    y = matmul(ctt, matmul(p, pt))                   # G^T P P^T
    second = sub(y, matmul(a, matmul(p, y)))         # (I - A P) G^T P P^T
    z = matmul(matmul(pt, p), ctt)                   # P^T P G^T
    third = sub(z, matmul(matmul(z, p), a))          # P^T P G^T (I - P A)
    return [add(add(first, second), third)]


shape_rules[pinv_p] = _pinv_shape
jvp_rules[pinv_p] = _pinv_jvp
vjp_rules[pinv_p] = _pinv_vjp


def pinv(a, rcond=1e-15):
    return bind(pinv_p, a, rcond=float(rcond))
