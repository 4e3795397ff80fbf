"""Ten programs written the way their users write them: plain NumPy, Python loops over time
steps, ``loss = 0.0`` accumulators, slices of data passed as arguments, ``np.pad`` and
``np.concatenate`` for boundaries, fancy indexing for labels and observations.

Each maker takes ``np`` (NumPy, or ``jax.numpy`` for the JAX twin: the body is the same text, as
a user moving to JAX would keep it) and a size name ("tiny" for tests, "small", "full"), and
returns ``(f, args)``: ``f(*args)`` is a scalar loss differentiated with respect to ``args[0]``
(an array or a pytree of arrays); the other arguments are data.  Data is float64, drawn with
NumPy from fixed seeds, so both libraries see the same numbers.

    from user_programs import PROGRAMS
    f, args = PROGRAMS["GRU, Python loop"](numpy, "small")
"""
from __future__ import annotations

import numpy as onp


def _rng(seed):
    return onp.random.default_rng(seed)


# --------------------------------------------------------------------------- recurrent

def gru(np, size):
    """A GRU cell unrolled over T steps in a Python loop, reading xs[t] and ys[t] from data
    passed as arguments; mean squared error of a linear read-out at every step."""
    T, B, d, H = {"tiny": (3, 2, 2, 3), "small": (20, 8, 4, 16), "full": (50, 32, 8, 64)}[size]
    rng = _rng(1)
    params = {name: 0.3 * rng.standard_normal(shape) for name, shape in [
        ("Wz", (d, H)), ("Uz", (H, H)), ("bz", (H,)), ("Wr", (d, H)), ("Ur", (H, H)),
        ("br", (H,)), ("Wh", (d, H)), ("Uh", (H, H)), ("bh", (H,)), ("Wo", (H, 1))]}
    xs = rng.standard_normal((T, B, d))
    ys = rng.standard_normal((T, B, 1))

    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    def loss(p, xs, ys):
        h = np.zeros((xs.shape[1], p["Uz"].shape[0]))
        total = 0.0
        for t in range(xs.shape[0]):
            z = sigmoid(xs[t] @ p["Wz"] + h @ p["Uz"] + p["bz"])
            r = sigmoid(xs[t] @ p["Wr"] + h @ p["Ur"] + p["br"])
            candidate = np.tanh(xs[t] @ p["Wh"] + (r * h) @ p["Uh"] + p["bh"])
            h = (1 - z) * h + z * candidate
            total = total + np.mean((h @ p["Wo"] - ys[t]) ** 2)
        return total / xs.shape[0]

    return loss, (params, xs, ys)


# --------------------------------------------------------------------------- filtering

def kalman(np, size):
    """Negative log-likelihood of a constant-velocity Kalman filter in the log noise levels
    (process, observation), the filter written step by step over the observations."""
    T = {"tiny": 4, "small": 50, "full": 200}[size]
    dt = 0.1
    rng = _rng(2)
    truth = onp.cumsum(0.3 * rng.standard_normal(T)) * dt
    observations = (truth + 0.5 * rng.standard_normal(T)).reshape(T, 1)
    F = onp.array([[1.0, dt], [0.0, 1.0]])
    G = onp.array([[1.0, 0.0]])
    log_noise = onp.array([onp.log(0.1), onp.log(0.3)])

    def nll(log_noise, observations, F, G):
        Q = np.exp(log_noise[0]) * np.array([[dt ** 3 / 3, dt ** 2 / 2], [dt ** 2 / 2, dt]])
        R = np.exp(log_noise[1]) * np.eye(1)
        m = np.zeros(2)
        P = np.eye(2)
        total = 0.0
        for y in observations:
            m = F @ m
            P = F @ P @ F.T + Q
            S = G @ P @ G.T + R
            K = np.linalg.solve(S, G @ P).T
            v = y - G @ m
            total = total + 0.5 * (np.log(np.linalg.det(S)) + v @ np.linalg.solve(S, v))
            m = m + K @ v
            P = P - K @ S @ K.T
        return total

    return nll, (log_noise, observations, F, G)


# --------------------------------------------------------------------------- physics

