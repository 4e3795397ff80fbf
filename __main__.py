"""Runs only when Python executes the folder of an optad source checkout itself.

That happens with ``python -m optad`` started from the folder that holds a checkout named
``optad`` (Python imports the checkout, which has no ``__init__.py``, as a namespace package in
place of the real package ``optad/optad``), or with ``python <checkout folder>``. The real
command is ``optad/__main__.py``; this file only says what went wrong. It imports nothing of
optad's (there is nothing to import from here).
"""
import os
import sys


def _message():
    root = os.path.dirname(os.path.abspath(__file__))
    return (
        f"optad: Python is running the source checkout folder {root} instead of the optad "
        f"package inside it ({os.path.join(root, 'optad')}): a folder named 'optad' in the "
        "current folder (or first on sys.path) is imported in its place. "
        f"Run from inside the checkout (cd {root}) or from any other folder, or rename the "
        "checkout folder. If optad is not installed, install it from the checkout "
        f"(pip install -e {root}); an editable install made from an older version of this "
        "repository can be shadowed this way, so run pip install -e again.")


if __name__ == "__main__":
    print(_message(), file=sys.stderr)
    sys.exit(2)
