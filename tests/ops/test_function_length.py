"""House rule: no function in gateway/, schema/ or resolvers/ is longer than ~60 lines.

Long functions are where several jobs hide; this lists every one over the limit, so a new one
fails the suite with its name and length instead of growing unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "schema", "resolvers")
MAX_LINES = 60


def long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    assert node.end_lineno is not None
                    length = node.end_lineno - node.lineno + 1
                    if length > limit:
                        where = path.relative_to(root)
                        found.append(f"{where}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_over_the_limit() -> None:
    assert long_functions(ROOT, MAX_LINES) == []


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    package = tmp_path / "schema"
    package.mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES))
    (package / "long.py").write_text(f"def long_one():\n{body}")
    (package / "short.py").write_text("def short_one():\n    return 1\n")
    assert long_functions(tmp_path, MAX_LINES) == [
        f"schema/long.py:1 long_one ({MAX_LINES + 1} lines)"
    ]
