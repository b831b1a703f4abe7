"""Dependencies point one way. The composition apps (pages and the sessions API, by audience) sit
above the domain apps and are never imported by them, nor by each other; they read through the
domain's selectors and write through its services. Among the domain apps: payments uses bookings,
never the reverse; notifications listens to bookings (and reads payments), and neither of those
calls it."""
import ast
from pathlib import Path

import pytest

import serene

SERENE = Path(serene.__file__).resolve().parent
COMPOSITION = ("marketplace", "customer", "desk", "staff")
DOMAIN = ("core", "accounts", "experts", "availability", "bookings", "payments", "notifications", "video")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(app: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in (SERENE / app).rglob("*.py"):
        names = sorted(name for name in _imports(path)
                       if any(name == f"serene.{other}" or name.startswith(f"serene.{other}.") for other in forbidden))
        if names:
            found[str(path.relative_to(SERENE))] = names
    return found


def test_every_app_is_placed_in_a_layer():
    apps = {path.name for path in SERENE.iterdir() if (path / "__init__.py").exists()} - {"settings", "templates", "static"}
    assert apps == set(COMPOSITION) | set(DOMAIN)


@pytest.mark.parametrize("app", DOMAIN)
def test_a_domain_app_never_imports_the_composition_layer(app):
    assert _offenders(app, COMPOSITION) == {}


@pytest.mark.parametrize("app", COMPOSITION)
def test_a_composition_app_never_imports_another(app):
    assert _offenders(app, tuple(other for other in COMPOSITION if other != app)) == {}


@pytest.mark.parametrize("app", COMPOSITION)
def test_a_composition_app_queries_no_model_itself(app):
    """It reads through the domain apps' selectors: no `Model.objects` in its code."""
    users = sorted(str(path.relative_to(SERENE)) for path in (SERENE / app).rglob("*.py")
                   if any(isinstance(node, ast.Attribute) and node.attr == "objects"
                          for node in ast.walk(ast.parse(path.read_text()))))
    assert users == []


def test_payments_serves_no_pages_but_the_emulators():
    """payments is the money: its pages moved to the composition layer; only the Razorpay emulator
    (payments/sandbox/) has URLs and templates of its own."""
    money = [path for path in (SERENE / "payments").rglob("*.py") if "sandbox" not in path.parts]
    assert not [path.name for path in money if path.name in ("urls.py", "views.py")]
    renderers = sorted(str(path.relative_to(SERENE)) for path in money
                       if {"django.shortcuts", "django.template", "django.template.loader"} & _imports(path))
    assert renderers == []


def test_bookings_never_imports_payments():
    assert _offenders("bookings", ("payments",)) == {}


def test_bookings_never_imports_notifications():
    assert _offenders("bookings", ("notifications",)) == {}


def test_payments_never_imports_notifications():
    assert _offenders("payments", ("notifications",)) == {}


def test_only_the_razorpay_adapter_knows_the_sdk():
    users = [str(path.relative_to(SERENE)) for path in SERENE.rglob("*.py")
             if any(name == "razorpay" or name.startswith("razorpay.") for name in _imports(path))]
    assert users == ["payments/razorpay.py"]
