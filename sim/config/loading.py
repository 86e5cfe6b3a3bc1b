"""Reading configs: YAML files, the ``extends:`` chain, patches, and validation naming every bad field.

``load_config`` raises ``ConfigError`` carrying one line per problem, each naming the field path
(``sites.charing_cross.beds: Input should be greater than or equal to 0``); the command line turns
that into exit code 2 with nothing written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.system import Config


class ConfigError(Exception):
    """A config that cannot be used; ``problems`` holds one line per problem, each naming its field."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))

    def __reduce__(self):  # picklable, so a worker process can report it
        return ConfigError, (self.source, self.problems)


def deep_merge(base: Any, patch: Any) -> Any:
    """Merge a YAML patch into a base: mappings key by key, anything else replaced; ``null`` deletes.
    A distribution that names a different ``dist`` replaces the base's whole distribution."""
    if isinstance(base, dict) and isinstance(patch, dict):
        if "dist" in patch and patch.get("dist") != base.get("dist"):
            return patch
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = deep_merge(out[key], value)
            else:
                out[key] = value
        return out
    return patch


def read_yaml(path: Path) -> dict:
    """A YAML file whose top level is a mapping; ``ConfigError`` saying why if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["cannot read: not a UTF-8 text file"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}".replace("\n", " ")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), ["the top level must be a mapping of settings"])
    return data


def load_raw(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict:
    """Read a config file as plain data, applying its ``extends:`` chain (relative to the file)."""
    path = Path(path).resolve()
    if path in _seen:
        raise ConfigError(str(path), ["extends: the chain of base configs loops back to this file"])
    data = read_yaml(path)
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(str(path), ["extends: must be the path of a base config"])
    return deep_merge(load_raw(path.parent / base, _seen + (path,)), data)


def _field_path(loc: tuple, data) -> str:
    """The path of an error as the user wrote it: ``sites.city_royal.beds``, ``ae.assessment_minutes.3.mean``,
    ``demand.emergency_profile.hour_of_day[5]``. Walks the input alongside pydantic's location so
    that a list index is shown as ``[i]``, a mapping key as ``.key``, and the tag pydantic adds for
    the chosen distribution type (``lognormal``) is left out."""
    out, node = "", data
    for part in loc:
        if isinstance(node, dict) and part not in node and isinstance(part, str) and node.get("dist") == part:
            continue  # pydantic's discriminator tag, not a key the user wrote
        if isinstance(node, list) and isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if 0 <= part < len(node) else None
            continue
        out += ("." if out else "") + str(part)
        node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


_NAMES_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]\"-]*): ")


def validate_as(model: type[BaseModel], data: dict, source: str):
    """Validate plain data into ``model`` (a config, an experiment, a sweep); raise
    ``ConfigError`` naming every bad field as the user wrote it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = _field_path(err["loc"], data)
            for msg in err["msg"].removeprefix("Value error, ").split("\n"):
                # a check across fields names the fields itself (``calibration.sites.x: ...``)
                named = _NAMES_FIELD.match(msg)
                if named and (path == "(top level)" or named[1] == path or named[1].startswith(path + ".")):
                    problems.append(msg)
                else:
                    problems.append(f"{path}: {msg}")
        raise ConfigError(source, problems) from None


def validate(data: dict, source: str = "config") -> Config:
    """Validate plain data into a ``Config``; raise ``ConfigError`` naming every bad field."""
    return validate_as(Config, data, source)


def load_config(path: str | Path, overrides: dict | None = None) -> Config:
    """Load, patch and validate a config file."""
    data = load_raw(path)
    if overrides:
        data = deep_merge(data, overrides)
    return validate(data, str(path))
