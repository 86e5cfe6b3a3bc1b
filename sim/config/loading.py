"""Reading configs: YAML files, the ``extends:`` chain, patches, and validation naming every bad field.

``load_config`` raises ``ConfigError`` carrying one line per problem, each naming the field path
(``sites.charing_cross.beds: Input should be greater than or equal to 0``); the command line turns
that into exit code 2 with nothing written.

Whatever a file holds, reading it ends in data or in a ``ConfigError``, never a hang or a crash:
only regular files are read (a FIFO, a device such as ``/dev/zero`` or a directory is refused),
at most ``MAX_CONFIG_BYTES`` of them; dates that do not exist stay text for validation to refuse
by name; data nested deeper than ``MAX_NESTING`` or larger than ``MAX_NODES`` values (YAML aliases
can make a small file huge) is refused; and the ``extends:`` chain is followed in a loop, at most
``MAX_EXTENDS`` files deep, refusing a chain that loops back.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.system import Config

MAX_CONFIG_BYTES = 1 << 20  # 1 MiB: the largest shipped config is 13 kB
MAX_EXTENDS = 32  # files in one extends chain (the shipped configs use at most three)
MAX_NESTING = 64  # mappings and lists inside one another (a config uses six)
MAX_NODES = 200_000  # values in one file, aliases counted each time they are used


def _shown(base: str) -> str:
    """A base config's path as a message shows it: quoted when blanks at its ends would be lost."""
    return repr(base) if base != base.strip() or not base else base


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


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that a date that does not exist (``2024-02-30``) is kept as
    text, so that validation refuses it naming its field instead of the reader crashing."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _read_text(path: Path) -> str:
    """The text of a regular file of at most ``MAX_CONFIG_BYTES``; ``ConfigError`` otherwise.
    Opened without blocking, so a FIFO is refused at once instead of waiting for a writer."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise ConfigError(str(path), [f"cannot read: {getattr(exc, 'strerror', None) or exc}"]) from None
    kind = os.fstat(fd).st_mode
    if not stat.S_ISREG(kind):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(kind) else "a pipe, device or socket"
        raise ConfigError(str(path), [f"cannot read: {what}, not a config file"])
    with os.fdopen(fd, "rb") as file:
        try:
            data = file.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(str(path), [f"cannot read: larger than {MAX_CONFIG_BYTES // 1024:,} kB "
                                      "(a config is a few kB)"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["cannot read: not a UTF-8 text file"]) from None


def _check_shape(data: dict, source: str) -> None:
    """Refuse data nested deeper than ``MAX_NESTING`` or holding more than ``MAX_NODES`` values,
    naming the top-level setting where it happens; walks without recursion and stops as soon as
    either limit is passed."""
    stack, nodes = [(value, 2, str(key)) for key, value in data.items()], len(data)
    while stack:
        node, depth, top = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ConfigError(source, [f"{top}: more than {MAX_NODES:,} values in the file (YAML aliases used over "
                                       "and over?); a config has a few thousand"])
        if isinstance(node, dict | list):
            if depth > MAX_NESTING:
                raise ConfigError(source, [f"{top}: nested more than {MAX_NESTING} levels deep"])
            stack.extend((child, depth + 1, top) for child in (node.values() if isinstance(node, dict) else node))


def _too_deep(text: str) -> str:
    """The top-level setting under which YAML ``text`` nests more than ``MAX_NESTING`` levels,
    found from the parser's events (which, unlike building the data, does not recurse)."""
    depth, key, at_key = 0, "(top level)", True
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.NodeEvent):
            if depth == 1:  # directly in the top-level mapping: keys and values alternate
                if at_key and isinstance(event, yaml.ScalarEvent):
                    key = event.value
                at_key = not at_key
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    return key
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return key


def read_yaml(path: Path) -> dict:
    """A YAML file whose top level is a mapping; ``ConfigError`` saying why if it cannot be read."""
    text = _read_text(path)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}".replace("\n", " ")]) from None
    except RecursionError:
        raise ConfigError(str(path), [f"{_too_deep(text)}: nested more than {MAX_NESTING} levels deep"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), ["the top level must be a mapping of settings"])
    _check_shape(data, str(path))
    return data


def _absolute(path: Path) -> Path:
    """``path`` made absolute with symbolic links resolved (so a loop through a link is found)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return Path(os.path.abspath(path))


def load_raw(path: str | Path) -> dict:
    """Read a config file as plain data, applying its ``extends:`` chain (each base relative to
    the file that names it). A problem with a base is reported against the file that names it,
    under ``extends``."""
    path = _absolute(Path(path))
    layers = [read_yaml(path)]  # the file named first, then its base, then the base's base...
    files = [path]
    while (base := layers[-1].pop("extends", None)) is not None:
        naming = str(files[-1])
        if not isinstance(base, str) or not base.strip():
            raise ConfigError(naming, ["extends: must be the path of a base config"])
        if len(files) >= MAX_EXTENDS:
            raise ConfigError(str(path), [f"extends: the chain of base configs is more than {MAX_EXTENDS} files long"])
        following = _absolute(files[-1].parent / base)
        if following in files:
            raise ConfigError(naming, [f"extends: {_shown(base)}: the chain of base configs loops back to this file"
                                       if following == files[-1] else
                                       f"extends: {_shown(base)}: the chain of base configs loops back to {following}"])
        try:
            layers.append(read_yaml(following))
        except ConfigError as exc:
            raise ConfigError(naming, [f"extends: {_shown(base)}: {p}" for p in exc.problems]) from None
        files.append(following)
    data = layers.pop()
    while layers:
        data = deep_merge(data, layers.pop())
    return data


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


_NAMED = re.compile(r"^([A-Za-z_][\w.\[\]\"-]*): (.*)$", re.DOTALL)


def validate_as(model: type[BaseModel], data: dict, source: str):
    """Validate plain data into ``model`` (a config, an experiment, a sweep); raise
    ``ConfigError`` naming every bad field as the user wrote it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = _field_path(err["loc"], data)
            for msg in err["msg"].removeprefix("Value error, ").split("\n"):
                named = _NAMED.match(msg)  # a check of a whole section that names the field it is about
                if not named:
                    problems.append(f"{where}: {msg}")
                elif where == "(top level)" or named[1] == where or named[1].startswith(where + "."):
                    problems.append(msg)  # named from the top
                else:
                    problems.append(f"{where}.{named[1]}: {named[2]}")  # named within its section
        raise ConfigError(source, problems) from None


def validate(data: dict, source: str = "config") -> Config:
    """Validate plain data into a ``Config``; raise ``ConfigError`` naming every bad field."""
    return validate_as(Config, data, source)


def _plain(data: Any) -> Any:
    """Data as YAML writes it: tuples as lists, everything else as it is."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(value) for value in data]
    return data


def dump_yaml(cfg: Config) -> str:
    """A validated config as YAML that loads back to the same config (the same digest): keys such
    as triage categories stay numbers, dates stay dates."""
    return yaml.safe_dump(_plain(cfg.model_dump(by_alias=True)), sort_keys=False, allow_unicode=True)


def load_config(path: str | Path, overrides: dict | None = None) -> Config:
    """Load, patch and validate a config file."""
    data = load_raw(path)
    if overrides:
        data = deep_merge(data, overrides)
    return validate(data, str(path))
