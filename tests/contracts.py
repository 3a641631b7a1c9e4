"""An import-linter contract of this project's own (pyproject.toml, [tool.importlinter]).

``private_names``: no module imports a ``_private`` name from another module. A private helper that
another module needs is not private: give it a public name where it belongs (portal/ when every stage
uses it). Only ``from x import _y`` is looked at; ``__dunder__`` names and relative imports inside a
package's ``__init__`` are not private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def source_of(module: str) -> Path | None:
    """The file of ``module``, found from the working directory (nothing is imported)."""
    base = Path(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def private_name_imports(module: str) -> list[str]:
    path = source_of(module)
    if path is None:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        for alias in node.names:
            name = alias.name
            if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                source_module = "." * node.level + (node.module or "")
                found.append(f"{module}:{node.lineno} imports {name} from {source_module}")
    return found


class PrivateNamesContract(Contract):
    type_name = "private_names"

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        containers = tuple(self.containers)  # type: ignore[arg-type]
        violations = []
        for module in sorted(graph.modules):
            if module.split(".")[0] in containers:
                violations += private_name_imports(module)
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            output.print_error(violation, bold=False)
            output.new_line()
