"""The house has no circles: imports flow one way (routes → service → rules / models → core),
and `app.core` knows no domain. Read from the source, so a function-level import counts too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
# Modules at the root of `app` that every domain may use and that use no domain.
FOUNDATION = {"app", "app.config", "app.errors", "app.db", "app.problems", "app.openapi"}
# Never import a service or a route (legal.table and legal.amounts are the legal rules as data).
LOWER_KINDS = {"models", "values", "rules", "errors", "scopes", "table", "amounts"}
MAX_LINES = 420


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in APP.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The app modules a file imports, wherever the import statement stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            if not name.startswith("app"):
                continue
            # `from app.x import service` names a module; `from app.x.y import f` does not
            while name not in known and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in known:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(path, known) - {name} for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def domain_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 and parts[1] != "core" else None


def kind_of(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def test_no_module_imports_itself_back_through_others():
    assert cycles(graph()) == []


def test_core_and_the_foundation_import_no_domain():
    upward = {
        (name, target)
        for name, targets in graph().items()
        if name.startswith("app.core") or name in FOUNDATION
        for target in targets
        if domain_of(target) is not None or target == "app.main"
    }
    assert upward == set()


def test_models_rules_and_errors_never_import_a_service_or_a_route():
    upward = {
        (name, target)
        for name, targets in graph().items()
        if domain_of(name) is not None and kind_of(name) in LOWER_KINDS
        for target in targets
        if domain_of(target) is not None and kind_of(target) not in LOWER_KINDS
    }
    assert upward == set()


def test_services_never_import_routes():
    upward = {
        (name, target)
        for name, targets in graph().items()
        if kind_of(name) != "routes" and name != "app.main"
        for target in targets
        if kind_of(target) == "routes"
    }
    assert upward == set()


def test_rules_are_pure_no_database_and_no_http():
    impure = {}
    for name, path in modules().items():
        if kind_of(name) != "rules":
            continue
        tree = ast.parse(path.read_text())
        roots = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in n.names}
            elif isinstance(n, ast.ImportFrom) and n.module:
                roots.add(n.module.split(".")[0])
        bad = roots & {"sqlalchemy", "sqlmodel", "fastapi", "starlette", "httpx"}
        if bad or "app.db" in imports_of(path, set(modules())):
            impure[name] = sorted(bad)
    assert impure == {}


def test_the_check_sees_a_cycle_and_an_upward_import():
    # The checks above would pass on any graph if the graph were empty or blind.
    edges = graph()
    assert "app.clients.service" in edges["app.clients.routes"]
    assert "app.core.tenancy" in edges["app.clients.service"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_over_about_400_lines():
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
