"""A deep Python loop rerolls into one scan, and the stacking the roll writes is not rolled again
(with 13 or more iterations its reshapes form a run of their own: rolling it looped forever)."""
import numpy as np
import pytest

import optad
from optad.primitives.loops import scan_p


def _mlp(Ws, X):
    h = X
    for W in Ws[:-1]:
        h = np.tanh(W @ h)
    return np.sum(Ws[-1] @ h)


@pytest.mark.parametrize("layers", [14, 40])
def test_a_deep_python_loop_is_one_scan(layers):
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((3, 3)) * 0.5 for _ in range(layers)]
    X = rng.standard_normal((3, 2))
    program = optad.make_program(_mlp, Ws, X)
    scans = [e for e in program.eqns if e.primitive is scan_p]
    assert len(scans) == 1 and scans[0].params["length"] == layers - 1
    value, grads = optad.value_and_grad(_mlp, backend="numpy")(Ws, X)
    np.testing.assert_allclose(value, _mlp(Ws, X), rtol=1e-12)
    eps = 1e-6
    bumped = [W.copy() for W in Ws]
    bumped[0][1, 2] += eps
    lowered = [W.copy() for W in Ws]
    lowered[0][1, 2] -= eps
    fd = (_mlp(bumped, X) - _mlp(lowered, X)) / (2 * eps)
    np.testing.assert_allclose(grads[0][1, 2], fd, rtol=1e-6, atol=1e-9)
