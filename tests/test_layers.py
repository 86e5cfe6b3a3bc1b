"""The layers import one way down: sim/ is the ground, and nothing hides an import inside a function.

sim/ (the simulation) imports none of agents/, experiments/, viz/ or icsim/ (the command line and
output writing); agents/ imports only sim/; experiments/ and viz/ import sim/ and agents/ (viz may
use experiments/); icsim/ sits on top. Imports are at the top of each module, except the few
documented ones listed here (optional dependencies; the program's entry point). The command line
loads a command's module only when that command runs, by its command table, not by an import
hidden in a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "experiments", "viz", "icsim")
MAY_IMPORT = {
    "sim": {"sim"},
    "agents": {"sim", "agents"},
    "experiments": {"sim", "agents", "experiments"},
    "viz": {"sim", "agents", "experiments", "viz"},
    "icsim": set(PACKAGES),
}
# (file, imported module) pairs allowed inside a function, each with its reason
LAZY_IMPORTS = {
    ("icsim/entry.py", "icsim"): "the program's entry point loads the command line only after it has installed the "
                                  "Ctrl-C handler, so that Ctrl-C while the libraries load is caught",
    ("experiments/cluster.py", "dask_jobqueue"): "optional dependency (pip install -e '.[cluster]')",
}


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


def _imports(tree: ast.AST):
    """(module imported, inside a function?, under ``if TYPE_CHECKING``?) for every import."""
    def walk(node, in_function=False, type_checking=False):
        for child in ast.iter_child_nodes(node):
            fn = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            tc = type_checking or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, in_function, type_checking
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                yield child.module, in_function, type_checking
            yield from walk(child, fn, tc)
    yield from walk(tree)


@pytest.mark.parametrize("package,path", list(_modules()), ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_a_module_imports_only_its_own_layer_and_the_ones_below(package, path):
    tree = ast.parse(path.read_text())
    for module, _, type_checking in _imports(tree):
        top = module.split(".")[0]
        if top in PACKAGES and not type_checking:
            assert top in MAY_IMPORT[package], f"{path.relative_to(ROOT)} imports {module} (a layer above {package})"


@pytest.mark.parametrize("package,path", list(_modules()), ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_no_import_hides_inside_a_function(package, path):
    rel = str(path.relative_to(ROOT))
    for module, in_function, _ in _imports(ast.parse(path.read_text())):
        if in_function:
            assert (rel, module.split(".")[0]) in LAZY_IMPORTS, f"{rel}: imports {module} inside a function"


def test_the_ground_imports_nothing_above_it_at_run_time():
    """Importing the whole simulation loads none of the layers above it."""
    import subprocess
    import sys

    code = ("import sys, sim.model, sim.kpis, sim.calibration; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'agents', 'experiments', 'viz', 'icsim'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
