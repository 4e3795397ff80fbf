"""Loops written the way users write them (plain Python ``for`` over data passed as arguments),
shared by the reroll tests.  Each takes (params, xs, ys) with params a tuple of arrays."""
import numpy as np


def rnn(params, xs, ys):
    """The textbook tanh RNN of issue 24: the carry starts as np.zeros, the loss as 0.0."""
    Wx, Wh, b, Wo, bo = params
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        loss = loss + np.mean((h @ Wo + bo - ys[t]) ** 2)
    return loss


def rnn_zip(params, xs, ys):
    Wx, Wh, b, Wo, bo = params
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for x, y in zip(xs, ys):
        h = np.tanh(x @ Wx + h @ Wh + b)
        loss = loss + np.mean((h @ Wo + bo - y) ** 2)
    return loss


def rnn_columns(params, xs, ys):
    """Time along the second axis: xs[:, t] (xs passed transposed)."""
    Wx, Wh, b, Wo, bo = params
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(xs.shape[1]):
        h = np.tanh(xs[:, t] @ Wx + h @ Wh + b)
        loss = loss + np.mean((h @ Wo + bo - ys[:, t]) ** 2)
    return loss


def gru(params, xs, ys):
    """A GRU-like cell: update and reset gates, the carry mixed by the gate."""
    Wx, Wh, b, Wo, bo = params
    Wz, Wr = 0.3 * Wh, 0.2 * Wh.T
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(xs.shape[0]):
        x = xs[t, :]
        z = 1.0 / (1.0 + np.exp(-(x @ Wx + h @ Wz)))
        r = 1.0 / (1.0 + np.exp(-(0.5 * (x @ Wx) + h @ Wr)))
        c = np.tanh(x @ Wx + (r * h) @ Wh + b)
        h = (1.0 - z) * h + z * c
        loss = loss + np.sum((h @ Wo + bo - ys[t]) ** 2)
    return loss / xs.shape[0]


def accumulate(params, xs, ys):
    """No recurrent state: an accumulator over the rows of the data (a per-sample loss)."""
    Wx, Wh, b, Wo, bo = params
    total = 0.0
    for t in range(xs.shape[0]):
        hidden = np.tanh(xs[t] @ Wx + b)
        total = total + np.sum((hidden @ Wo + bo - ys[t]) ** 2) + 0.01 * np.sum(hidden @ Wh)
    return total / xs.shape[0]


def windows(params, xs, ys):
    """Overlapping windows xs[t:t + 3] (a moving average fed to the cell)."""
    Wx, Wh, b, Wo, bo = params
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(xs.shape[0] - 2):
        h = np.tanh(np.mean(xs[t:t + 3], axis=0) @ Wx + h @ Wh + b)
        loss = loss + np.mean((h @ Wo + bo - ys[t]) ** 2)
    return loss


def backwards(params, xs, ys):
    """The sequence read from its end: xs[T - 1 - t]."""
    Wx, Wh, b, Wo, bo = params
    n = xs.shape[0]
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(n):
        h = np.tanh(xs[n - 1 - t] @ Wx + h @ Wh + b)
        loss = loss + np.mean((h @ Wo + bo - ys[n - 1 - t]) ** 2)
    return loss


def own_state_entry(params, xs, ys):
    """Reads the t-th entry of its own state: a slice of a value computed inside the loop at a
    position that moves with the step (a gather in the loop body)."""
    Wx, Wh, b, Wo, bo = params
    state = np.tanh(xs @ Wx[:, :1])[:, 0]          # one value per step, computed once
    loss = 0.0
    for t in range(xs.shape[0]):
        state = np.tanh(0.5 * state + 0.1 * b[0])
        loss = loss + (state[t] - ys[t, 0]) ** 2 * bo[0] + np.sum(state * Wh[0, 0])
    return loss


def diagonal(params, xs, ys):
    """Reads the diagonal of a square array, gram[t, t]: a slice whose start moves along two
    axes at once, which does not reroll."""
    Wx, Wh, b, Wo, bo = params
    gram = xs @ xs.T
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(gram[t, t] * b + h @ Wh)
        loss = loss + np.mean((h @ Wo + bo - ys[t]) ** 2)
    return loss


MODELS = {f.__name__: f for f in (rnn, rnn_zip, rnn_columns, gru, accumulate, windows,
                                   backwards, own_state_entry)}


def data(steps=12, d=3, hidden=4, out=2, seed=0):
    rng = np.random.default_rng(seed)
    params = (0.5 * rng.standard_normal((d, hidden)), 0.4 * rng.standard_normal((hidden, hidden)),
              0.1 * rng.standard_normal(hidden), 0.5 * rng.standard_normal((hidden, out)),
              0.1 * rng.standard_normal(out))
    return params, rng.standard_normal((steps, d)), rng.standard_normal((steps, out))


def arguments(name, steps=12):
    params, xs, ys = data(steps)
    if name == "rnn_columns":
        return params, np.ascontiguousarray(xs.T), np.ascontiguousarray(ys.T)
    return params, xs, ys
