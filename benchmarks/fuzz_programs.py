"""Programs and items for the kernel-cache fuzzer (benchmarks/fuzz_cache.py).

A *program* is a small NumPy loss written out as Python source, so that a process running it
is a plain script a person can read and re-run.  Random programs are sums of terms over the flat
vector ``v = x.ravel()``: a shifted quadratic ``0.5 * sum((x - s) ** 2)`` whose Hessian is the
identity, plus a few bounded terms (tanh, sin, exp of a sine, slices, np.stack of scalars,
np.dot with a random matrix closed over or passed as an argument).  The coefficients keep every
non-convex term's curvature below 0.3 and there are at most three of them, so each loss is
strongly convex: one minimum, which every method reaches from any start, and small rounding
differences between two runs cannot send them to different minima.  A few fixed problems join
them: the two of the known repro (Rosenbrock in its ``np.stack`` form and ``g``), and quadratics
of the same sizes with other minima.

An *item* is one operation on one program: ``minimize`` with a method and one of a few option
presets, or a derivative call (``value_and_grad``, ``hvp``) at a seeded point.  Presets are few
on purpose: the fuzzer needs the same items to recur (cache hits in many orders) and the oracle
is memoised per item.
"""
from __future__ import annotations

import json
import random

# Fixed problems: (size, x0, body).  rosen and g are the two of the repro of issue 21.
FIXED = {
    "rosen": (2, [-1.2, 1.0],
              "return np.sum(np.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]]) ** 2)"),
    "g": (2, [0.5, 0.5], "return np.sum(np.stack([x[0] - 3.0, x[1] + 2.0]) ** 2)"),
    "quad2": (2, [0.5, 0.5], "return np.sum(np.stack([x[0] + 1.5, 2.0 * (x[1] - 0.5)]) ** 2)"),
    "quad3": (3, [0.0, 0.0, 0.0],
              "return 0.5 * np.sum((x - np.array([1.0, -2.0, 0.5])) ** 2)"),
}

METHODS = ["gd", "zo-gd", "newton-cg", "lbfgs", "trust-ncg", "adam"]

# A few option presets per method; the iteration caps keep a run to well under a second.
PRESETS = {
    "gd": [{"maxiter": 300}, {"maxiter": 100, "step": 0.1}, {"maxiter": 100, "momentum": 0.5}],
    "zo-gd": [{"maxiter": 100, "seed": 0}, {"maxiter": 60, "estimator": "coordinate"}],
    "newton-cg": [{}, {"maxiter": 3}, {"cg_maxiter": 2, "maxiter": 50}],
    "lbfgs": [{}, {"m": 3}, {"maxiter": 5}, {"gtol": 1e-8}],
    "trust-ncg": [{}, {"initial_trust_radius": 0.1}, {"maxiter": 4}],
    "adam": [{"step": 0.05, "maxiter": 300}, {"step": 0.1, "maxiter": 100}],
}


def _num(rng):
    return round(rng.uniform(-1.5, 1.5), 3)


def _term(rng, n, data):
    """One random scalar term over ``v`` (length n); may add a data array to ``data``."""
    kind = rng.choice(["tanh", "sin", "expsin", "slice", "stack", "dot", "linear"])
    if kind == "tanh":   # curvature <= 2 c a^2 <= 0.29
        c, a = round(rng.uniform(0.02, 0.1), 3), round(rng.uniform(0.5, 1.2), 3)
        return f"{c} * np.sum(np.tanh({a} * v + {_num(rng)}) ** 2)", False
    if kind == "sin":    # curvature <= c a^2 <= 0.29
        c, a = round(rng.uniform(0.05, 0.2), 3), round(rng.uniform(0.5, 1.2), 3)
        return f"{c} * np.sum(np.sin({a} * v + {_num(rng)}))", False
    if kind == "expsin":  # |d2/dv2 exp(sin v)| <= 2e, c <= 0.05: <= 0.28
        c = round(rng.uniform(0.01, 0.05), 3)
        return f"{c} * np.sum(np.exp(np.sin(v)))", False
    if kind == "slice" and n >= 2:  # Hessian eigenvalues within +-2c
        c = round(rng.uniform(-0.14, 0.14), 3)
        return f"{c} * np.dot(v[1:], v[:-1])", False
    if kind == "stack" and n >= 2:  # convex
        i, j = rng.sample(range(n), 2)
        return (f"np.sum(np.stack([v[{i}] - {_num(rng)}, {_num(rng)} * v[{j}] + {_num(rng)}])"
                f" ** 2)"), True
    if kind == "dot":    # convex least squares with a random m x n matrix
        name = f"A{len(data)}"
        data.append({"name": name, "shape": [rng.randint(1, 3), n], "seed": rng.randrange(10**6),
                     "arg": rng.random() < 0.5})
        return f"0.3 * np.sum(np.dot({name}, v) ** 2)", True
    return f"{_num(rng) / 3:.3f} * np.sum(v[::2])", True


