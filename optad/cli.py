"""The ``optad`` command: run experiment configs, redraw their figures, list what exists.

    optad run CONFIG [--out DIR] [--scheduler ADDRESS|local] [--budget-scale F] [--backend B]
    optad plot RUN_DIR [RUN_DIR ...] [--out DIR]
    optad check CONFIG [CONFIG ...]
    optad list
    optad cache info | clear

Errors a user can fix (a bad config, an unusable --out folder, an unreachable scheduler) are
one line on stderr and exit status 2, not a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

BUDGET_SCALE_ENV = "OPTAD_BUDGET_SCALE"


def _budget_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="optad", description="optad experiments: run YAML "
                                     "configs, draw convergence figures.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a config into a new run folder")
    run.add_argument("config", type=Path, help="YAML config, e.g. configs/quickstart.yaml")
    run.add_argument("--out", type=Path, default=Path("runs"),
                     help="parent folder of the new run folder (default: runs)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="run jobs on Dask: 'local' for a LocalCluster, or a scheduler address "
                          "(needs: pip install optad[distributed])")
    run.add_argument("--budget-scale", type=_budget_scale, metavar="F",
                     default=os.environ.get(BUDGET_SCALE_ENV),
                     help=f"multiply iteration/evaluation/time budgets by F (default: "
                          f"${BUDGET_SCALE_ENV} or 1)")
    run.add_argument("--backend", choices=("numba", "numpy", "cuda"),
                     help="override the config's backend")
    run.add_argument("--no-plots", action="store_true", help="skip drawing figures")

    plot = commands.add_parser("plot", help="redraw figures of run folders (several: overlaid)")
    plot.add_argument("run_dirs", type=Path, nargs="+", metavar="RUN_DIR")
    plot.add_argument("--out", type=Path,
                      help="figure folder (default: RUN_DIR/figures for one run, a new "
                           "runs/compare-... folder for several)")

    check = commands.add_parser("check", help="validate configs without running them")
    check.add_argument("configs", type=Path, nargs="+", metavar="CONFIG")

    commands.add_parser("list", help="list problems, methods and their options")

    cache = commands.add_parser("cache", help="the kernel cache ($OPTAD_CACHE_DIR or "
                                              "~/.cache/optad)")
    cache.add_argument("action", choices=("info", "clear"),
                       help="info: folder, kernels, size and limit; clear: delete every kernel")
    return parser


def _cmd_run(args) -> int:
    import dataclasses

    from .experiments.config import load_config
    from .experiments.runner import RunInterrupted, run_config

    config, text = load_config(args.config)
    scale = args.budget_scale
    if isinstance(scale, str):  # came from the environment variable
        scale = _budget_scale(scale)
    if scale is not None:
        config = config.scaled(scale)
    if args.backend:
        config = dataclasses.replace(config, backend=args.backend)
    try:
        run_dir = run_config(config, text, out_dir=args.out, scheduler=args.scheduler,
                             draw=not args.no_plots)
    except RunInterrupted as interrupted:
        print(f"interrupted: finished jobs are kept in {interrupted.run_dir}", file=sys.stderr)
        return 130
    print(run_dir)
    return 0


def _cmd_plot(args) -> int:
    from .experiments.plots import draw_runs
    from .experiments.rundir import create_unique_dir

    if args.out is not None:
        out = args.out
    elif len(args.run_dirs) == 1:
        out = args.run_dirs[0] / "figures"
    else:
        out = create_unique_dir(Path("runs"), "compare")
    paths = draw_runs(args.run_dirs, out)
    if not paths:
        print("nothing to draw: the run folders hold no finished jobs", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def _cmd_check(args) -> int:
    from .experiments.config import load_config
    from .experiments.jobs import job_list

    for path in args.configs:
        config, _ = load_config(path)
        print(f"{path}: ok ({len(job_list(config))} jobs)")
    return 0


def _cmd_list(args) -> int:
    import inspect

    from .experiments.config import PLOT_KINDS
    from .experiments.methods import METHOD_DESCRIPTIONS, METHOD_OPTIONS
    from .problems import PROBLEM_CONSTRAINTS, PROBLEMS

    def signature(constructor):
        return ", ".join(f"{p.name}={p.default!r}"
                         for p in inspect.signature(constructor).parameters.values())

    print("problems (problem.params with defaults; problem.constraints they take):")
    for name, constructor in PROBLEMS.items():
        summary = (constructor.__doc__ or "").strip().splitlines()[0]
        print(f"  {name}({signature(constructor)})\n      {summary}")
        for label, make in PROBLEM_CONSTRAINTS.get(name, {}).items():
            print(f"      constraint {label}({signature(make)}): "
                  f"{(make.__doc__ or '').strip().splitlines()[0]}")
    print("\nmethods (methods[].options):")
    for method, options in METHOD_OPTIONS.items():
        print(f"  {method}: {METHOD_DESCRIPTIONS[method]}")
        for name, option in options.items():
            print(f"      {name:<11} {option.describe()}")
    print("\nplots:")
    for kind, text in PLOT_KINDS.items():
        print(f"  {kind:<11} {text}")
    return 0


def _cmd_cache(args) -> int:
    from .backends.numba import cache

    if args.action == "clear":
        print(f"removed {cache.clear()} kernels from {cache.cache_dir()}")
        return 0
    info = cache.info()
    print(f"folder:  {info['folder']}")
    print(f"kernels: {info['kernels']} ({info['bytes'] / 2 ** 20:.1f} MB of "
          f"{info['limit_bytes'] / 2 ** 20:.0f} MB; set OPTAD_CACHE_MAX_MB to change)")
    print("status:  " + ("usable" if info["usable"] else f"not usable: {info['problem']} "
                         "(kernels are compiled in memory)"))
    return 0


COMMANDS = {"run": _cmd_run, "plot": _cmd_plot, "check": _cmd_check, "list": _cmd_list,
            "cache": _cmd_cache}


def _os_error(args, error: OSError) -> str:
    where = error.filename or getattr(args, "out", None) or ""
    what = error.strerror or str(error)
    if getattr(args, "out", None) is not None and args.command == "run":
        return f"cannot write the run folder under --out {args.out}: {what}" + (
            f" ({where})" if str(where) != str(args.out) else "")
    return f"{where}: {what}" if where else what


def main(argv=None) -> int:
    from .experiments.config import ConfigError
    from .experiments.distributed import DistributedUnavailable

    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, DistributedUnavailable) as error:
        print(f"optad {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:   # --out on a file, a read-only folder, a full disk, ...
        print(f"optad {args.command}: error: {_os_error(args, error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
