"""handlers/ are thin: each parses an update, calls a use case in commerce/ and renders its
result (ARCHITECTURE.md section 6). A handler module imports no other handler module and
touches no repository: no `.uow.<repository>` and nothing from storage/."""

import ast
from pathlib import Path

import pytest

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"


def imported_modules(source: str) -> set[str]:
    """Every module a source imports, by its full name (`from handlers import x` names
    handlers.x, since x may be a module)."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ("handlers" if node.level else "") + ("." if node.level and node.module else "") + (node.module or "")
            modules.add(base)
            modules |= {f"{base}.{alias.name}" for alias in node.names}
    return modules


def handler_imports(source: str) -> set[str]:
    return {name for name in imported_modules(source) if name.startswith("handlers.")}


def storage_imports(source: str) -> set[str]:
    return {name for name in imported_modules(source) if name == "storage" or name.startswith("storage.")}


def repository_reaches(source: str) -> list[str]:
    """`<anything>.uow.<name>`: a repository (or the unit of work's own methods) used here."""
    return [ast.unparse(node) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "uow"]


def test_the_scan_sees_handler_imports_and_repositories_in_any_form():
    source = ("from handlers import staff\nimport handlers.relay\nfrom .buttons import answer\n"
              "from storage.uow import Database\nasync def f(tx):\n    await tx.uow.blobs.put(1)\n    use(tx.uow)\n")
    assert handler_imports(source) >= {"handlers.staff", "handlers.relay", "handlers.buttons"}
    assert storage_imports(source) == {"storage.uow", "storage.uow.Database"}
    assert repository_reaches(source) == ["tx.uow.blobs"]


MODULES = sorted(path for path in HANDLERS.rglob("*.py") if path.name != "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(HANDLERS)))
def test_a_handler_imports_no_other_handler(path):
    assert handler_imports(path.read_text()) == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(HANDLERS)))
def test_a_handler_touches_no_repository(path):
    source = path.read_text()
    assert storage_imports(source) == set()
    assert repository_reaches(source) == []
