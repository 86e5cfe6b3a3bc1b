"""Where icsim writes: one rule for the results of every command (docs/guarantees.md).

- icsim writes only into a folder it creates, an empty folder, or a folder holding an icsim
  result of the same kind (``run``, ``experiment`` or ``sweep``), known by the ``manifest.json``
  icsim writes into every result folder, which names its kind and the files icsim wrote.
- It never deletes or overwrites a file it did not write: replacing an earlier run or experiment
  replaces the files that result's manifest lists and keeps anything else in the folder.
- An earlier run or experiment is replaced only when asked (``--force``); a sweep folder is
  resumed by the same sweep and refused to any other.
- ``--out`` is checked, and the folder made, before anything is simulated: an empty name, the
  current folder (or one holding it), a file, a folder that cannot be written are refused.
- A new result is written into a hidden temporary folder beside its target (``.NAME.xxxxxxxx/``,
  marked as icsim's with the process that made it) and only then put in place, so a crash or
  Ctrl-C never leaves a half-written result; a temporary folder left by a killed process is
  removed by the next icsim command that writes beside it.

Every refusal is an ``OutputError`` whose message starts with ``--out``: the command line reports
it with exit code 2, having written nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

KINDS = ("run", "experiment", "sweep")
MANIFEST = "manifest.json"
TEMPORARY_MARK = ".icsim-temporary"  # inside a temporary folder: which process made it
MAX_MANIFEST_BYTES = 10 * 2**20
# What an icsim run folder held before manifests listed their files (icsim 0.1 up to this rule).
EARLIER_RUN_FILES = frozenset({
    "journeys.parquet", "gp_appointments.parquet", "census.parquet", "kpis_monthly.parquet", "kpis_by_site.parquet",
    "summary.parquet", "ledgers.parquet", "decisions.parquet", "organisations.parquet", "finances.parquet",
    "config.yaml", MANIFEST})
_TEMPORARY_NAME = re.compile(r"\..+\.[A-Za-z0-9_]{8}")  # tempfile.mkdtemp(prefix=".NAME.")


class OutputError(Exception):
    """``--out`` names a folder icsim may not write into; the message says why and starts with ``--out``."""


@dataclass(frozen=True)
class Held:
    """What a folder holds: an icsim result of a ``kind`` (with its name and the files icsim
    wrote, None for a result made before manifests listed them), or nothing icsim knows."""

    kind: str | None
    name: str | None = None
    files: frozenset[str] | None = None
    complete: bool = True


def _read_json(path: Path):
    try:
        if not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _earlier_sweep_name(folder: Path) -> str | None:
    """The name of a sweep in a folder made before sweep folders had a manifest, or None."""
    spec = folder / "sweep.yaml"
    try:
        if not spec.is_file() or spec.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError, RecursionError):  # unreadable: not a sweep icsim can resume
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and (folder / "plan.parquet").is_file() else None


def held(folder: Path) -> Held:
    """What ``folder`` (an existing directory) holds."""
    manifest = _read_json(folder / MANIFEST)
    if isinstance(manifest, dict):
        kind = manifest.get("kind")
        files = manifest.get("files")
        listed = frozenset(files) if isinstance(files, list) and all(isinstance(f, str) for f in files) else None
        name = manifest.get("name", manifest.get("config_name"))
        name = name if isinstance(name, str) else None
        if kind in KINDS:
            return Held(kind, name, listed, manifest.get("complete", True) is not False)
        if kind is None and "config_digest" in manifest:  # a run written before manifests named their kind
            return Held("run", name, listed)
    name = _earlier_sweep_name(folder)
    if name is not None:
        return Held("sweep", name)
    return Held(None)


def _is_empty(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def out_path(text: str | None, default: Path) -> Path:
    """The folder ``--out TEXT`` names (``default`` when not given), refusing names that cannot
    be a new result folder: empty, the current folder or one that holds it, the filesystem root."""
    if text is None:
        return default
    if not text.strip():
        raise OutputError('--out "": names no folder; give the folder for the results, or leave --out out for '
                          f"the default ({default})")
    path = Path(text)
    absolute = Path(os.path.abspath(path))
    cwd = Path(os.path.abspath(os.curdir))
    if absolute == cwd or absolute in cwd.parents:
        raise OutputError(f"--out {text}: is the current folder or holds it; name a new folder for the results, "
                          f"such as {Path(text) / default.name}")
    return path


def check(out: Path, kind: str, force: bool = False, name: str | None = None) -> None:
    """Refuse ``out`` unless a ``kind`` result may be written there (see the module's rule);
    ``name``: for a sweep, the sweep that may resume the folder. Writes nothing."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: is a file, not a folder; choose another --out")
    if out.is_symlink() and not out.exists():
        raise OutputError(f"--out {out}: is a link to nothing; choose another --out")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"--out {out}: {parent} is a file, not a folder; choose another --out")
            break
    if not out.exists() or _is_empty(out):
        return
    found = held(out)
    if found.kind is None:
        raise OutputError(f"--out {out}: holds files that are not an icsim result; icsim writes only into a new "
                          "or empty folder or one holding its own results: choose another --out")
    if found.kind != kind:
        raise OutputError(f"--out {out}: holds an icsim {found.kind}, not a{'n' if kind[0] in 'aeiou' else ''} "
                          f"{kind}; choose another --out")
    if kind == "sweep":
        if found.name != name:
            raise OutputError(f"--out {out}: holds the runs of sweep {found.name!r}, not {name!r}; choose another --out")
        return
    if kind == "experiment" and not found.complete and name is not None:
        if found.name != name:
            raise OutputError(f"--out {out}: holds the runs of experiment {found.name!r}, not {name!r}; choose "
                              "another --out")
        return  # an experiment that stopped before its report: resumed, its finished runs reused
    if not force:
        raise OutputError(f"--out {out}: holds an earlier icsim {kind}{f' ({found.name})' if found.name else ''}; "
                          "add --force to replace it (files you added to the folder are kept), or choose another --out")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def clean_stale(parent: Path) -> list[Path]:
    """Remove the temporary folders in ``parent`` that icsim processes on this machine made and
    left when they were killed (marked by a process that no longer runs); also empty ones a
    process was killed before marking. Returns those removed."""
    removed = []
    try:
        entries = [p for p in parent.iterdir() if p.name.startswith(".") and p.is_dir() and not p.is_symlink()]
    except OSError:
        return removed
    host = socket.gethostname()
    for folder in entries:
        mark = _read_json(folder / TEMPORARY_MARK)
        if isinstance(mark, dict):
            stale = mark.get("host") == host and isinstance(mark.get("pid"), int) and not _alive(mark["pid"])
        else:
            try:
                stale = bool(_TEMPORARY_NAME.fullmatch(folder.name)) and _is_empty(folder)
            except OSError:
                stale = False
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def probe(out: Path) -> None:
    """Refuse ``out`` if a folder cannot be made where it would go (writes nothing that stays)."""
    ancestor = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".icsim-probe.", dir=ancestor))
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write in {ancestor} ({exc.strerror or exc}); choose another --out") from None


