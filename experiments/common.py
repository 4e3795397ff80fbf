"""Helpers shared by the study scripts in this folder (timing, backend choice, saving).

The scripts use only optad's public API; this file holds no optad logic.
"""
from __future__ import annotations

import argparse
import csv
import os
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "figures"


def parse_args(description: str, extra=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", default="numba", choices=("numba", "numpy", "cuda"),
                        help="optad backend (numba falls back to numpy if it is missing)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few repeats (a smoke test, not the figure)")
    parser.add_argument("--out", type=Path, default=FIGURES,
                        help="folder for the PNG and CSV (default: experiments/figures)")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def transform(make, fun, backend, **kwargs):
    """``make(fun, backend=backend, **kwargs)``; returns (transformed, probe) where calling
    ``probe(*args)`` runs it once, switching to backend='numpy' (with a warning) if the chosen
    backend raises NotImplementedError."""
    state = {"backend": backend, "f": make(fun, backend=backend, **kwargs)}

    def call(*args):
        try:
            return state["f"](*args)
        except NotImplementedError as error:
            if state["backend"] == "numpy":
                raise
            warnings.warn(f"backend {state['backend']!r} not available ({error}); "
                          f"using 'numpy'", RuntimeWarning, stacklevel=2)
            state["backend"] = "numpy"
            state["f"] = make(fun, backend="numpy", **kwargs)
            return state["f"](*args)

    call.state = state
    return call


def best_time(fn, *args, repeat: int = 5, min_seconds: float = 0.02) -> float:
    """Fastest of ``repeat`` rounds, each the mean time per call over a loop of at least
    ``min_seconds`` (the minimum is the least disturbed by other load on the machine); the first
    call (trace, compile, cache) is not timed."""
    fn(*args)
    rounds = []
    for _ in range(repeat):
        calls, start = 0, time.perf_counter()
        while True:
            fn(*args)
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rounds.append(elapsed / calls)
    return min(rounds)


def save(fig, out: Path, name: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    temp = out / f".{name}.png.tmp"
    fig.savefig(temp, format="png", dpi=130, bbox_inches="tight")
    os.replace(temp, path)
    plt.close(fig)
    print(f"figure: {path}")
    return path


def write_csv(out: Path, name: str, header, rows) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.csv"
    temp = out / f".{name}.csv.tmp"
    with open(temp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(temp, path)
    print(f"data:   {path}")
    return path


def plot_modes(x, t_fwd, t_rev, fwd_label, rev_label, xlabel, ylabel, title):
    """Forward- against reverse-mode timings on log-log axes; returns (fig, ax)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.loglog(x, t_fwd, "o-", color="tab:blue", lw=1.8, label=fwd_label)
    ax.loglog(x, t_rev, "s-", color="tab:orange", lw=1.8, label=rev_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(frameon=False)
    return fig, ax
