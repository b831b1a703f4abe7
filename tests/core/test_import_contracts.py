"""Which way imports point is declared as import-linter contracts in pyproject.toml ([tool.importlinter]),
checked by `make imports` in CI. These tests keep the contracts honest: every app is placed in a layer,
an upward import breaks them (tried on a copy of the code), and nothing hides one with ignore_imports.
The rules an import graph cannot state (a composition app queries no model; payments serves no pages)
are checked here by reading the code."""
import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import serene

ROOT = Path(__file__).resolve().parents[2]
SERENE = Path(serene.__file__).resolve().parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in CONFIG["contracts"]}
COMPOSITION = ("marketplace", "customer", "desk", "staff")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _layered() -> set[str]:
    return {name.strip() for layer in CONTRACTS["layers"]["layers"] for name in layer.replace(":", "|").split("|")}


def test_every_app_and_top_level_module_is_placed_in_a_layer():
    modules = {f"serene.{path.name}" for path in SERENE.iterdir() if (path / "__init__.py").exists()}
    modules |= {f"serene.{path.stem}" for path in SERENE.glob("*.py") if path.stem != "__init__"}
    modules -= {"serene.templates", "serene.static"}
    assert _layered() == modules


def test_no_ignored_import_but_the_razorpay_adapters_own():
    ignored = {line for contract in CONTRACTS.values() for line in contract.get("ignore_imports", [])}
    assert ignored == {"serene.payments.razorpay -> razorpay"}


def _lint_a_copy(tmp_path: Path, module: str, code: str) -> subprocess.CompletedProcess:
    shutil.copytree(SERENE, tmp_path / "serene", ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "serene" / Path(*module.split(".")[1:])).with_suffix(".py").write_text(code)
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)})


def test_the_code_keeps_the_contracts(tmp_path):
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("module, code, broken", [
    # What the hand-written check of the layers caught, and what it could not see.
    ("serene.bookings.upward", "from serene.payments.models import Payment\n", "serene.bookings is not allowed to import serene.payments"),
    ("serene.core.upward", "def f():\n    from serene.bookings.models import Booking\n", "serene.core is not allowed to import serene.bookings"),
    ("serene.availability.upward", "import serene.bookings.lifecycle\n", "serene.availability is not allowed to import serene.bookings"),
    ("serene.customer.sideways", "from serene.desk import views\n", "serene.customer is not allowed to import serene.desk"),
    ("serene.video.sideways", "from serene.notifications import outbox\n", "serene.video is not allowed to import serene.notifications"),
    ("serene.experts.sdk", "import razorpay\n", "serene.experts.sdk -> razorpay"),
])
def test_an_import_against_the_contracts_breaks_them(tmp_path, module, code, broken):
    result = _lint_a_copy(tmp_path, module, code)
    assert result.returncode == 1
    assert broken in " ".join(result.stdout.split()), result.stdout[-3000:]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", COMPOSITION)
def test_a_composition_app_queries_no_model_itself(app):
    """It reads through the domain apps' selectors: no `Model.objects` in its code."""
    users = sorted(str(path.relative_to(SERENE)) for path in (SERENE / app).rglob("*.py")
                   if any(isinstance(node, ast.Attribute) and node.attr == "objects"
                          for node in ast.walk(ast.parse(path.read_text()))))
    assert users == []


def test_payments_serves_no_pages_but_the_emulators():
    """payments is the money: its pages moved to the composition layer; only the Razorpay emulator
    (payments/sandbox/) has URLs and templates of its own, and the Django admin of its own models
    (admin.py: staff's part refund is an admin page of the payment)."""
    money = [path for path in (SERENE / "payments").rglob("*.py") if "sandbox" not in path.parts
             and path.name != "admin.py"]
    assert not [path.name for path in money if path.name in ("urls.py", "views.py")]
    renderers = sorted(str(path.relative_to(SERENE)) for path in money
                       if {"django.shortcuts", "django.template", "django.template.loader"} & _imports(path))
    assert renderers == []