def _write_json(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def claim(out: Path, kind: str, manifest: dict) -> None:
    """Make ``out`` (already ``check``-ed) a ``kind`` result folder that is written in place, as
    a sweep is: create it and write its manifest unless it already has one."""
    out.mkdir(parents=True, exist_ok=True)
    if held(out).kind != kind:
        _write_json(out / MANIFEST, {"kind": kind, **manifest})


class Staging:
    """A new result written into a hidden temporary folder beside ``out``, put in place by
    ``commit``; ``abandon`` (or leaving a ``with`` block by an exception) removes it and any
    folder made for it. Made before anything is simulated, so ``out`` is known to be writable."""

    def __init__(self, out: Path, kind: str, force: bool = False):
        check(out, kind, force)
        self.out, self.kind = out, kind
        self.made: list[Path] = []  # parent folders made for the result, outermost first
        missing = [p for p in reversed(out.parents) if not p.exists()]
        try:
            for parent in missing:
                parent.mkdir()
                self.made.append(parent)
            clean_stale(out.parent)
            self.path = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
            _write_json(self.path / TEMPORARY_MARK, {"pid": os.getpid(), "host": socket.gethostname()})
        except OSError as exc:
            self.abandon()
            raise OutputError(f"--out {out}: cannot write there ({exc.strerror or exc}); choose another --out") from None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if exc is not None:
            self.abandon()

    def abandon(self) -> None:
        """Remove the temporary folder and the parents made for it (if still empty)."""
        if getattr(self, "path", None) is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None
        for parent in reversed(self.made):
            try:
                parent.rmdir()
            except OSError:
                break
        self.made = []

    def _files(self) -> set[str]:
        return {p.relative_to(self.path).as_posix() for p in self.path.rglob("*")
                if p.is_file() and p.name not in (MANIFEST, TEMPORARY_MARK)}

    def commit(self, manifest: dict) -> Path:
        """Put the result in place with its ``manifest`` (which gets the kind and the files).

        A new folder is renamed into place whole. An earlier result (``--force``) is replaced
        file by file: its manifest is first marked incomplete, the new files are moved in, the
        earlier result's files that the new one does not have are removed, and the new manifest
        goes in last; anything else in the folder stays."""
        files = self._files()
        (self.path / TEMPORARY_MARK).unlink()
        info = {"kind": self.kind, **manifest, "complete": True, "files": sorted(files | {MANIFEST})}
        _write_json(self.path / MANIFEST, info)
        out = self.out
        if not out.exists() and not out.is_symlink():
            os.replace(self.path, out)
            self.path, self.made = None, []
            return out
        earlier = held(out)
        if earlier.kind == self.kind:
            wrote = set(earlier.files if earlier.files is not None else
                        EARLIER_RUN_FILES if self.kind == "run" else ())
        else:  # an empty folder
            wrote = set()
        _write_json(out / MANIFEST, {**info, "complete": False, "files": sorted(wrote | files | {MANIFEST})})
        for rel in sorted(files):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.path / rel, out / rel)
        for rel in sorted(wrote - files - {MANIFEST}, reverse=True):
            target = out / rel
            if target.is_file() and not target.is_symlink():
                target.unlink()
            for folder in target.parents:  # folders the earlier result had that are now empty
                if folder == out or out not in folder.parents:
                    break
                try:
                    folder.rmdir()
                except OSError:
                    break
        os.replace(self.path / MANIFEST, out / MANIFEST)
        shutil.rmtree(self.path, ignore_errors=True)
        self.path, self.made = None, []
        return out


