"""The ``threecommas-hedge`` command line (needs the ``cli`` extra: typer and rich).

Nothing here is imported by ``import threecommas_hedge``; ``threecommas_hedge.cli.main`` loads it.
"""

import os
import sys

# numpy's OpenBLAS starts a pool of threads when numpy is imported (~50 ms of the demo's start on
# 2 cores). The commands' numpy work is element-wise (paths, cumulative sums, quantiles), which
# BLAS threads do not speed up, so one thread unless the user chose otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# httpx's __init__ imports its own command line (httpx._main: click, pygments, rich.progress,
# rich.syntax; ~25 ms) whenever click is installed, and typer brings click. This command never
# runs httpx's CLI, so block that one import: httpx then falls back to its stub `httpx.main`.
# Only this process is affected (``import threecommas_hedge`` never loads this package).
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
