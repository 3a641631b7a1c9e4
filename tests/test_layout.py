"""The layout's rules, checked on the source (issue 11, STYLE.md "The shape of the house"):

- the import contracts in pyproject.toml hold (``lint-imports``);
- ``.state`` is written only in a ``workflows.py``;
- no module of the apps is over 500 lines and no function over 60;
- no function-level import outside ``AppConfig.ready`` (a hidden cycle is still a cycle);
- every audit action written in the apps' code is registered (``portal.audit.record`` refuses the rest
  at run time too);
- WeasyPrint's progress messages stay out of every command's output.
"""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from portal import audit
from portal.pdf import render_pdf
from tests.contracts import private_name_imports

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "grants", "reporting")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def app_modules() -> list[Path]:
    return sorted(
        path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.relative_to(ROOT).parts
    )


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def state_assignments(tree: ast.Module):
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for item in ast.walk(target):
                if isinstance(item, ast.Attribute) and item.attr == "state" and isinstance(item.ctx, ast.Store):
                    yield item


def test_state_is_written_only_in_workflows():
    found = [
        where(path, node)
        for path in app_modules()
        if path.name != "workflows.py"
        for node in state_assignments(parsed(path))
    ]
    assert found == [], "write .state through the app's workflows.py (Workflow.take): " + ", ".join(found)


def test_the_state_check_finds_an_assignment():
    tree = ast.parse("def f(case):\n    case.state = 'x'\n    a.state, b = 1, 2\n")
    assert len(list(state_assignments(tree))) == 2


def test_no_module_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in app_modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_60_lines():
    long = [
        f"{where(path, node)} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in app_modules()
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def function_level_imports(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "ready":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


def test_no_function_level_imports_outside_app_ready():
    found = [where(path, node) for path in app_modules() for node in function_level_imports(parsed(path))]
    assert found == []


def recorded_actions(tree: ast.Module):
    """Audit action names written as literals: ``action="x.y"`` in a call (``audit.record``,
    ``Transition``) and the keys of ``register_actions`` are not counted (they declare)."""
    for node in ast.walk(tree):
        callee = getattr(node.func, "attr", getattr(node.func, "id", "")) if isinstance(node, ast.Call) else ""
        if isinstance(node, ast.Call) and callee != "add_argument":  # argparse's action="store_true"
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "action" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value


def test_every_audit_action_in_the_code_is_registered():
    written = {node.value: where(path, node) for path in app_modules() for node in recorded_actions(parsed(path))}
    assert len(written) > 30  # the scan sees the services' actions
    unregistered = {name: at for name, at in written.items() if not audit.is_registered(name)}
    assert unregistered == {}


def test_recording_an_unregistered_action_is_refused(cast):
    with pytest.raises(ValueError, match="not registered"):
        audit.record(actor=audit.Actor(user=cast.staff_a), action="application.made_up", obj=cast.county_a)


def test_every_registered_action_has_a_label_and_a_county_flag():
    for name, action in audit.ACTIONS.items():
        assert str(action.label) and str(action.label) != name, name
        assert isinstance(action.county, bool), name


def test_a_pdf_logs_no_progress(caplog, settings):
    caplog.set_level(logging.DEBUG)
    pdf = render_pdf("includes/stored_file.html", {"name": "x", "sha256": "ab"}, language="nb")
    assert pdf.startswith(b"%PDF-")
    assert not [r for r in caplog.records if r.name.startswith("weasyprint.progress")]


def test_manage_py_commands_print_no_weasyprint_progress():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "VAR_DIR": str(ROOT / "var")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Step " not in result.stdout + result.stderr


def test_the_private_names_contract_finds_a_private_import(tmp_path, monkeypatch):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "a.py").write_text("from app.b import _helper, public\nfrom app.b import __version__\n")
    monkeypatch.chdir(tmp_path)
    assert private_name_imports("app.a") == ["app.a:1 imports _helper from app.b"]
