"""The floors and wings hold: checked by reading the code (AST), each rule also shown failing on a planted violation."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from webapp.domain import privacy

ROOT = Path(__file__).resolve().parents[1]
WEBAPP = ROOT / "webapp"
WINGS = ("accounts", "employees", "field", "alerts", "skills", "followup")
# What only the HTTP floor may touch: the request and its state, and the logged-in user.
HTTP_ONLY = {("flask", "request"), ("flask", "session"), ("flask", "g"), ("flask_login", "current_user")}
ALLOWED_CONTEXT_GLOBALS = {"nav_items", "can", "roles", "skill_levels"}


def module_name(path: Path) -> str:
    """`webapp/domain/field/today.py` -> `webapp.domain.field.today` (packages drop `__init__`)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(*folders: str) -> list[Path]:
    """Every Python source under these folders of webapp/ (migration scripts excluded)."""
    files = []
    for folder in folders:
        base = WEBAPP / folder if folder else WEBAPP
        files += [p for p in base.rglob("*.py") if "migrations" not in p.parts]
    return sorted(set(files))


def imports_of(tree: ast.AST, *, top_level_only: bool = False):
    """(module, name or None, node) for each import; `from a import b` gives (a, b)."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name, node


# ---------------------------------------------------------------- rules, as functions of (name, source) pairs

def http_leaks(sources: dict[str, str]) -> list[str]:
    """Domain, models and platform code that reads the request, the session, g, current_user, or the routes."""
    found = []
    for name, text in sources.items():
        if not name.startswith(("webapp.domain", "webapp.models", "webapp.platform")):
            continue
        for module, imported, _ in imports_of(ast.parse(text)):
            if (module, imported) in HTTP_ONLY or module.startswith("webapp.routes") or (
                    imported and f"{module}.{imported}".startswith("webapp.routes")):
                found.append(f"{name} imports {module}{'.' + imported if imported else ''}")
    return found


def sibling_route_imports(sources: dict[str, str]) -> list[str]:
    """Route modules (routes/<wing>/ and routes/shell/) that import another route module instead of a domain one."""
    found = []
    for name, text in sources.items():
        parts = name.split(".")
        if len(parts) < 4 or parts[:2] != ["webapp", "routes"] or parts[2] == "_web":
            continue
        for module, imported, _ in imports_of(ast.parse(text)):
            target = f"{module}.{imported}" if imported else module
            # A wing's forms module is declarations (the form layer), not a route module.
            if (target.startswith("webapp.routes.") and not target.startswith("webapp.routes._web")
                    and not module.endswith(".forms")):
                found.append(f"{name} imports {target}")
    return found


def import_cycles(sources: dict[str, str]) -> list[str]:
    """Cycles among webapp's modules through their top-level imports."""
    graph: dict[str, set[str]] = {}
    for name, text in sources.items():
        edges = set()
        for module, imported, _ in imports_of(ast.parse(text), top_level_only=True):
            for candidate in (f"{module}.{imported}" if imported else None, module):
                if candidate in sources and candidate != name:
                    edges.add(candidate)
                    break
        graph[name] = edges
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            # A package importing its own submodules is how a wing exposes them, not a cycle.
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return cycles


def local_imports(sources: dict[str, str]) -> list[str]:
    """Imports inside functions that do not say, on their line, which cycle they break (`# cycle: ...`)."""
    found = []
    for name, text in sources.items():
        lines = text.splitlines()
        for func in ast.walk(ast.parse(text)):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and "# cycle:" not in lines[node.lineno - 1]:
                    found.append(f"{name}:{node.lineno} {lines[node.lineno - 1].strip()}")
    return found


REGISTRATIONS = {"add_command", "register_blueprint", "context_processor", "app_context_processor",
                 "add_template_global", "add_template_filter", "app_template_global", "app_template_filter",
                 "template_global", "template_filter"}


REQUEST_INPUT = {"form", "args", "values", "files", "get_json", "json", "get_data", "data"}


def direct_input_reads(sources: dict[str, str]) -> list[str]:
    """Route modules that read the request's input themselves instead of through a declared form (routes/_web)."""
    found = []
    for name, text in sources.items():
        if not name.startswith("webapp.routes.") or name.startswith("webapp.routes._web"):
            continue
        for node in ast.walk(ast.parse(text)):
            if (isinstance(node, ast.Attribute) and node.attr in REQUEST_INPUT and isinstance(node.value, ast.Name)
                    and node.value.id == "request"):
                found.append(f"{name}:{node.lineno} request.{node.attr}")
    return found


