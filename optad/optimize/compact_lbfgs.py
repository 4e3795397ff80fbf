"""The L-BFGS matrix in compact form, as step code (see step.py): what the generalized Cauchy
point (cauchy_point.py) and the subspace step (subspace_step.py) of lbfgs with bounds need.

With the k stored pairs (s_i, y_i) ordered oldest to newest as the rows of S and Y (k x n),
theta = y'y / s'y of the newest pair, D = diag(s_i'y_i) and L the strictly lower triangle of
S Y' (L_ij = s_i'y_j for i > j), the limited-memory BFGS matrix is

    B = theta I - W M W',   W = [Y' , theta S'] (n x 2k),
    M = [[-D, L'], [L, theta S S']]^-1   (2k x 2k)

(Byrd, Nocedal & Schnabel 1994, Theorem 2.3).  ``compact_form`` returns Wt = W' (2k x n, one
row per column of W, so that W'v is ``Wt @ v`` and row i of W is ``Wt[:, i]``), M and theta.
With no pairs B = I: Wt is 0 x n and M is 0 x 0.
"""
from __future__ import annotations

import numpy as np


def compact_form(S, Y, stored, head):
    """(Wt, M, theta) of the pairs held in the ring buffers S, Y (newest at head - 1)."""
    m, n = S.shape
    k = stored
    if k == 0:
        return np.zeros((0, n)), np.zeros((0, 0)), 1.0
    Sk = np.empty((k, n))
    Yk = np.empty((k, n))
    for j in range(k):                      # oldest first
        i = (head - k + j + m) % m
        Sk[j] = S[i]
        Yk[j] = Y[i]
    newest_s, newest_y = Sk[k - 1], Yk[k - 1]
    theta = float(newest_y @ newest_y) / float(newest_s @ newest_y)
    SY = Sk @ Yk.T
    SS = Sk @ Sk.T
    middle = np.zeros((2 * k, 2 * k))
    for i in range(k):
        middle[i, i] = -SY[i, i]
        for j in range(k):
            if i > j:
                middle[k + i, j] = SY[i, j]     # L
                middle[j, k + i] = SY[i, j]     # L'
            middle[k + i, k + j] = theta * SS[i, j]
    Wt = np.empty((2 * k, n))
    Wt[:k] = Yk
    Wt[k:] = theta * Sk
    return Wt, np.linalg.inv(middle), theta


def matvec(A, v):
    """A @ v for the matrices of the compact form (Wt, M, ...); zeros when k is 0."""
    out = np.zeros(A.shape[0])
    if A.shape[0] > 0 and A.shape[1] > 0:
        out = A @ v
    return out
