"""Figures from run folders (matplotlib, Agg backend, PNG written atomically).

``draw_run(run_dir)`` draws a run's own figures into ``run_dir/figures``; ``draw_runs(dirs,
out)`` overlays several runs (colour = method label, line style = run). Convergence panels show
f - f* (or the loss when f* is unknown) on a log scale against iterations, function + gradient
evaluations and wall time: the line is the geometric mean over seeds and the band spans the
best and worst seed.
"""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .rundir import atomic_write_bytes, read_history_csv

AXES = {
    "iterations": ("iteration", "iterations"),
    "evaluations": ("evaluations", "evaluations of f + gradient (HVPs counted apart)"),
    "time": ("time_s", "wall time [s] (after warm-up compile)"),
}
LINESTYLES = ("-", "--", ":", "-.")
GRID_POINTS = 400


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


@dataclass
class Run:
    path: Path
    name: str
    config: dict
    summary: dict
    jobs: list = field(default_factory=list)  # summary job entries with "history" added


def load_run(run_dir) -> Run:
    run_dir = Path(run_dir)
    summary_path = run_dir / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run folder (no summary.json)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    jobs = []
    for entry in summary["jobs"]:
        jobs.append(dict(entry, history=read_history_csv(run_dir / entry["history_file"])))
    return Run(run_dir, summary["name"], config, summary, jobs)


def _floor(runs) -> float:
    """Smallest gap worth drawing: values at or below it (round-off) are clipped to it."""
    scale = max([abs(j["f_star"]) for r in runs for j in r.jobs if j["f_star"] is not None]
                + [1.0])
    return 1e-15 * scale


def _grid(curves, log: bool):
    x_max = max(float(np.nanmax(x)) for x, _ in curves if len(x))
    if not math.isfinite(x_max) or x_max <= 0:
        x_max = 1.0
    if not log:
        return np.linspace(0.0, x_max, GRID_POINTS)
    positive = [float(np.min(x[x > 0])) for x, _ in curves if np.any(x > 0)]
    x_min = min(positive) if positive else x_max / 1e3
    return np.unique(np.concatenate([[0.0], np.geomspace(x_min, x_max, GRID_POINTS)]))


def _mean_band(curves, floor, log_x=False):
    """Geometric mean and min/max over seeds on a common x grid.

    Each curve is (x, y) with x non-decreasing. A seed that stopped early holds its last value.
    """
    grid = _grid(curves, log_x)
    logs = []
    for x, y in curves:
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = np.asarray(x)[keep], np.log10(np.maximum(np.asarray(y)[keep], floor))
        if len(x) == 0:
            continue
        logs.append(np.interp(grid, x, y, left=y[0], right=y[-1]))
    logs = np.array(logs)
    return grid, 10 ** logs.mean(axis=0), 10 ** logs.min(axis=0), 10 ** logs.max(axis=0)


def _method_colours(runs) -> dict:
    import matplotlib
    labels = []
    for run in runs:
        for method in run.config["methods"]:
            if method["label"] not in labels:
                labels.append(method["label"])
    palette = matplotlib.colormaps["tab10"].colors
    return {label: palette[i % len(palette)] for i, label in enumerate(labels)}


def _sweep_values(runs) -> list:
    values = []
    for run in runs:
        for job in run.jobs:
            if job["sweep_value"] not in values:
                values.append(job["sweep_value"])
    return values


def run_tags(runs) -> list:
    """A distinct name per overlaid run: the config name, or the run folder's name where two
    runs share a config name (two runs of one config), numbered if even those agree."""
    names = [run.name for run in runs]
    tags = [run.name if names.count(run.name) == 1 else run.path.name for run in runs]
    return [tag if tags.count(tag) == 1 else f"{tag} #{i + 1}" for i, tag in enumerate(tags)]


