"""The README's table of environment variables and what reads them stay in step: every variable the
settings (serene/settings/, with serene/core/email_config.py) or the Procfiles read is in the table,
and every name in the table is read by something (the settings, a Procfile, the Makefile, the tests).
Also the rules of serene/settings/ that keep each concern in one place."""
import ast
import re
from pathlib import Path

from serene.core import email_config

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "serene" / "settings"
NAME = r"[A-Z][A-Z0-9_]*"


def _settings_modules() -> list[Path]:
    modules = sorted(SETTINGS_DIR.glob("*.py"))
    assert len(modules) > 5, "serene/settings/ is where the settings live"
    return modules


def _env_calls(path: Path) -> list[ast.Call]:
    """The calls of the reader in one settings module: env.str("NAME", ...), env.int(...), env(...)."""
    def is_env(node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id == "env"
    return [node for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Call)
            and (is_env(node.func) or (isinstance(node.func, ast.Attribute) and is_env(node.func.value)))]


def read_by_settings() -> set[str]:
    names = {call.args[0].value for path in _settings_modules() for call in _env_calls(path)
             if call.args and isinstance(call.args[0], ast.Constant)}
    return names | set(email_config.VARIABLES)


def read_by_procfiles() -> set[str]:
    return {name for procfile in ("Procfile", "Procfile.dev")
            for name in re.findall(rf"\$\{{?({NAME})", (ROOT / procfile).read_text())}


def read_by_makefile() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(rf"^({NAME}) \?=", text, re.MULTILINE)) | set(re.findall(rf"\$\$\{{?({NAME})", text))


def read_by_tests() -> set[str]:
    pattern = re.compile(rf"""(?:environ\.get\(|environ\[|getenv\()\s*["']({NAME})["']""")
    return {name for path in (ROOT / "tests").rglob("*.py") for name in pattern.findall(path.read_text())}


def readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    assert "\n## Environment variables\n" in text, "the README has a section named 'Environment variables'"
    section = text.split("\n## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            # Each name whole, so a search for it finds its row.
            assert not re.search(r"`_[A-Z]", first_cell), f"write each name whole in the README: {first_cell}"
            names |= set(re.findall(rf"`({NAME})`", first_cell))
    return names


def test_the_scan_sees_the_settings():
    names = read_by_settings()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "RAZORPAY_KEY_ID", "EMAIL_PROVIDER", "SENDGRID_API_KEY",
            "VIDEO_PROVIDER", "TASK_RETRY_MAX_ATTEMPTS", "LOG_FORMAT"} <= names
    assert len(names) > 100


def test_every_variable_the_settings_or_the_procfiles_read_is_in_the_readme():
    missing = (read_by_settings() | read_by_procfiles()) - readme_table()
    assert not missing, f"add these to the README's table of environment variables: {sorted(missing)}"


def test_every_variable_in_the_readme_is_read_by_something():
    unread = readme_table() - read_by_settings() - read_by_procfiles() - read_by_makefile() - read_by_tests()
    assert not unread, f"the README's table names variables nothing reads: {sorted(unread)}"


def test_every_read_names_its_variable_plainly():
    """The scan above sees a variable only when its name is written out where it is read."""
    for path in _settings_modules():
        for call in _env_calls(path):
            assert call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str), \
                f"{path.name}:{call.lineno}: read a variable by its literal name"


def test_only_the_reader_touches_the_environment():
    """serene/ reads the environment through serene/settings/env.py only (entry points may set the
    settings module, and settings_test.py its defaults)."""
    reads = re.compile(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(|environ\.Env\(")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "serene").rglob("*.py")
                 if path != SETTINGS_DIR / "env.py" and reads.search(path.read_text())]
    assert not offenders, f"read variables through serene.settings.env instead: {offenders}"


def test_no_setting_is_edited_after_it_is_made():
    """Each setting is written once, whole, in the module of its concern: no appending to a list or
    a dict made elsewhere in the file, no second assignment."""
    editing = {"append", "extend", "insert", "update", "setdefault", "pop", "remove"}
    for path in _settings_modules():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.AugAssign):
                raise AssertionError(f"{path.name}:{node.lineno}: a setting extended in place")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in editing
                    and _root_name(node.func.value).isupper()):
                raise AssertionError(f"{path.name}:{node.lineno}: {ast.unparse(node.func)} edits a setting")
            if isinstance(node, ast.Assign) and any(isinstance(target, ast.Subscript) and
                                                    _root_name(target).isupper() for target in node.targets):
                raise AssertionError(f"{path.name}:{node.lineno}: an item of a setting set after it is made")
    assigned: dict[str, str] = {}
    for path in _settings_modules():
        for node in ast.parse(path.read_text(), str(path)).body:
            for target in _module_level_targets(node):
                if target.isupper():
                    assert target not in assigned or assigned[target] == path.name, \
                        f"{target} is set in {assigned[target]} and in {path.name}"
                    assigned[target] = path.name


def _root_name(node: ast.expr) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _module_level_targets(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [target.id for target in node.targets if isinstance(target, ast.Name)]
    if isinstance(node, (ast.If, ast.Try)):
        return [name for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)
                for name in _module_level_targets(child)]
    return []
