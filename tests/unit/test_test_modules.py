"""Test modules share helpers through helper modules (tests/e2e/scenario.py and the like),
never by importing each other: a test module imported by another runs its code twice
under two names, and a change to one test's helpers silently changes other tests."""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def imported_modules(source: str, module: str) -> set[str]:
    """Every module the source imports, as absolute dotted names (module is the source's
    own dotted name, to resolve relative imports); `from package import name` counts both
    the package and package.name, since name may be a module."""
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def is_test_module(dotted: str) -> bool:
    return dotted.startswith("tests.") and dotted.rsplit(".", 1)[-1].startswith("test_")


def test_the_scan_sees_test_modules_imported_in_any_form():
    source = (
        "import os\n"
        "from tests.e2e.scenario import open_shop\n"
        "from tests.e2e.test_relay import png\n"
        "from . import test_chats\n"
        "from .test_delivery import open_chat\n"
        "from ..storage.test_onboarding import load\n"
        "if True:\n    import tests.sandbox.test_files as files\n"
    )
    offending = {m for m in imported_modules(source, "tests.e2e.test_x") if is_test_module(m)}
    assert offending == {"tests.e2e.test_relay", "tests.e2e.test_chats", "tests.e2e.test_delivery",
                         "tests.storage.test_onboarding", "tests.sandbox.test_files"}


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS)))
def test_no_module_imports_a_test_module(path: Path):
    module = ".".join(("tests", *path.relative_to(TESTS).with_suffix("").parts))
    assert {m for m in imported_modules(path.read_text(), module) if is_test_module(m)} == set()