def _legend_label(label, run, tag) -> str:
    """One legend entry per (run, method) for the whole figure: HVP counts (mean per run, per
    sweep point) and divergence are stated here, since the evaluation axis leaves HVPs out.
    ``tag`` names the run when several are overlaid (None for one run)."""
    text = label if tag is None else f"{label} [{tag}]"
    jobs = [j for j in run.jobs if j["label"] == label]
    values = list(dict.fromkeys(j["sweep_value"] for j in jobs))
    hvps = [np.mean([j["nhev"] for j in jobs if j["sweep_value"] == v]) for v in values]
    if any(hvps):
        counts = " / ".join(f"{h:.0f}" for h in hvps)
        where = ""
        sweep = run.config.get("sweep")
        if sweep and len(values) > 1:
            where = f" at {sweep['param']} = " + " / ".join(map(str, values))
        text += f" (+{counts} HVPs per run{where})"
    if _diverged(jobs):
        text += " (diverged)"
    return text


def _y_label(runs) -> str:
    known = all(j["f_star"] is not None for r in runs for j in r.jobs)
    return "f(x) - f*" if known else "loss f(x)"


def _diverged(jobs) -> bool:
    return any(not math.isfinite(j["history"]["gap"][-1])
               or j["history"]["gap"][-1] > 10 * abs(j["history"]["gap"][0]) for j in jobs)


def _log_x(runs) -> bool:
    return any(run.config.get("xscale") == "log" for run in runs)


def _convergence_panel(ax, runs, sweep_value, axis_kind, colours, floor, tags):
    """One panel; returns the largest starting gap drawn (the y-axis top is tied to it so a
    diverging method cannot squash the others)."""
    column, xlabel = AXES[axis_kind]
    drawn, start = False, 0.0
    for run_index, run in enumerate(runs):
        for method in run.config["methods"]:
            label = method["label"]
            jobs = [j for j in run.jobs if j["label"] == label and j["sweep_value"] == sweep_value]
            curves = [(np.asarray(j["history"][column]), np.asarray(j["history"]["gap"]))
                      for j in jobs]
            curves = [c for c in curves if np.isfinite(c[0]).any()]
            if not curves:
                continue
            grid, mean, low, high = _mean_band(curves, floor, _log_x(runs))
            start = max(start, float(np.nanmax([c[1][0] for c in curves])))
            style = LINESTYLES[run_index % len(LINESTYLES)]
            legend = _legend_label(label, run, tags[run_index])
            ax.plot(grid, mean, style, color=colours[label], lw=1.8, label=legend)
            if len(curves) > 1:
                ax.fill_between(grid, low, high, color=colours[label], alpha=0.18, lw=0)
            drawn = True
    ax.set_yscale("log")
    if _log_x(runs):
        # symlog keeps the starting point (0 iterations, 0 s) on the axis
        ax.set_xscale("symlog", linthresh=1.0 if axis_kind != "time" else 1e-4)
        ax.set_xlim(left=0)
    ax.set_xlabel(xlabel)
    ax.grid(True, which="major", alpha=0.3)
    if not drawn:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", color="grey")
    elif math.isfinite(start) and start > 0:
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, min(top, 30 * start))
    return drawn


def _seed_note(runs) -> str:
    seeds = sorted({j["seed"] for r in runs for j in r.jobs})
    known = all(j["f_star"] is not None for r in runs for j in r.jobs)
    floor = f"values below {_floor(runs):.0e} drawn at it" if known else "f* unknown: loss shown"
    if len(seeds) == 1:
        return f"seed {seeds[0]}; {floor}"
    return f"line: geometric mean over {len(seeds)} seeds, band: best to worst seed; {floor}"


def _save(fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=130, bbox_inches="tight")
    atomic_write_bytes(path, buffer.getvalue())
    return path


def convergence_figure(runs, kinds, path: Path) -> Path:
    plt = _pyplot()
    kinds = [k for k in kinds if k in AXES]
    values = _sweep_values(runs)
    sweep = runs[0].config.get("sweep")
    colours = _method_colours(runs)
    floor = _floor(runs)
    tags = run_tags(runs) if len(runs) > 1 else [None]
    fig, axes = plt.subplots(len(values), len(kinds), figsize=(4.6 * len(kinds),
                             3.3 * len(values) + 1.2), squeeze=False, layout="constrained")
    for row, value in enumerate(values):
        for col, kind in enumerate(kinds):
            ax = axes[row][col]
            _convergence_panel(ax, runs, value, kind, colours, floor, tags)
            if col == 0:
                ylabel = _y_label(runs)
                if sweep:
                    ylabel = f"{sweep['param']} = {value}\n{ylabel}"
                ax.set_ylabel(ylabel)
            if row == 0:
                ax.set_title(f"against {kind}", fontsize=11)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for row in range(len(values)):
        h, l = axes[row][0].get_legend_handles_labels()
        for handle, label in zip(h, l):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if handles:
        columns = 1 if max(map(len, labels)) > 60 else min(len(labels), 3)
        fig.legend(handles, labels, loc="outside lower center", ncol=columns, frameon=False)
    fig.suptitle(_title(runs) + "\n" + _seed_note(runs), fontsize=12)
    try:
        return _save(fig, path)
    finally:
        plt.close(fig)


