"""ConfigError, and the collector that reports every problem of a config at once."""
from __future__ import annotations

import difflib


class ConfigError(ValueError):
    """A config file is not valid; the message names the key path and what is accepted."""


class ErrorCollector:
    """Collects the ConfigErrors of independent checks, to report them all at once."""

    def __init__(self):
        self.messages = []

    def check(self, function, *args, default=None):
        """``function(*args)``, or ``default`` after noting the ConfigError it raised."""
        try:
            return function(*args)
        except ConfigError as error:
            self.messages.extend(getattr(error, "messages", None) or str(error).split("\n"))
            return default

    def add(self, message: str) -> None:
        self.messages.append(message)

    def raise_if_any(self):
        if not self.messages:
            return
        error = ConfigError(self.messages[0] if len(self.messages) == 1 else
                            f"{len(self.messages)} problems:\n" + "\n".join(
                                "  " + m for m in self.messages))
        error.messages = list(self.messages)
        raise error


def did_you_mean(value, choices) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def fail(path: str, value, accepted: str, choices=()):
    """Raise the ConfigError for ``value`` at ``path``: what it is and what is accepted."""
    raise ConfigError(f"{path}: got {value!r} ({type(value).__name__}); expected {accepted}"
                      + did_you_mean(value, choices))