def registrations_outside_entry_points(sources: dict[str, str]) -> list[str]:
    """CLI commands added to the app, blueprints registered, or template helpers bound outside the entry points."""
    entry_points = {"webapp", "webapp.cli", "webapp.routes._web.templating"}
    found = []
    for name, text in sources.items():
        if name in entry_points:
            continue
        for node in ast.walk(ast.parse(text)):
            # Both `x.add_command(...)` and `@bp.app_template_filter(...)` are attributes with these names.
            if isinstance(node, ast.Attribute) and node.attr in REGISTRATIONS:
                found.append(f"{name}:{node.lineno} {node.attr}")
    return found


def querying_template_helpers(sources: dict[str, str]) -> list[str]:
    """The template helpers module must not reach the database: shared page builders are domain functions.

    From the domain it may take the policy and constants (UPPER_CASE names), which are plain data.
    """
    text = sources.get("webapp.routes._web.templating", "")
    found = []
    for module, imported, _ in imports_of(ast.parse(text)):
        target = f"{module}.{imported}" if imported else module
        constant = imported is not None and imported.isupper()
        if module.startswith(("sqlmodel", "sqlalchemy", "webapp.platform.db", "webapp.routes._web.db_session")) or (
                module.startswith("webapp.domain") and not target.startswith("webapp.domain.policy") and not constant):
            found.append(f"templating imports {target}")
    return found


def unused_templates(template_root: Path, sources: list[str]) -> list[str]:
    """Templates that no render, include, extends or import names."""
    text = "\n".join(sources)
    found = []
    for path in sorted(template_root.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".js", ".webmanifest"}:
            relative = path.relative_to(template_root).as_posix()
            if f'"{relative}"' not in text and f"'{relative}'" not in text:
                found.append(relative)
    return found


# ---------------------------------------------------------------- the tree as it is

def _sources(*folders: str) -> dict[str, str]:
    return {module_name(p): p.read_text() for p in python_files(*folders)}


@pytest.fixture(scope="module")
def sources():
    return _sources("")


def test_domain_models_and_platform_never_touch_http(sources):
    assert http_leaks(sources) == []


def test_route_modules_never_import_each_other(sources):
    assert sibling_route_imports(sources) == []


def test_no_import_cycles(sources):
    assert import_cycles(sources) == []


def test_no_function_local_imports_without_a_cycle_to_break(sources):
    assert local_imports(sources) == []


def test_route_modules_read_input_only_through_the_form_layer(sources):
    assert direct_input_reads(sources) == []


def test_cli_commands_blueprints_and_template_helpers_are_registered_in_the_entry_points(sources):
    assert registrations_outside_entry_points(sources) == []


def test_template_helpers_run_no_query(sources):
    assert querying_template_helpers(sources) == []


def test_context_processors_give_only_plain_values(app):
    """What every template receives is data or a pure helper, never a function that queries."""
    with app.test_request_context("/"):
        names = set()
        for processors in app.template_context_processors.values():
            for processor in processors:
                names |= set(processor())
    # g, request and session come from Flask; csrf_token, csrf_meta_tag and current_user from its extensions.
    assert names <= ALLOWED_CONTEXT_GLOBALS | {"g", "request", "session", "current_user", "csrf_token", "csrf_meta_tag"}


def test_every_table_about_an_employee_is_exported_and_anonymised():
    """A table with an `employee_id` that no wing's privacy module names would escape the right of access and the purge."""
    assert privacy.tables_with_employee_id() - privacy.covered_tables() == frozenset()


def test_privacy_check_catches_an_uncovered_table(monkeypatch):
    planted = type("Planted", (), {"TABLES": (), "export": None, "anonymise": None})
    monkeypatch.setattr(privacy, "WINGS", (planted,))
    assert "observation_employee" in privacy.tables_with_employee_id() - privacy.covered_tables()


def test_every_template_is_used():
    sources = [p.read_text() for p in python_files("")]
    sources += [p.read_text() for p in (WEBAPP / "templates").rglob("*.html")]
    assert unused_templates(WEBAPP / "templates", sources) == []


