"""Status codes and messages shared by every method (one table, as in scipy)."""

SUCCESS = 0          # gradient norm <= gtol
MAXITER = 1          # iteration budget exhausted
LINE_SEARCH = 2      # no point of sufficient decrease found along the search directions
NONFINITE = 3        # fun or its gradient returned NaN/inf
XTOL = 4             # step became smaller than xtol
MAXFEV = 5           # function-evaluation budget exhausted
CALLBACK = 6         # the callback raised StopIteration
SADDLE = 7           # gradient small but negative curvature: not a minimum
INTERRUPTED = 8      # Ctrl-C (KeyboardInterrupt)
TRUST_REGION = 9     # the trust radius shrank below the resolution of x
PRECISION = 10       # zero-order: a small estimate that f's rounding cannot back up
INFEASIBLE = 11      # constrained: the violation stopped decreasing as the penalty grew

MESSAGES = {
    SUCCESS: "Optimization terminated successfully: gradient norm <= gtol.",
    MAXITER: "Maximum number of iterations has been exceeded.",
    LINE_SEARCH: "Line search could not find a point of sufficient decrease (precision loss or "
                 "a non-smooth/inconsistent gradient); returning the best point found.",
    NONFINITE: "fun or its gradient returned NaN or inf; returning the best point found so far.",
    XTOL: "Optimization terminated: relative step size <= xtol.",
    MAXFEV: "Maximum number of function evaluations (max_nfev) has been reached.",
    CALLBACK: "Stopped by the callback (StopIteration).",
    SADDLE: "Gradient norm <= gtol but the Hessian has negative curvature here: a saddle point, "
            "not a minimum (escape along the negative-curvature direction failed).",
    INTERRUPTED: "Interrupted (KeyboardInterrupt); returning the best point found so far.",
    TRUST_REGION: "The trust radius shrank below the resolution of x: no step the model "
                  "predicts lowers f (precision loss or an inconsistent Hessian); returning the "
                  "best point found.",
    PRECISION: "The gradient estimate became small, but f's differences are at its rounding "
               "level here, so the estimate cannot show a small gradient (is f bounded below? "
               "a larger eps may help).",
    INFEASIBLE: "The constraints appear infeasible: their violation stopped decreasing while the "
                "penalty grew (no feasible point near the path taken; check the constraints or "
                "try another x0).",
}

SUCCESSFUL = frozenset({SUCCESS, XTOL})
