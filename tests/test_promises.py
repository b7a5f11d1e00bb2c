"""Every test that README.md, SECURITY.md and docs/ name as the proof of a promise exists: a renamed or deleted
test fails here instead of leaving a promise without proof."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCUMENTS = ["README.md", "SECURITY.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
# Backticked references: `tests/test_x.py`, `test_x.py::test_name`, `::test_name`, or a bare `test_name`.
REFERENCE = re.compile(r"`((?:tests/)?test_\w+\.py)?(?:::)?(test_\w+)?[^`]*`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def _references(text: str):
    """(file, test name or None) for each reference; a name without a file belongs to the last file named."""
    current = None
    for match in REFERENCE.finditer(text):
        file, name = match.group(1), match.group(2)
        if file:
            current = file if file.startswith("tests/") else f"tests/{file}"
        if file or name:
            truncated = match.group(0).rstrip("`").endswith("…")
            yield current, name, truncated


def test_every_test_named_in_the_documents_exists():
    missing = []
    for document in DOCUMENTS:
        text = (ROOT / document).read_text(encoding="utf-8")
        for file, name, truncated in _references(text):
            if file is None:
                missing.append(f"{document}: `{name}` names no file before it")
                continue
            path = ROOT / file
            if not path.exists():
                missing.append(f"{document}: {file} does not exist")
                continue
            if name is None:
                continue
            names = _tests_in(path)
            found = any(n.startswith(name) for n in names) if truncated else name in names
            if not found:
                missing.append(f"{document}: {file}::{name} does not exist")
    assert missing == []


def test_the_check_catches_a_renamed_test():
    text = "`tests/test_promises.py::test_every_test_named_in_the_documents_exists`, `::test_no_such_promise`"
    refs = list(_references(text))
    assert refs == [
        ("tests/test_promises.py", "test_every_test_named_in_the_documents_exists", False),
        ("tests/test_promises.py", "test_no_such_promise", False),
    ]
    assert "test_no_such_promise" not in _tests_in(ROOT / "tests/test_promises.py")
