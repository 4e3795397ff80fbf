"""The supported NumPy functions, grouped by family, with their conventions at non-smooth
points: the one source of the README's "Supported operations" section.

``render_supported_operations()`` writes the section from this catalogue, ``SUPPORTED`` and
the primitive registry; tests/core/test_supported_table.py checks that the README holds
exactly what it renders and that the catalogue names every supported function.  To update the
README after adding a function: ``python -m optad.numpy.catalogue --write``.
"""
from __future__ import annotations

import sys
from pathlib import Path

# (family, supported names in optad.numpy.SUPPORTED, extra text: operators, methods, notes)
FAMILIES = [
    ("arithmetic", ["add", "subtract", "multiply", "divide", "true_divide", "power",
                    "negative", "positive", "floor_divide", "remainder", "divmod", "square",
                    "reciprocal"],
     "`+ - * / // % ** @`, `divmod`, unary `-`, `abs`; `np.mod` is `np.remainder`; integer "
     "`//` and `%` stay integers, an integer to a negative integer power raises (as in NumPy)"),
    ("elementwise", ["exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "sin",
                     "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan",
                     "arcsinh", "arccosh", "arctanh", "arctan2", "absolute", "fabs", "sign",
                     "floor", "ceil", "rint", "trunc", "round", "around", "maximum",
                     "minimum", "fmax", "fmin", "logaddexp",
                     "logaddexp2", "hypot", "clip", "sinc", "deg2rad", "rad2deg", "radians",
                     "degrees", "nan_to_num", "isnan", "isinf", "isfinite", "real", "imag",
                     "conjugate", "angle", "real_if_close"],
     "`np.conj` is `np.conjugate`; optad's arrays are real, so `real`, `conjugate` and "
     "`real_if_close` are the identity, `imag` is zeros and `angle` is 0 or pi"),
    ("comparisons, logic", ["less", "less_equal", "greater", "greater_equal", "equal",
                            "not_equal", "logical_and", "logical_or", "logical_not", "where",
                            "select"],
     "`< <= > >= == !=`, `& | ~`, `np.where(c, a, b)`"),
    ("reductions", ["sum", "mean", "var", "std", "max", "amax", "min", "amin", "prod",
                    "cumsum"],
     "with `axis` (int or tuple) and `keepdims`; the same as array methods"),
    ("sorting", ["sort", "argsort", "partition", "argpartition"], "along any axis or flattened"),
    ("shape", ["reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis",
               "expand_dims", "squeeze", "atleast_1d", "atleast_2d", "atleast_3d",
               "broadcast_to", "concatenate", "stack", "hstack", "vstack", "dstack",
               "column_stack", "append", "split", "array_split", "hsplit", "vsplit", "dsplit",
               "flip", "flipud", "fliplr", "rot90", "roll", "fft.fftshift", "fft.ifftshift",
               "tile", "repeat", "pad", "diff", "gradient"],
     "`.reshape .T .mT .ravel .flatten .squeeze .transpose .swapaxes .astype .repeat`, "
     "broadcasting everywhere; `np.pad` modes constant, edge, reflect, symmetric, wrap; "
     "`np.gradient` with scalar spacings"),
    ("indexing", ["take", "diagonal", "trace", "diag", "tril", "triu", "put", "copy"],
     "static ints, slices with any step, `None`, `...`; integer arrays (with ints, adjacent "
     "or not, as NumPy places them) for gathers; boolean masks that are constants of the "
     "trace (closed over) as gathers of `mask.nonzero()`, and masks passed as arguments "
     "(their count guarded, positions found in the kernel); `diagonal`/`trace` on any two axes; "
     "writes at constant positions: `x[key] = v` and `x[key] += v` on a traced `x`, `np.put`, "
     "and `optad.numpy.at(a)[key].set(v)` / `.add(v)` (also `x.at[key]`), which returns a "
     "new array and also takes a NumPy `a`"),
    ("creation", ["zeros_like", "ones_like", "full_like", "linspace"],
     "`np.array`/`np.asarray` of (nested) lists holding traced values, `np.r_[...]`, "
     "`np.c_[...]`, lists of traced values given to the functions of this table (see "
     "'NumPy names optad wraps'); `linspace` with traced end points"),
    ("contractions", ["dot", "inner", "vdot", "outer", "matmul", "einsum", "tensordot",
                      "kron", "cross"],
     "vector, matrix, batched and N-d cases; `einsum` with any subscripts (ellipsis, "
     "repeated labels, implicit output), contracted pairwise through BLAS in NumPy's "
     "path order"),
    ("linear algebra", ["linalg.solve", "linalg.inv", "linalg.det", "linalg.slogdet",
                        "linalg.cholesky", "linalg.eigh", "linalg.eigvalsh", "linalg.eig",
                        "linalg.eigvals", "linalg.qr", "linalg.svd", "linalg.pinv",
                        "linalg.norm", "linalg.matrix_power"],
     "batched over leading axes like NumPy; `svd` with U and V (`full_matrices=False`, or a "
     "square matrix); `qr` reduced or `'r'`; `eig` for real eigenvalues; `norm` with every "
     "vector and matrix `ord`"),
]