def test_each_wing_has_its_floors():
    """The one-hop rule: a wing has its routes, its domain, its templates and its tests."""
    for wing in WINGS:
        assert (WEBAPP / "routes" / wing).is_dir(), wing
        assert (WEBAPP / "domain" / wing).is_dir(), wing
        assert (WEBAPP / "templates" / wing).is_dir(), wing
        assert (ROOT / "tests" / wing).is_dir(), wing
        assert (WEBAPP / "models" / f"{wing}.py").is_file(), wing


def test_route_areas_call_the_domain_area_of_the_same_name():
    """routes/<wing>/<area>.py leads to domain/<wing>/<area>.py and templates/<wing>/<area>/ (forms excepted)."""
    missing = []
    for path in sorted((WEBAPP / "routes").glob("*/*.py")):
        wing, area = path.parent.name, path.stem
        if wing in {"_web", "shell"} or area in {"__init__", "forms"}:
            continue
        if not (WEBAPP / "templates" / wing / area).is_dir():
            missing.append(f"templates/{wing}/{area}/")
        if not (WEBAPP / "domain" / wing / f"{area}.py").is_file() and area not in DOMAIN_ELSEWHERE:
            missing.append(f"domain/{wing}/{area}.py")
    assert missing == []


# Route areas whose rules live in another domain module, and why.
DOMAIN_ELSEWHERE = {
    "account": "one's own account uses domain/accounts/auth.py, passkeys.py and totp.py",
    "structure": "structure settings are plain column edits (domain/accounts/users.py creates structures)",
    "privacy": "the right of access is domain/privacy.py, which gathers every wing's privacy module",
}


# ---------------------------------------------------------------- each rule fails on a planted violation

PLANTED = {
    "webapp.domain.field.bad": "from flask import request\nfrom flask_login import current_user\n",
    "webapp.platform.bad": "from webapp.routes._web.views import render\n",
    "webapp.routes.field.bad": "from webapp.routes.skills.skills import chosen_site\n",
    "webapp.domain.a": "from webapp.domain import b\n",
    "webapp.domain.b": "from webapp.domain.a import x\n",
    "webapp.domain.local": "def f():\n    from webapp.models import User\n    return User\n",
    "webapp.domain.cli": "def init_app(app):\n    app.cli.add_command(x)\n",
    "webapp.routes.skills.globals": "@bp.app_context_processor\ndef g():\n    return {}\n",
    "webapp.routes._web.templating": "from webapp.domain.skills import skills\n",
    "webapp.routes.field.reads": "def v():\n    return request.form.get('x'), request.args['y']\n",
}


def test_planted_violations_are_caught():
    assert len(http_leaks(PLANTED)) == 3
    assert sibling_route_imports(PLANTED) == ["webapp.routes.field.bad imports webapp.routes.skills.skills.chosen_site"]
    assert import_cycles(PLANTED) == ["webapp.domain.a -> webapp.domain.b -> webapp.domain.a"]
    assert [f.split(" ")[0] for f in local_imports(PLANTED)] == ["webapp.domain.local:2"]
    assert len(registrations_outside_entry_points(PLANTED)) == 2
    assert querying_template_helpers(PLANTED) == ["templating imports webapp.domain.skills.skills"]
    assert sorted(direct_input_reads(PLANTED)) == ["webapp.routes.field.reads:2 request.args",
                                                   "webapp.routes.field.reads:2 request.form"]


def test_planted_cycle_comment_is_accepted():
    planted = {"webapp.x": "def f():\n    from webapp.y import z  # cycle: y imports x at load\n"}
    assert local_imports(planted) == []


def test_planted_unused_template_is_caught(tmp_path):
    (tmp_path / "field" / "today").mkdir(parents=True)
    (tmp_path / "field" / "today" / "index.html").write_text("")
    (tmp_path / "field" / "today" / "old.html").write_text("")
    assert unused_templates(tmp_path, ['render("field/today/index.html")']) == ["field/today/old.html"]


def test_module_names_follow_the_tree():
    assert module_name(WEBAPP / "domain" / "field" / "__init__.py") == "webapp.domain.field"
    assert re.fullmatch(r"webapp\.routes\._web\.views", module_name(WEBAPP / "routes" / "_web" / "views.py"))
