"""Reading a config file: YAML through ``yaml.safe_load``'s loader without aliases, then the
validator."""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import ConfigError
from .schema import Config
from .validate import validate


class _NoAliasSafeLoader(yaml.SafeLoader):
    """``yaml.safe_load``'s loader, refusing aliases: a "billion laughs" document of 1 KB whose
    aliases nest ten deep would otherwise expand to gigabytes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not accepted in optad configs; "
                "write the value out", event.start_mark)
        return super().compose_node(parent, index)


def load_config(path) -> tuple[Config, str]:
    """Read and validate a YAML config; returns (Config, the file's text)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise ConfigError(f"{path}: cannot read config: it is a folder, not a YAML file") \
            from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (a YAML config is UTF-8 text)") from None
    try:
        raw = yaml.load(text, Loader=_NoAliasSafeLoader)   # safe_load, without aliases
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    try:
        return validate(raw, name=path.stem), text
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