# conventions where a function is not differentiable in the ordinary sense
CONVENTIONS = [
    ("`abs`, `fabs`", "d|x|/dx = sign(x), so 0 at 0"),
    ("`maximum`, `minimum`, `fmax`, `fmin`, `clip`",
     "ties split the derivative equally (relu as `np.maximum(x, 0)` has derivative 1/2 at 0); "
     "`fmax`/`fmin` with one NaN operand take the other operand's derivative"),
    ("`max`, `min` (reductions)", "the derivative is shared equally among tied entries"),
    ("`sign`, `floor`, `ceil`, `rint`, `trunc`, `round`, `around`, `//`, comparisons, `isnan`",
     "derivative 0 (also at the jumps)"),
    ("`%`, `remainder`, `divmod`",
     "d(x % y)/dx = 1 and d(x % y)/dy = -(x // y): one-sided at the jumps"),
    ("`sort`, `partition`",
     "each output takes the derivative of the input it came from; at ties the order is the "
     "stable one (equal values keep their input order), so a tie is a one-sided derivative, "
     "not split"),
    ("`arctan2`", "derivative 0 at the origin"),
    ("`norm`, `hypot`, `std`",
     "at zero (a zero vector, a constant array, one element) the gradient is the zero "
     "subgradient, never NaN; the second derivative there is 0 too"),
    ("`sinc`", "exact at 0 to every order (a Taylor series near 0)"),
    ("`pow`", "d(x**y)/dy at x = 0 is 0"),
    ("`eigh`, `eig`, `svd`",
     "at repeated eigenvalues (singular values) the vectors have no derivative: the pair's "
     "1/(w_j - w_i) term is taken as 0, exact for functions of the values and of the "
     "eigenspaces; singular-vector derivatives need s > 0"),
    ("`cholesky`, `eigh`, `eigvalsh`",
     "read the triangle NumPy reads (`UPLO`, `upper`); derivatives are those of that function, "
     "as finite differences see it: 0 for the entries not read, and off the diagonal twice "
     "the symmetric part's (as autograd's `eigh`; JAX symmetrises the input instead, so its "
     "values differ from NumPy's for a non-symmetric matrix). Along symmetric directions "
     "the conventions agree"),
    ("`inv`, `det`, `slogdet`, `solve`", "need a nonsingular matrix (LinAlgError otherwise)"),
    ("`qr`", "derivatives need at least as many rows as columns"),
    ("`eig`", "real eigenvalues only; a matrix with complex ones raises"),
    ("`scipy.linalg.cholesky`, `cho_factor`, `eigh`, `solve(assume_a='sym')`",
     "read the triangle SciPy reads; derivatives are those of that function (0 for the "
     "entries not read), as for `np.linalg.cholesky`/`eigh`"),
    ("`scipy.special.xlogy`, `xlog1py`",
     "0 at x = 0 for any y, as SciPy; d/dx there is log(y) where that is finite, else 0"),
    ("`scipy.special.expit`, `log_expit`, `logsumexp`, `softmax`, `log_softmax`",
     "no overflow at either end, and every derivative finite there"),
]