def nbody(np, size):
    """Leapfrog steps of N softened gravitating bodies from initial positions (the unknowns),
    loss = squared distance of the final positions to targets."""
    N, steps = {"tiny": (3, 2), "small": (16, 10), "full": (64, 20)}[size]
    rng = _rng(3)
    positions = rng.standard_normal((N, 3))
    velocities = 0.1 * rng.standard_normal((N, 3))
    masses = rng.uniform(0.5, 1.5, N)
    targets = positions + 0.05 * rng.standard_normal((N, 3))

    def accelerations(x, masses):
        diff = x[None, :, :] - x[:, None, :]
        r2 = np.sum(diff ** 2, axis=-1) + 0.01
        inv_r3 = r2 ** -1.5
        return np.sum(masses[None, :, None] * diff * inv_r3[:, :, None], axis=1)

    def loss(x, v, masses, targets):
        dt = 0.01
        a = accelerations(x, masses)
        for _ in range(steps):
            v = v + 0.5 * dt * a
            x = x + dt * v
            a = accelerations(x, masses)
            v = v + 0.5 * dt * a
        return np.sum((x - targets) ** 2)

    return loss, (positions, velocities, masses, targets)


def heat_2d(np, size):
    """Explicit finite differences of the 2-D heat equation with zero boundary (np.pad), the
    five-point stencil by slicing; loss = misfit of the final field to a target, in the
    initial field."""
    n, steps = {"tiny": (5, 2), "small": (32, 20), "full": (128, 50)}[size]
    rng = _rng(4)
    u0 = rng.random((n, n))
    target = 0.5 * rng.random((n, n))

    def loss(u, target):
        alpha = 0.2
        for _ in range(steps):
            interior = u[1:-1, 1:-1] + alpha * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:]
                                                + u[1:-1, :-2] - 4 * u[1:-1, 1:-1])
            u = np.pad(interior, 1)
        return np.mean((u - target) ** 2)

    return loss, (u0, target)


# --------------------------------------------------------------------------- layers

def conv1d(np, size):
    """A 1-D convolution layer written as a sum over kernel taps of slices of the input, then
    tanh and a mean squared error; unknowns are the filters and the bias."""
    B, C, O, L, K = {"tiny": (2, 2, 2, 8, 3), "small": (8, 4, 8, 128, 5),
                     "full": (32, 8, 16, 512, 7)}[size]
    rng = _rng(5)
    params = (0.3 * rng.standard_normal((O, C, K)), 0.1 * rng.standard_normal((O, 1)))
    x = rng.standard_normal((B, C, L))
    target = rng.standard_normal((B, O, L - K + 1))

    def loss(params, x, target):
        W, b = params
        width = x.shape[2] - W.shape[2] + 1
        out = b
        for k in range(W.shape[2]):
            out = out + W[:, :, k] @ x[:, :, k:k + width]
        return np.mean((np.tanh(out) - target) ** 2)

    return loss, (params, x, target)


def attention(np, size):
    """One self-attention layer (numerically stable softmax over keys) and a linear output;
    mean squared error to targets."""
    B, T, d = {"tiny": (2, 3, 4), "small": (4, 16, 32), "full": (16, 64, 64)}[size]
    rng = _rng(6)
    scale = 1 / onp.sqrt(d)
    params = {name: scale * rng.standard_normal((d, d)) for name in ("Wq", "Wk", "Wv", "Wo")}
    X = rng.standard_normal((B, T, d))
    Y = rng.standard_normal((B, T, d))

    def loss(p, X, Y):
        Q, K, V = X @ p["Wq"], X @ p["Wk"], X @ p["Wv"]
        scores = Q @ K.transpose(0, 2, 1) / np.sqrt(X.shape[-1])
        scores = scores - scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights = weights / weights.sum(axis=-1, keepdims=True)
        out = (weights @ V) @ p["Wo"]
        return np.mean((out - Y) ** 2)

    return loss, (params, X, Y)


# --------------------------------------------------------------------------- statistics

def gaussian_process(np, size):
    """Negative log marginal likelihood of a GP with a squared-exponential kernel in its log
    hyperparameters (length scale, signal variance, noise variance), through a Cholesky
    factor and two triangular-by-general solves."""
    n = {"tiny": 5, "small": 50, "full": 200}[size]
    rng = _rng(7)
    X = rng.uniform(-3, 3, (n, 1))
    y = onp.sin(2 * X[:, 0]) + 0.1 * rng.standard_normal(n)
    log_hyper = onp.array([0.0, 0.0, onp.log(0.1)])

    def nll(log_hyper, X, y):
        length, signal, noise = np.exp(log_hyper[0]), np.exp(log_hyper[1]), np.exp(log_hyper[2])
        sq = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
        K = signal * np.exp(-0.5 * sq / length ** 2) + (noise + 1e-8) * np.eye(X.shape[0])
        L = np.linalg.cholesky(K)
        alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
        return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)

    return nll, (log_hyper, X, y)


