"""The direction of dependencies (docs/architecture.md): portal composes the apps; layanan and
umkm build on kelurahan; kelurahan builds on none of them; no app's modules import in a circle.

Every import counts, also those inside functions (a late import hides a circle, it does not
remove it)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("kelurahan", "layanan", "umkm", "portal")
MAY_IMPORT = {
    "kelurahan": set(),
    "layanan": {"kelurahan"},
    "umkm": {"kelurahan"},
    "portal": {"kelurahan", "layanan", "umkm"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Each of our modules (migrations aside) and the modules of ours it imports."""
    found: dict[str, set[str]] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            names: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module)
                    names.update(f"{node.module}.{alias.name}" for alias in node.names)
            found[_module_name(path)] = {n for n in names if n.split(".")[0] in APPS}
    return found


IMPORTS = _imports()


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_it_builds_on(app):
    wrong = {
        f"{module} imports {name}"
        for module, names in IMPORTS.items()
        if module.split(".")[0] == app
        for name in names
        if name.split(".")[0] not in MAY_IMPORT[app] | {app}
    }
    assert not wrong


def test_no_modules_import_each_other_in_a_circle():
    modules = set(IMPORTS)
    graph = {
        module: {name for name in names if name in modules and name != module}
        for module, names in IMPORTS.items()
    }
    # Packages (`from kelurahan import roles`) point at the module they name.
    for module, names in IMPORTS.items():
        graph[module] |= {n for n in names if n in modules and n != module}
    circles = []
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if target.count(".") == 0:
                continue  # an app's package (__init__) imports nothing of weight
            if state.get(target) == 1:
                circles.append(" -> ".join(path[path.index(target) :] + [target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles
