"""Python loops written the way users write them reroll into one scan (issue 24): loops that
read the t-th slice of an argument (xs[t], zip(xs, ys), xs[t, :], xs[:, t], windows, backwards),
whose carry starts as a NumPy constant and whose loss starts as 0.0.  The rerolled program is
short and gives the unrolled trace's value, gradient and HVP, which agree with finite
differences; a loop that cannot reroll is named, with the reason."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import optad
from optad.primitives.loops import scan_p

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
sys.path.insert(0, os.path.dirname(__file__))
from fd import assert_close, directional  # noqa: E402
import reroll_user_loops as loops  # noqa: E402


def _scans(program):
    return [e for e in program.eqns if e.primitive is scan_p]


def _unrolled(monkeypatch, fun):
    """A fresh function (a new trace) evaluated with rerolling off."""
    monkeypatch.setenv("OPTAD_REROLL", "0")
    return lambda *a: fun(*a)


@pytest.mark.parametrize("name", sorted(loops.MODELS))
def test_user_loops_reroll_to_one_short_scan(name):
    fun, args = loops.MODELS[name], loops.arguments(name, steps=40)
    program = optad.make_program(fun, *args)
    (scan,) = _scans(program)
    # the first iteration (carry from np.zeros, loss from 0.0) stays before the scan
    assert scan.params["length"] >= 40 - 2 - 2
    body = scan.params["body"]
    # one peeled iteration at most beside the scan: the program does not grow with the steps
    assert len(body.eqns) < 60 and len(program.eqns) <= len(body.eqns) + 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = optad.explain_rerolls(fun, *args)
    assert [r.rerolled for r in report] == [True]
    assert report[0].iterations == scan.params["length"] and report[0].stacked_slices >= 1
    assert "reroll_user_loops.py" in report[0].where


def test_the_program_grows_with_nothing_but_the_data():
    lengths = {steps: len(str(optad.make_program(loops.rnn, *loops.arguments("rnn", steps)))
                          .splitlines()) for steps in (10, 50, 200)}
    assert len(set(lengths.values())) == 1, lengths


def _check_against_unrolled_and_fd(fun, args, backend, monkeypatch, hvp=True):
    params = args[0]
    tangent = tuple(np.cos(3.0 * p + 1.0) for p in params)
    value, grads = optad.value_and_grad(fun, backend=backend)(*args)
    hv = optad.hvp(fun, backend=backend if hvp else "numpy")(params, tangent, *args[1:])

    unrolled = _unrolled(monkeypatch, fun)
    assert not _scans(optad.make_program(unrolled, *args))
    ref_value, ref_grads = optad.value_and_grad(unrolled, backend="numpy")(*args)
    ref_hv = optad.hvp(unrolled, backend="numpy")(params, tangent, *args[1:])
    assert_close(value, ref_value, rtol=1e-12, what="value")
    for g, r in zip(grads, ref_grads):
        assert_close(g, r, rtol=1e-10, atol=1e-12, what="gradient")
    for h, r in zip(hv, ref_hv):
        assert_close(h, r, rtol=1e-9, atol=1e-11, what="hvp")

    # finite differences of the plain Python function (no optad involved)
    assert_close(value, fun(*args), rtol=1e-12, what="value / NumPy")
    along = sum(np.sum(g * t) for g, t in zip(grads, tangent))
    fd = directional(lambda *p: fun(p, *args[1:]), list(params), list(tangent))
    assert_close(along, fd, rtol=1e-6, atol=1e-8, what="gradient / finite differences")
    grad_flat = optad.grad(fun, backend="numpy")
    fd_hv = directional(lambda *p: np.concatenate([g.ravel() for g in grad_flat(p, *args[1:])]),
                        list(params), list(tangent), h=1e-5)
    assert_close(np.concatenate([h.ravel() for h in hv]), fd_hv, rtol=1e-5, atol=1e-7,
                 what="hvp / finite differences")


@pytest.mark.parametrize("name", sorted(loops.MODELS))
def test_value_gradient_and_hvp_numpy(name, monkeypatch):
    _check_against_unrolled_and_fd(loops.MODELS[name], loops.arguments(name), "numpy",
                                   monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rnn", "rnn_columns", "gru", "own_state_entry"])
def test_value_gradient_and_hvp_numba(name, monkeypatch):
    # the GRU's HVP kernel is the longest to compile (a minute on a loaded machine): its
    # value_and_grad is compiled, its HVP checked on the NumPy backend above
    _check_against_unrolled_and_fd(loops.MODELS[name], loops.arguments(name), "numba",
                                   monkeypatch, hvp=name != "gru")


@pytest.mark.slow
def test_numba_kernel_of_the_rnn_has_one_loop_per_sweep():
    args = loops.arguments("rnn", steps=50)
    source = optad.show_source(optad.value_and_grad(loops.rnn), *args)
    assert source.count("for step_") == 2, source
    assert len(source.splitlines()) < 1000


def test_a_loop_that_cannot_reroll_is_named_with_its_reason():
    args = loops.arguments("rnn", steps=12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = optad.explain_rerolls(loops.diagonal, *args)
    (loop,) = report.not_rerolled
    assert not report.rerolled
    assert "reroll_user_loops.py" in loop.where and loop.iterations >= 10
    assert "moves along several axes" in loop.reason
    assert "gram[t, t]" in str(report)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        printed = str(optad.make_program(loops.diagonal, *args))
    assert "# not rerolled:" in printed and "several axes" in printed


def test_a_long_loop_that_cannot_reroll_warns_before_compiling():
    args = loops.arguments("rnn", steps=30)
    with pytest.warns(optad.RerollWarning, match=r"reroll_user_loops\.py:\d+.*stays unrolled"
                                                 r".*several axes"):
        optad.make_program(loops.diagonal, *args)
    with warnings.catch_warnings():   # a loop that rerolls says nothing
        warnings.simplefilter("error")
        optad.make_program(loops.rnn, *args)


def shuffled(params, xs, ys):
    """Visits the rows in a static shuffled order: a gather at constant positions."""
    Wx, Wh, b, Wo, bo = params
    h, loss = np.zeros(Wh.shape[0]), 0.0
    for t in range(xs.shape[0]):
        s = (7 * t) % xs.shape[0]
        h = np.tanh(xs[s] @ Wx + h @ Wh + b)
        loss = loss + np.mean((h @ Wo + bo - ys[s]) ** 2)
    return loss


def discounted(params, xs, ys):
    """Python numbers that change with the step: a time t * dt and a discount 0.9 ** t."""
    Wx, Wh, b, Wo, bo = params
    h, loss = np.zeros(Wh.shape[0]), 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b + 0.05 * t)
        loss = loss + 0.9 ** t * np.mean((h @ Wo + bo - ys[t]) ** 2)
    return loss


@pytest.mark.parametrize("fun", [shuffled, discounted])
def test_jumping_slices_and_changing_numbers_reroll(fun, monkeypatch):
    args = loops.arguments("rnn", steps=10)
    (scan,) = _scans(optad.make_program(fun, *args))
    assert scan.params["length"] == 9
    (loop,) = optad.explain_rerolls(fun, *args)
    assert loop.rerolled and loop.stacked_slices + loop.stacked_values >= 2
    _check_against_unrolled_and_fd(fun, args, "numpy", monkeypatch)


def test_two_loops_that_differ_in_a_number_roll_with_the_number_per_iteration(monkeypatch):
    def two_phases(params, xs, ys):
        Wx, Wh, b, Wo, bo = params
        h = np.zeros(Wh.shape[0]) + b
        for t in range(xs.shape[0]):
            h = np.tanh(xs[t] @ Wx + 0.5 * (h @ Wh) + b)
        for t in range(xs.shape[0]):
            h = np.tanh(xs[t] @ Wx + 0.25 * (h @ Wh) + b)
        return np.sum(h ** 2)
    args = loops.arguments("rnn", steps=10)
    (scan,) = _scans(optad.make_program(two_phases, *args))
    assert scan.params["length"] == 20
    _check_against_unrolled_and_fd(two_phases, args, "numpy", monkeypatch)


def test_an_accumulator_starting_at_zero_needs_no_peeling():
    (scan,) = _scans(optad.make_program(loops.accumulate, *loops.arguments("accumulate")))
    assert scan.params["length"] == 12
    (loop,) = optad.explain_rerolls(loops.accumulate, *loops.arguments("accumulate"))
    assert loop.before == loop.after == 0


def test_the_printer_names_the_rerolled_loop():
    printed = str(optad.make_program(loops.rnn, *loops.arguments("rnn")))
    lines = printed.splitlines()
    k = next(i for i, line in enumerate(lines) if "= scan[" in line)
    assert lines[k - 1].strip().startswith("# rerolled: 11 iterations of")
    assert "reroll_user_loops.py:" in lines[k - 1]


def test_explain_environment_variable_prints_the_report():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import reroll_user_loops as m, optad; "
            "optad.make_program(m.rnn, *m.arguments('rnn'))")
    env = dict(os.environ, OPTAD_REROLL="explain")
    done = subprocess.run([sys.executable, "-c", code, os.path.dirname(__file__)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "optad reroll:" in done.stderr and "rerolled: loop at reroll_user_loops.py" in \
        done.stderr


def test_rerolling_off_reports_nothing(monkeypatch):
    monkeypatch.setenv("OPTAD_REROLL", "0")
    report = optad.explain_rerolls(loops.rnn, *loops.arguments("rnn"))
    assert list(report) == [] and "off" in str(report)
