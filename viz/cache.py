"""The explorer's baseline cache: a footprint's baseline run, computed once, kept on disk.

The baseline of a footprint (the config as it is) depends only on the config, the seed and the
number of months, so its months are kept after the first time and shown at once after that. An
entry is one file, keyed like a sweep's runs (``experiments.design.run_key``: the config's
digest and the seed) and further by the months and by the code that made it:

    CACHE/DIGEST-seedSEED-monthsMONTHS-CODE.icsim-baseline.zip

``CODE`` is a hash of icsim's version, of the source of the model (``sim/``, ``agents/``) and of
the explorer's measuring (``viz/monthly.py``), and of NumPy's version (the random streams): an
entry made by other code is never used (it stays on disk until cleared: ``icsim explore
--clear-cache``). The file is a zip of ``manifest.json`` (the key's parts, the months and each
table's rows) and one Parquet file per table of ``viz.monthly.TABLES``, each table every month's
rows (``sites`` with a ``month`` column added). It is written to a hidden temporary name beside
it and renamed into place, so an entry is always whole; one that cannot be read, or does not
match its key (a file damaged or cut short), is not used: the baseline is computed again and the
new entry replaces it.

Where: ``icsim explore --cache DIR``, else ``$ICSIM_EXPLORER_CACHE``, else
``$XDG_CACHE_HOME/icsim/explorer`` (``~/.cache/icsim/explorer``). icsim deletes only files it
names so (``*.icsim-baseline.zip`` and its own temporary files) in that folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tomllib
import zipfile
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import Config
from viz.monthly import TABLES, MonthTables, month_labels

CACHE_ENV = "ICSIM_EXPLORER_CACHE"
SUFFIX = ".icsim-baseline.zip"
FORMAT = 1  # of the file itself
ROOT = Path(__file__).resolve().parents[1]
CODE_FOLDERS = ("sim", "agents")
CODE_FILES = ("viz/monthly.py",)


def default_folder() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "icsim" / "explorer"


def _version() -> str:
    try:
        return version("icsim")
    except PackageNotFoundError:
        return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@lru_cache(maxsize=1)
def code_digest() -> str:
    """icsim's version, the model's source and NumPy's version, hashed: what else makes a run."""
    h = hashlib.sha256(f"format {FORMAT}; icsim {_version()}; numpy {np.__version__}".encode())
    files = [ROOT / f for f in CODE_FILES]
    for folder in CODE_FOLDERS:
        files += (ROOT / folder).rglob("*.py")
    for path in sorted(files):
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def entry_key(config: Config, seed: int, months: int) -> str:
    """``experiments.design.run_key`` (a sweep run's key: not imported, as it brings SciPy), the
    months and the code."""
    return f"{config.digest()}-seed{seed}-months{months}-{code_digest()}"


class BaselineCache:
    """Baseline runs on disk, in ``folder`` (created when the first entry is written)."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder).expanduser() if folder else default_folder()

    def path(self, config: Config, seed: int, months: int) -> Path:
        return self.folder / f"{entry_key(config, seed, months)}{SUFFIX}"

    def _manifest(self, config: Config, seed: int, months: int) -> dict:
        return {"format": FORMAT, "config_digest": config.digest(), "seed": seed, "months": months,
                "code": code_digest(), "name": config.name}

    def read(self, config: Config, seed: int, months: int) -> list[MonthTables] | None:
        """The baseline's months, or None when there is no entry or it cannot be used (damaged,
        cut short, or not what its name says: then ``why_not`` says why)."""
        self.why_not = None
        path = self.path(config, seed, months)
        if not path.is_file():
            return None
        try:
            return self._read(path, self._manifest(config, seed, months), month_labels(config, months))
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, it is not used
            self.why_not = f"{path.name}: {type(exc).__name__}: {exc}"
            return None

    @staticmethod
    def _read(path: Path, expected: dict, labels: list[str]) -> list[MonthTables]:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            if {k: manifest.get(k) for k in expected} != expected:
                raise ValueError("the manifest does not match the key")
            tables = {name: pd.read_parquet(io.BytesIO(zf.read(f"{name}.parquet"))) for name in TABLES}
        for name, df in tables.items():
            if len(df) != manifest["rows"][name]:
                raise ValueError(f"{name}: {len(df)} rows, the manifest says {manifest['rows'][name]}")
        if tables["kpis"].month.tolist() != labels:
            raise ValueError("the months are not the run's")
        months = []
        for label in labels:
            month = {name: df[df.month == label].reset_index(drop=True) if len(df) else df
                     for name, df in tables.items()}
            month["sites"] = month["sites"].drop(columns="month").set_index("site")
            months.append(month)
        return months

    def write(self, config: Config, seed: int, months: int, tables: list[MonthTables]) -> Path:
        """Keep a whole run (``months`` months of tables); atomically: written beside, then renamed."""
        if len(tables) != months:
            raise ValueError(f"a baseline of {months} months needs {months} months of tables, not {len(tables)}")
        labels = month_labels(config, months)
        joined = {}
        for name in TABLES:
            frames = [m[name].reset_index().assign(month=label) if name == "sites" else m[name]
                      for m, label in zip(tables, labels)]
            rows = [f for f in frames if not f.empty]
            joined[name] = pd.concat(rows, ignore_index=True) if rows else frames[0]  # none: the columns
        manifest = self._manifest(config, seed, months) | {"rows": {n: len(df) for n, df in joined.items()}}
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, df in joined.items():
                part = io.BytesIO()
                df.to_parquet(part, index=False)
                zf.writestr(f"{name}.parquet", part.getvalue())
            zf.writestr("manifest.json", json.dumps(manifest, indent=1))
        path = self.path(config, seed, months)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(buf.getvalue())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path

    def entries(self) -> list[Path]:
        """The files icsim wrote here: entries and temporary files left by a stopped write."""
        if not self.folder.is_dir():
            return []
        return sorted([*self.folder.glob(f"*{SUFFIX}"), *self.folder.glob(f".*{SUFFIX}.*.tmp")])

    def clear(self) -> int:
        """Delete the entries (only icsim's own files); how many were deleted."""
        files = self.entries()
        for path in files:
            path.unlink(missing_ok=True)
        return len(files)
