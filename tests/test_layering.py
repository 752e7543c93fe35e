"""Layering rules (see the architecture guide): what the pure parts load; no import cycles."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"
PACKAGE = SRC / "threecommas_hedge"

KNOWN_CYCLES: set[frozenset[str]] = set()
"""None left: the endpoint groups type their client as a send loop (`_loops`), not `_client`."""

KNOWN_PRIVATE_IMPORTS: set[tuple[str, str]] = set()


def test_the_pure_builder_loads_no_http_stack() -> None:
    code = (
        "import sys, threecommas_hedge.hedge.builder\n"
        "print(','.join(m for m in ('httpx', 'h11', 'anyio') if m in sys.modules))\n"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        found[name] = (path, is_package)
    return found


def _imports(path: Path, name: str, is_package: bool) -> set[str]:
    """Every module ``path`` imports (type-checking-only imports included), as absolute names."""
    here = ["threecommas_hedge", *([part for part in name.split(".") if part])]
    base = here if is_package else here[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        deps = set()
        for imported in _imports(path, name, is_package):
            if not imported.startswith("threecommas_hedge"):
                continue
            target = imported.removeprefix("threecommas_hedge").lstrip(".")
            # a submodule always loads its parent packages first (the facade included): no cycle
            if (
                target
                and target in modules
                and target != name
                and not name.startswith(f"{target}.")
            ):
                deps.add(target)
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.add(frozenset(component))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_the_cycle_finder_sees_a_cycle_through_a_type_hint() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == {frozenset({"a", "b"})}


def test_no_import_cycle_beyond_the_known_ones() -> None:
    assert _cycles(_graph()) == KNOWN_CYCLES


def test_no_third_party_private_module_is_imported() -> None:
    private = set()
    for name, (path, _) in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                top, *rest = module.split(".")
                if top != "threecommas_hedge" and any(part.startswith("_") for part in rest):
                    private.add((name, module))
    assert private == KNOWN_PRIVATE_IMPORTS


def test_importing_the_clients_loads_no_asyncio() -> None:
    code = (
        "import sys\n"
        "from threecommas_hedge import AsyncThreeCommas, HedgeBuilder, ThreeCommas\n"
        "print('asyncio' in sys.modules)\n"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_the_async_client_sleeps_with_asyncio_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import threecommas_hedge as th

    slept: list[float] = []
    original = asyncio.sleep

    async def recording(seconds: float) -> None:
        slept.append(seconds)
        await original(0)

    async def run() -> None:
        client = th.AsyncThreeCommas(api_key="k", api_secret="s")
        monkeypatch.setattr(asyncio, "sleep", recording)
        try:
            await client._sleep(0.25)
        finally:
            monkeypatch.undo()
            await client.aclose()

    asyncio.run(run())
    assert slept == [0.25]