def extra_families():
    """Rows (family, module, names, extra text) of the layers above this one, registered in
    ``optad.numpy.EXTRA_CATALOGUE_FAMILIES`` when optad is imported (SciPy's:
    optad/scipy/catalogue.py)."""
    from . import EXTRA_CATALOGUE_FAMILIES
    return [row for rows in EXTRA_CATALOGUE_FAMILIES for row in rows()]


START = "## Supported operations"
END = "## Minimising: `optad.minimize`"


def _names(names):
    numpy_names = [n for n in names if not n.startswith("linalg.") and not n.startswith("fft.")]
    linalg = [n.split(".", 1)[1] for n in names if n.startswith("linalg.")]
    fft = [n.split(".", 1)[1] for n in names if n.startswith("fft.")]
    parts = []
    if numpy_names:
        parts.append("`np." + " ".join(numpy_names) + "`")
    if fft:
        parts.append("`np.fft." + " ".join(fft) + "`")
    if linalg:
        parts.append("`np.linalg." + " ".join(linalg) + "`")
    return ", ".join(parts)


PRIMITIVE_FAMILIES = ("elementwise", "shape", "reduction", "linalg", "control")


def _primitive_lines():
    """optad's own primitives by family (primitives a test or a user registers are not
    listed)."""
    from ..primitives.registry import primitives
    families = {family: [] for family in PRIMITIVE_FAMILIES}
    for name, p in primitives.items():
        if p.family in families:
            families[p.family].append(name)
    return "; ".join(f"{family} `{' '.join(names)}`" for family, names in families.items())


def _cell(text):
    return text.replace("|", "\\|")


def render_supported_operations() -> str:
    """The README section, from START up to (not including) END."""
    rows = ["| family | functions |", "| --- | --- |"]
    for family, names, extra in FAMILIES:
        text = _names(names) + (f"; {extra}" if extra else "")
        rows.append(f"| {family} | {_cell(text)} |")
    for family, module, names, extra in extra_families():
        text = f"`{module}.{' '.join(names)}`; {extra}"
        rows.append(f"| {family} | {_cell(text)} |")
    conventions = ["| function | derivative at non-smooth points |", "| --- | --- |"]
    conventions += [f"| {name} | {_cell(text)} |" for name, text in CONVENTIONS]
    return "\n".join([
        START, "",
        "Inside a traced function `import numpy as np` is all you need; the same functions are",
        "available explicitly as `optad.numpy.*` (listed in `optad.numpy.SUPPORTED`). The SciPy",
        "functions of the last rows trace too (`optad.scipy.*`, see 'SciPy inside losses'). This",
        "section is generated from those lists and the primitive registry "
        "(`python -m optad.numpy.catalogue --write`).", "",
        *rows, "",
        "Conventions where a derivative is not the ordinary one:", "",
        *conventions, "",
        "Primitives behind them (`optad.primitives`), each with a shape rule, a NumPy "
        "implementation, a JVP rule and a VJP rule written with optad's own ops (so every "
        "derivative differentiates again): " + _primitive_lines() + ". Closed-form adjoints "
        "of the linear algebra are listed in `optad/primitives/linalg.py` and "
        "`decompositions.py` (e.g. `inv`: -A^-T G A^-T, `slogdet`: A^-T, `solve`: "
        "dL/dA = -A^-T g x^T, dL/db = A^-T g).", "", ""])


def readme_section(text: str) -> str:
    start, end = text.index(START), text.index(END)
    return text[start:end]


def write_readme(path: Path) -> None:
    text = path.read_text()
    start, end = text.index(START), text.index(END)
    path.write_text(text[:start] + render_supported_operations() + text[end:])


if __name__ == "__main__":
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if "--write" in sys.argv:
        write_readme(readme)
    else:
        print(render_supported_operations())
