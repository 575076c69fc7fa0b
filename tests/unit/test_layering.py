"""commerce/ is the pure domain: it imports no I/O library (ARCHITECTURE.md section 2)."""

import ast
from pathlib import Path

import pytest

COMMERCE = Path(__file__).resolve().parents[2] / "commerce"
FORBIDDEN = {"telegram", "sqlmodel", "sqlalchemy", "redis", "aiohttp", "apscheduler", "PIL", "qrcode", "bot", "handlers", "storage"}


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_scan_sees_imports_in_any_form():
    source = "import os\nfrom telegram import Bot\nif True:\n    import redis.asyncio as r\n"
    assert imported_roots(source) & FORBIDDEN == {"telegram", "redis"}


@pytest.mark.parametrize("path", sorted(COMMERCE.rglob("*.py")), ids=lambda p: str(p.relative_to(COMMERCE)))
def test_commerce_imports_no_io_library(path):
    assert imported_roots(path.read_text()) & FORBIDDEN == set()


def test_commerce_does_not_read_the_clock():
    offenders = [
        str(path.relative_to(COMMERCE))
        for path in COMMERCE.rglob("*.py")
        if any(call in path.read_text() for call in ("datetime.now(", "datetime.utcnow(", "time.time("))
    ]
    assert offenders == []