def begin_resumable(out: Path, kind: str, name: str, force: bool = False) -> None:
    """Make ``out`` (``check``-ed and ``probe``-d) a folder a ``kind`` result is built in over one
    or more invocations (an experiment's runs, then its report): marked incomplete until
    ``finish_resumable``, so that an interrupted one is resumed by the same command, and an earlier
    complete one is replaced only with ``--force`` (``check`` has refused it otherwise)."""
    out.mkdir(parents=True, exist_ok=True)
    earlier = held(out)
    wrote = sorted(earlier.files) if earlier.kind == kind and earlier.files is not None else []
    _write_json(out / MANIFEST, {"kind": kind, "name": name, "complete": False, "files": wrote})


def finish_resumable(out: Path, staged: Path, kind: str, manifest: dict, kept: set[str]) -> Path:
    """Put the files written into ``staged`` (a folder inside ``out``) in place, remove the earlier
    result's files the new one does not have (only files icsim's manifest listed), and mark the
    result complete; ``kept`` are files icsim wrote in place meanwhile (an experiment's runs)."""
    files = {p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()}
    earlier = held(out)
    wrote = set(earlier.files or ()) if earlier.kind == kind else set()
    for rel in sorted(files):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged / rel, out / rel)
    shutil.rmtree(staged, ignore_errors=True)
    for rel in sorted(wrote - files - kept - {MANIFEST}, reverse=True):
        target = out / rel
        if target.is_file() and not target.is_symlink():
            target.unlink()
    _write_json(out / MANIFEST, {"kind": kind, **manifest, "complete": True,
                                 "files": sorted(files | kept | {MANIFEST})})
    return out
