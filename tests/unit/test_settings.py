"""Every setting the code reads is documented in the README's configuration table."""

from __future__ import annotations

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
CODE = ("plugins", "dags", "expectations", "config", "docker")


def names_in(text: str) -> set[str]:
    return set(re.findall(r"\bMETRICS_[A-Z_]+\b", text))


def test_every_metrics_variable_is_in_the_readme_configuration_table() -> None:
    used: set[str] = set()
    for folder in CODE:
        for path in (PROJECT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".yml", ".sh", ".example", ""}:
                used |= names_in(path.read_text(errors="ignore"))
    readme = (PROJECT / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    table = table[: table.index("\n\n", table.index("| variable |"))]
    documented = {name for row in table.splitlines() if row.startswith("| `") for name in names_in(row.split("|")[1])}
    assert used, "no METRICS_ variables found: the search is broken"
    assert not used - documented, f"settings missing from the README's configuration table: {sorted(used - documented)}"
