"""Import cost: ``python -c "import threecommas_hedge"`` against ``python -c "import httpx,
pydantic"``, each a fresh interpreter, interleaved; plus what a user really imports (the client,
the builder), which optional modules got loaded, and the heaviest of our modules."""

from __future__ import annotations

import os
import subprocess
import sys

from ._harness import Comparison, Figure, compare

BASELINE = "import httpx, pydantic"
TARGET = "import threecommas_hedge"
CLIENT = "from threecommas_hedge import ThreeCommas"
CLIENT_AND_BUILDER = "from threecommas_hedge import AsyncThreeCommas, ThreeCommas, HedgeBuilder"
START = "from threecommas_hedge import ThreeCommas, HedgeBuilder"
"""What a script that plans and opens a hedge imports (issue 18: at most 1.3x the baseline)."""
LAZY = ("threecommas_hedge.cli", "typer", "rich", "click", "cryptography", "matplotlib")
"""Modules that ``import threecommas_hedge`` and the client must not load themselves."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE", "PYTHONSTARTUP"):
        env.pop(name, None)
    return env


def _runner(code: str) -> tuple[str, object]:
    command = [sys.executable, "-c", code]
    env = _env()

    def batch(n: int) -> None:
        for _ in range(n):
            subprocess.run(command, env=env, check=True, timeout=60)

    return f'python -c "{code}"', batch


def compare_imports(
    code: str, *, rounds: int, budget_s: float, target: float | None = None, note: str = ""
) -> Comparison:
    """``code`` against ``import httpx, pydantic``, one fresh interpreter per operation."""
    subject, baseline = _runner(code), _runner(BASELINE)
    return compare(
        f"import time: {code}",
        subject,  # type: ignore[arg-type]
        baseline,  # type: ignore[arg-type]
        rounds=rounds,
        per_round=1,
        budget_s=budget_s,
        target=target,
        note=note,
        measure_cpu=False,
    )


def loaded_modules(code: str) -> set[str]:
    """Which of :data:`LAZY` are in ``sys.modules`` after running ``code`` in a fresh Python."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {LAZY!r} if m in sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", probe], env=_env(), check=True, capture_output=True, text=True
    ).stdout
    return set(output.split())


def heaviest_modules(code: str, count: int = 5) -> list[tuple[str, int]]:
    """Our modules with the largest self import time (microseconds, ``-X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    rows: list[tuple[str, int]] = []
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        name = parts[2].strip()
        if name.startswith("threecommas_hedge"):
            rows.append((name, int(parts[0])))
    return sorted(rows, key=lambda row: row[1], reverse=True)[:count]


def bench_import(*, rounds: int = 21, budget_s: float = 30.0) -> list[Comparison | Figure]:
    """The target comparison, the realistic imports, and the lazy-loading check."""
    results: list[Comparison | Figure] = [
        compare_imports(TARGET, rounds=rounds, budget_s=budget_s / 4, target=1.3),
        compare_imports(START, rounds=rounds, budget_s=budget_s / 4, target=1.3),
        compare_imports(CLIENT, rounds=rounds, budget_s=budget_s / 4),
        compare_imports(CLIENT_AND_BUILDER, rounds=rounds, budget_s=budget_s / 4),
    ]
    bare = compare(
        "interpreter start: python -c pass vs import httpx, pydantic",
        _runner("pass"),  # type: ignore[arg-type]
        _runner(BASELINE),  # type: ignore[arg-type]
        rounds=max(3, rounds // 3),
        per_round=1,
        budget_s=budget_s / 6,
        measure_cpu=False,
    )
    from_httpx = loaded_modules("import httpx")
    details = [
        f"bare interpreter {bare.subject_s * 1e3:.1f} ms, "
        f"httpx+pydantic {bare.baseline_s * 1e3:.1f} ms",
        f"{TARGET}: loads {sorted(loaded_modules(TARGET)) or 'none of them'}",
        f"{CLIENT_AND_BUILDER}: loads {sorted(loaded_modules(CLIENT_AND_BUILDER)) or 'none'}",
        f"(import httpx alone loads {sorted(from_httpx) or 'none of them'}: its CLI module, "
        "when rich and click are installed)",
        "our heaviest modules (self, -X importtime): "
        + ", ".join(f"{name} {us / 1e3:.1f} ms" for name, us in heaviest_modules(START)),
    ]
    results.append(
        Figure(
            name=f"optional modules loaded lazily ({', '.join(LAZY)})",
            value=len(loaded_modules(CLIENT_AND_BUILDER) - from_httpx),
            unit="loaded by us",
            details=tuple(details),
        )
    )
    return results
