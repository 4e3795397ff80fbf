"""The L-BFGS matrix in compact form, as step code (see step.py): what the generalized Cauchy
point (cauchy_point.py) and the subspace step (subspace_step.py) of lbfgs with bounds need.

With the k stored pairs (s_i, y_i) ordered oldest to newest as the rows of S and Y (k x n),
theta = y'y / s'y of the newest pair, D = diag(s_i'y_i) and L the strictly lower triangle of
S Y' (L_ij = s_i'y_j for i > j), the limited-memory BFGS matrix is

    B = theta I - W M W',   W = [Y' , theta S'] (n x 2k),
    M = [[-D, L'], [L, theta S S']]^-1   (2k x 2k)

(Byrd, Nocedal & Schnabel 1994, Theorem 2.3).  ``compact_form`` returns Wt = W' (2k x n, one
row per column of W, so that W'v is ``Wt @ v`` and row i of W is ``Wt[:, i]``), M and theta.
With no pairs B = I: Wt is 0 x n and M is 0 x 0.  Small systems are solved by ``solve_small``,
which reports a singular matrix instead of raising.
"""
from __future__ import annotations

import numpy as np


def compact_form(S, Y, stored, head):
    """(Wt, M, theta, ok) of the pairs held in the ring buffers S, Y (newest at head - 1);
    ``ok`` False when the pairs are too near linear dependence for M to mean anything (the
    caller then drops them, as L-BFGS-B does when its factorisation fails)."""
    m, n = S.shape
    k = stored
    if k == 0:
        return np.zeros((0, n)), np.zeros((0, 0)), 1.0, True
    Wt = np.empty((2 * k, n))               # Y' above S' (scaled by theta below)
    for j in range(k):                      # oldest first
        i = (head - k + j + m) % m
        Wt[j] = Y[i]
        Wt[k + j] = S[i]
    Yk, Sk = Wt[:k], Wt[k:]
    theta = float(Yk[k - 1] @ Yk[k - 1]) / float(Sk[k - 1] @ Yk[k - 1])
    M, ok = _middle_inverse(Sk @ Yk.T, Sk @ Sk.T, theta)
    Wt[k:] *= theta
    return Wt, M, theta, ok


def _middle_inverse(SY, SS, theta):
    """(M, ok): the inverse of [[-D, L'], [L, theta S'S]] by block elimination,

        M = [[D^-1 (L' T^-1 L D^-1 - I), D^-1 L' T^-1], [T^-1 L D^-1, T^-1]],
        T = theta S'S + L D^-1 L'  (symmetric positive definite),

    with T^-1 by ``solve_small``.  The middle matrix is far worse conditioned than T
    when the pairs are badly scaled (a general inverse of it lost every digit of B on such
    problems)."""
    k = SY.shape[0]
    D = np.empty(k)
    L = np.zeros((k, k))
    for i in range(k):
        D[i] = SY[i, i]
        for j in range(i):
            L[i, j] = SY[i, j]
    LD = L / D                              # L D^-1 (columns scaled)
    T_inv, ok = solve_small(theta * SS + LD @ L.T, np.eye(k))
    M = np.zeros((2 * k, 2 * k))
    if not ok:
        return M, False
    LtT = L.T @ T_inv
    M[:k, :k] = ((LtT @ LD) - np.eye(k)) / D.reshape(k, 1)
    M[:k, k:] = LtT / D.reshape(k, 1)
    M[k:, :k] = T_inv @ LD
    M[k:, k:] = T_inv
    return M, True


def solve_small(A, B):
    """(A^-1 B, ok) for the small matrices of the compact form (B a matrix), by Gaussian
    elimination with partial pivoting, which keeps its accuracy on the graded matrices of
    badly scaled pairs (an eigendecomposition does not).  ok False (and zeros) when a pivot is
    zero or the result is not finite: no exception, so the compiled loops need no handler."""
    n = A.shape[0]
    U = A.astype(np.float64)
    X = B.astype(np.float64)
    for j in range(n):
        p = j + int(np.argmax(np.abs(U[j:, j])))
        if not (U[p, j] != 0 and np.isfinite(U[p, j])):
            return np.zeros(B.shape), False
        if p != j:
            row = U[j].copy()
            U[j] = U[p]
            U[p] = row
            row = X[j].copy()
            X[j] = X[p]
            X[p] = row
        if j + 1 < n:
            factors = U[j + 1:, j] / U[j, j]
            U[j + 1:, j:] -= np.outer(factors, U[j, j:])
            X[j + 1:] -= np.outer(factors, X[j])
    for j in range(n - 1, -1, -1):
        if j + 1 < n:
            X[j] -= U[j, j + 1:] @ X[j + 1:]
        X[j] /= U[j, j]
    if not np.all(np.isfinite(X)):
        return np.zeros(B.shape), False
    return X, True


def matvec(A, v):
    """A @ v for the matrices of the compact form (Wt, M, ...); zeros when k is 0."""
    out = np.zeros(A.shape[0])
    if A.shape[0] > 0 and A.shape[1] > 0:
        out = A @ v
    return out


def rmatvec(A, u):
    """A' @ u (as u @ A, no transposed copy of A); zeros when k is 0."""
    out = np.zeros(A.shape[1])
    if A.shape[0] > 0 and A.shape[1] > 0:
        out = u @ A
    return out


def model_change(x, g, z, Wt, M, theta):
    """q(z) - q(x) = g'(z - x) + (z - x)'B(z - x) / 2, the quadratic model's change."""
    v = z - x
    w = matvec(Wt, v)
    return float(g @ v) + 0.5 * (theta * float(v @ v) - float(w @ matvec(M, w)))
