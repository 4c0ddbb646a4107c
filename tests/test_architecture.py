"""The package's shape stays as docs/architecture.md describes it: imports point one way (no
cycles, type-only imports included), nothing below the CLI imports `cli` or `web`, few modules at
the top, none too long, and every install hint names an extra that exists."""

import ast
import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "pipeline"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports anywhere in it (functions, TYPE_CHECKING blocks)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pipeline.search import index` imports the module pipeline.search.index
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, set(known)) - {name} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                found.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycles():
    edges = graph()
    # A package's __init__ re-exporting its own submodule is no cycle: drop parent -> child.
    edges = {m: {n for n in to if not n.startswith(m + ".")} for m, to in edges.items()}
    assert cycles(edges) == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_nothing_below_imports_cli_or_web():
    for name, to in graph().items():
        if name.startswith(("pipeline.cli", "pipeline.web", "pipeline.__main__")):
            continue
        assert not {m for m in to if m.startswith(("pipeline.cli", "pipeline.web"))}, name


def test_stages_do_not_import_the_runner():
    for name, to in graph().items():
        if name.startswith("pipeline.stages"):
            assert "pipeline.runner" not in to, name


def test_few_modules_at_the_top_and_none_too_long():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 15, top
    long = {str(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_the_architecture_doc_names_every_package_and_module():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        assert path.name in doc or path.stem in doc, path


def test_install_hints_name_extras_that_exist():
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"])
    hinted = set()
    for path in [*PACKAGE.rglob("*.py"), ROOT / "README.md"]:
        hinted |= set(re.findall(r"reportage\[([\w,-]+)\]", path.read_text(encoding="utf-8")))
    named = {extra for group in hinted for extra in group.split(",")}
    assert named and named <= extras, named - extras
