"""The shape of the product code: no import circles, and no module reaching into another's
private names. The layers themselves are import-linter contracts (pyproject.toml, `make lint`)."""

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("firmsync", "accounts", "practice", "trust", "sync", "bench")
# Underscored but public: Django documents a model's `_meta` (the Model _meta API).
PUBLIC = {"_meta"}


def _cycles(graph) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(found)


def test_it_finds_a_circle_when_there_is_one():
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [["a.x", "a.y"]]


def test_product_code_has_no_import_circles():
    graph = grimp.build_graph(*PRODUCT, cache_dir=None)
    assert _cycles(graph) == []


def _product_files():
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _private_uses(source: str, path: str) -> list[str]:
    """`from x import _name`, and `module._name` for a module imported from the product."""
    tree = ast.parse(source)
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PRODUCT:
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path}:{node.lineno} imports {node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PRODUCT:
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr not in PUBLIC
        ):
            found.append(f"{path}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_it_finds_a_private_name_taken_from_another_module():
    source = "from sync.engine import plan\nfrom trust.reports import _esc\nplan._queue([])\n"
    assert _private_uses(source, "x.py") == [
        "x.py:2 imports trust.reports._esc",
        "x.py:3 uses plan._queue",
    ]


def test_no_product_module_uses_another_modules_private_names():
    found = []
    for path in _product_files():
        found += _private_uses(path.read_text(), str(path.relative_to(ROOT)))
    assert found == []


def test_no_product_file_is_over_500_lines():
    """The house limit (STYLE.md 22): past it a module is split by sub-domain. Migrations are
    generated and exempt."""
    long = {
        str(path.relative_to(ROOT)): n
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}
