"""Dependencies point one way: payments uses bookings, never the reverse; notifications listens to
bookings (and reads payments), and neither of those calls it."""
import ast
from pathlib import Path

import serene

SERENE = Path(serene.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_bookings_never_imports_payments():
    offenders = {str(path.relative_to(SERENE)): sorted(name for name in _imports(path) if name.startswith("serene.payments"))
                 for path in (SERENE / "bookings").rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_razorpay_adapter_knows_the_sdk():
    users = [str(path.relative_to(SERENE)) for path in SERENE.rglob("*.py")
             if any(name == "razorpay" or name.startswith("razorpay.") for name in _imports(path))]
    assert users == ["payments/razorpay.py"]


def test_bookings_never_imports_notifications():
    offenders = {str(path.relative_to(SERENE)): sorted(name for name in _imports(path)
                                                       if name.startswith("serene.notifications"))
                 for path in (SERENE / "bookings").rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_payments_never_imports_notifications():
    users = sorted(str(path.relative_to(SERENE)) for path in (SERENE / "payments").rglob("*.py")
                   if any(name.startswith("serene.notifications") for name in _imports(path)))
    assert users == []
