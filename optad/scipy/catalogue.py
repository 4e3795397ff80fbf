"""SciPy's rows of the README's "Supported operations" table, from the rule tables of this
package (optad/numpy/catalogue.py renders the table; ``register`` adds these rows to it)."""
from __future__ import annotations

from . import linalg, special, stats


def families():
    """(family, module, names, extra text), one row per SciPy module."""
    methods = [f"{dist}.{m}" for dist, ms in stats.METHOD_RULES.items() for m in ms]
    return [
        ("SciPy special", "scipy.special",
         sorted(special.UFUNC_RULES) + sorted(special.FUNCTION_RULES),
         "with `axis`, `b`, `keepdims`, `return_sign` for `logsumexp`; `gammaln`, `digamma` "
         "and `betaln` composed (a shifted Stirling series, reflection below 1/2); no rule "
         "(a new primitive would be needed): " + " ".join(sorted(special.NO_PRIMITIVE))),
        ("SciPy linalg", "scipy.linalg", sorted(linalg.FUNCTION_RULES),
         "as users call them (`cho_solve((L, True), y)`, `solve(..., assume_a='pos')`, "
         "`solve_triangular(..., trans='T', unit_diagonal=True)`); no rule: "
         + " ".join(sorted(linalg.NO_RULE))),
        ("SciPy stats", "scipy.stats", methods,
         "any argument traced (shape parameters too), frozen distributions too; -inf outside "
         "the support; no rule for " + " ".join(stats.NO_RULE_METHODS) + " (they need erf)"),
    ]