def _title(runs) -> str:
    if len(runs) > 1:
        return " vs ".join(run_tags(runs))
    run = runs[0]
    return run.config.get("description") or run.name


def sweep_figure(runs, path: Path) -> Path:
    """Iterations and evaluations to reach the target against the swept parameter."""
    plt = _pyplot()
    sweep = runs[0].config["sweep"]
    target = runs[0].config["target"]
    colours = _method_colours(runs)
    tags = run_tags(runs)
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.4), layout="constrained")
    for ax, key, ylabel in ((axes[0], "iterations_to_target", "iterations"),
                            (axes[1], "evaluations_to_target", "f + gradient evaluations")):
        slope_anchor = None
        for run_index, run in enumerate(runs):
            for method in run.config["methods"]:
                label = method["label"]
                xs, means, lows, highs, missed = [], [], [], [], []
                for value in sweep["values"]:
                    jobs = [j for j in run.jobs if j["label"] == label
                            and j["sweep_value"] == value]
                    reached = [j[key] for j in jobs if j[key] is not None]
                    if jobs and len(reached) == len(jobs):
                        xs.append(value)
                        means.append(np.mean(reached))
                        lows.append(np.min(reached))
                        highs.append(np.max(reached))
                    elif jobs:
                        missed.append(value)
                if not xs:
                    continue
                means, lows, highs = map(np.asarray, (means, lows, highs))
                if slope_anchor is None or means[0] > slope_anchor[1]:
                    slope_anchor = (xs[0], means[0], xs[-1])
                name = label if len(runs) == 1 else f"{label} [{tags[run_index]}]"
                ax.errorbar(xs, means, yerr=[means - lows, highs - means], fmt="o" +
                            LINESTYLES[run_index % len(LINESTYLES)], color=colours[label],
                            capsize=3, lw=1.8, label=name)
                if missed:
                    ax.annotate(f"{label}: not reached at {sweep['param']} = "
                                + ", ".join(map(str, missed)), xy=(0.02, 0.02),
                                xycoords="axes fraction", fontsize=8, color=colours[label])
        if slope_anchor is not None and slope_anchor[2] > slope_anchor[0]:
            x0, y0, x1 = slope_anchor
            ax.plot([x0, x1], [y0, y0 * x1 / x0], ":", color="grey", lw=1.2,
                    label=f"proportional to {sweep['param']}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(sweep["param"])
        ax.set_ylabel(f"{ylabel} to f - f* <= {target:g}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(frameon=False)
    fig.suptitle(_title(runs) + "\nmean over seeds, bars: best to worst seed", fontsize=12)
    try:
        return _save(fig, path)
    finally:
        plt.close(fig)


def draw_runs(run_dirs, out_dir) -> list:
    """Draw the figures a run's config asks for; several runs are overlaid in one figure."""
    runs = [load_run(d) for d in run_dirs]
    runs = [r for r in runs if r.jobs]
    if not runs:
        return []
    out_dir = Path(out_dir)
    kinds = list(dict.fromkeys(k for r in runs for k in r.config["plots"]))
    paths = []
    if any(k in AXES for k in kinds):
        paths.append(convergence_figure(runs, kinds, out_dir / "convergence.png"))
    if "sweep" in kinds and runs[0].config.get("sweep") and runs[0].config.get("target"):
        paths.append(sweep_figure(runs, out_dir / "sweep.png"))
    return paths


def draw_run(run_dir) -> list:
    return draw_runs([run_dir], Path(run_dir) / "figures")