def softmax_classifier(np, size):
    """Multinomial logistic regression with an L2 penalty: log-sum-exp by hand, the labels'
    logits picked with fancy indexing."""
    n, d, C = {"tiny": (6, 3, 3), "small": (500, 20, 10), "full": (5000, 50, 10)}[size]
    rng = _rng(8)
    X = rng.standard_normal((n, d))
    labels = rng.integers(0, C, n)
    params = (0.01 * rng.standard_normal((d, C)), onp.zeros(C))

    def loss(params, X, labels):
        W, b = params
        logits = X @ W + b
        top = logits.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.sum(np.exp(logits - top), axis=1))
        picked = logits[np.arange(X.shape[0]), labels]
        return np.mean(lse - picked) + 1e-3 * np.sum(W ** 2)

    return loss, (params, X, labels)


# --------------------------------------------------------------------------- least squares

def bundle_adjustment(np, size):
    """Reprojection error of points seen by cameras (rotation vector by Rodrigues' formula with
    np.cross, translation, focal length, two radial distortion terms), gathered per
    observation by camera and point index arrays; 0.5 sum of squared residuals."""
    cams, pts, obs = {"tiny": (2, 3, 6), "small": (8, 100, 400), "full": (20, 1000, 5000)}[size]
    rng = _rng(9)
    cameras = onp.concatenate([0.1 * rng.standard_normal((cams, 3)),
                               rng.standard_normal((cams, 2)) * 0.1,
                               5 + rng.random((cams, 1)),
                               onp.full((cams, 1), 800.0), onp.zeros((cams, 2))], axis=1)
    points = rng.standard_normal((pts, 3))
    camera_index = rng.integers(0, cams, obs)
    point_index = onp.concatenate([onp.arange(pts), rng.integers(0, pts, max(0, obs - pts))])
    point_index = point_index[:obs]
    observed = 50 * rng.standard_normal((obs, 2))

    def rotate(points, rot_vecs):
        theta = np.sqrt(np.sum(rot_vecs ** 2, axis=1, keepdims=True) + 1e-12)
        v = rot_vecs / theta
        dot = np.sum(points * v, axis=1, keepdims=True)
        cos, sin = np.cos(theta), np.sin(theta)
        return cos * points + sin * np.cross(v, points) + dot * (1 - cos) * v

    def loss(params, camera_index, point_index, observed):
        cameras, points = params
        cam = cameras[camera_index]
        p = rotate(points[point_index], cam[:, :3]) + cam[:, 3:6]
        p = -p[:, :2] / p[:, 2:3]
        r2 = np.sum(p ** 2, axis=1)
        radial = 1 + cam[:, 7] * r2 + cam[:, 8] * r2 ** 2
        projected = cam[:, 6:7] * radial[:, None] * p
        return 0.5 * np.sum((projected - observed) ** 2)

    return loss, ((cameras, points), camera_index, point_index, observed)


def lotka_volterra_rk4(np, size):
    """Fit of the four Lotka-Volterra rates to observed populations: classic RK4 in a Python
    loop, the state an np.array of two traced scalars, the misfit summed step by step."""
    steps = {"tiny": 3, "small": 100, "full": 400}[size]
    dt = 0.05
    rates = onp.array([1.0, 0.4, 0.8, 0.2])
    rng = _rng(10)
    observed = onp.abs(2 + rng.standard_normal((steps, 2)))
    start = onp.array([2.0, 1.0])

    def rhs(state, rates):
        prey, predator = state[0], state[1]
        return np.array([rates[0] * prey - rates[1] * prey * predator,
                         rates[3] * prey * predator - rates[2] * predator])

    def loss(rates, start, observed):
        state = start
        misfit = 0.0
        for i in range(observed.shape[0]):
            k1 = rhs(state, rates)
            k2 = rhs(state + 0.5 * dt * k1, rates)
            k3 = rhs(state + 0.5 * dt * k2, rates)
            k4 = rhs(state + dt * k3, rates)
            state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            misfit = misfit + np.sum((state - observed[i]) ** 2)
        return misfit / observed.shape[0]

    return loss, (rates, start, observed)


PROGRAMS = {
    "GRU, Python loop": gru,
    "Kalman filter": kalman,
    "N-body leapfrog": nbody,
    "heat equation 2-D": heat_2d,
    "conv1d by slicing": conv1d,
    "attention layer": attention,
    "GP, Cholesky": gaussian_process,
    "softmax classifier": softmax_classifier,
    "bundle adjustment": bundle_adjustment,
    "ODE fit, RK4": lotka_volterra_rk4,
}
SIZES = ("tiny", "small", "full")