def random_program(rng: random.Random, name: str) -> dict:
    """A random strongly convex loss as a program spec (JSON-able)."""
    n = rng.choice([2, 2, 3, 3, 4, 5, 6])
    shape = [n]
    if n in (4, 6) and rng.random() < 0.4:
        shape = rng.choice([[2, n // 2], [n // 2, 2]])
    data, terms, nonconvex = [], [], 0
    for _ in range(rng.randint(1, 3)):
        term, convex = _term(rng, n, data)
        nonconvex += not convex
        terms.append(term)
    shift = [_num(rng) for _ in range(n)]
    lines = [f"v = x.ravel()",
             f"s = np.array({shift}).reshape({tuple(shape)})",
             "return 0.5 * np.sum((x - s) ** 2) + " + " + ".join(terms)]
    x0 = [round(rng.uniform(-2, 2), 3) for _ in range(n)]
    return {"name": name, "shape": shape, "x0": x0, "data": data, "lines": lines}


def fixed_program(name: str) -> dict:
    n, x0, body = FIXED[name]
    return {"name": name, "shape": [n], "x0": x0, "data": [], "lines": [body]}


def program_pool(rng: random.Random, count: int, fixed=tuple(FIXED)) -> list:
    """The fixed problems and ``count`` random ones, named p0, p1, ..."""
    return [fixed_program(k) for k in fixed] + [random_program(rng, f"p{i}")
                                                 for i in range(count)]


def render_program(p: dict) -> str:
    """Python source defining ``f_<name>``, its data arguments ``args_<name>`` and ``x0_<name>``.

    Data arrays come from ``np.random.default_rng(seed)``; each is either closed over (a module
    global the loss reads) or passed as an extra argument."""
    name, out = p["name"], []
    passed = [d["name"] for d in p["data"] if d["arg"]]
    for d in p["data"]:
        out.append(f"{name}_{d['name']} = np.random.default_rng({d['seed']})"
                   f".standard_normal({tuple(d['shape'])}) / 2")
    params = ", ".join(["x"] + passed)
    out.append(f"def f_{name}({params}):")
    for d in p["data"]:
        if not d["arg"]:
            out.append(f"    {d['name']} = {name}_{d['name']}")
    out += ["    " + line for line in p["lines"]]
    args = "".join(f"{name}_{d}, " for d in passed)
    out.append(f"args_{name} = ({args})")
    out.append(f"x0_{name} = np.array({p['x0']}).reshape({tuple(p['shape'])})")
    return "\n".join(out) + "\n"


def random_item(rng: random.Random, pool: list, methods=METHODS, derivative_share=0.2,
                presets=None) -> dict:
    """One (program, operation) item.  float32 only for derivative calls: the compiled driver
    of minimize runs float64 (a float32 minimize takes the Python driver).  ``presets``: how
    many of each method's option presets to draw from (all by default)."""
    p = rng.choice(pool)
    if rng.random() < derivative_share:
        return {"program": p["name"], "op": rng.choice(["value_and_grad", "hvp"]),
                "dtype": rng.choice(["float64", "float64", "float32"]),
                "point": rng.randrange(2)}
    method = rng.choice(methods)
    options = rng.choice(PRESETS[method][:presets])
    return {"program": p["name"], "op": "minimize", "method": method, "options": options}


def item_key(item: dict) -> str:
    """A canonical string for an item: the oracle's memo key."""
    return json.dumps(item, sort_keys=True)


def describe(item: dict) -> str:
    if item["op"] == "minimize":
        return f"minimize({item['program']}, method={item['method']!r}, " \
               f"options={item['options']})"
    return f"{item['op']}({item['program']}, {item['dtype']}, point {item['point']})"
