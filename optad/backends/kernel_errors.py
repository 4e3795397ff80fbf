"""Errors a compiled kernel raises in its backend's words, re-raised in the user's.

Numba's ``np.linalg.eig`` refuses a real matrix with complex eigenvalues with "eig() argument
must not cause a domain change"; the NumPy backend says what that means (optad differentiates
the real case only).  The kernel call is wrapped in ``try`` (free when nothing is raised) and
only a recognised message is translated; anything else passes through unchanged."""
from __future__ import annotations

EIG_COMPLEX = ("np.linalg.eig: this matrix has complex eigenvalues; optad differentiates the "
               "real case only (use np.linalg.eigh for symmetric matrices)")

_TRANSLATIONS = [("must not cause a domain change", EIG_COMPLEX)]


def translated(err: Exception):
    """A clearer exception for ``err`` raised by a kernel, or None to re-raise it as it is."""
    text = str(err)
    for fragment, message in _TRANSLATIONS:
        if fragment in text:
            return ValueError(message)
    return None
