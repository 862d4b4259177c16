"""Benchmark (e) of issue 14: the import time of `function_app` (what a cold start pays before the
first invocation) against a bare `azure.functions.FunctionApp` script importing the SDKs.

Each import runs in a fresh interpreter (`python -c`), timed inside it from just before the
import to just after (the interpreter's own start-up, the same for both, is left out); the two
scripts alternate, after one warm-up each (bytecode caches written), and the report is the min
and median over the runs. Two baselines:

- `every SDK`: the import names of every distribution of requirements.txt (azure.functions,
  azure.identity, azure.data.tables, azure.storage.queue, azure.mgmt.costmanagement,
  azure.monitor.query, ..., fastapi, rich), then `func.FunctionApp()`: the app the SDKs would
  make if all were imported up front (issue 14's goal, <= 1.3x);
- `same SDKs`: only those of them that importing `function_app` actually loads (the others are
  imported lazily: by the HTTP API on its first request, by the services on a function's first
  invocation), then `func.FunctionApp()`: what the app's own modules cost on top of the SDKs it
  needs.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
TIMED = (
    "import time\n"
    "began = time.perf_counter()\n"
    "{body}\n"
    "took = time.perf_counter() - began\n"
    "import json, sys\n"
    "print(json.dumps([took, sorted(sys.modules)]))\n"
)
APP = "import function_app"


def sdk_modules(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    """The import names of the runtime requirements (`azure-data-tables` is azure.data.tables)."""
    names = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(line.split("==")[0].split(">=")[0].strip().lower().replace("-", "."))
    return names


def bare(modules: list[str]) -> str:
    imports = "\n".join(f"import {m}" for m in modules)
    return f"{imports}\nimport azure.functions as func\napp = func.FunctionApp()"


def timed(body: str) -> tuple[float, list[str]]:
    """Seconds the body takes to run in a fresh interpreter, and the modules loaded after it."""
    done = subprocess.run(
        [sys.executable, "-c", TIMED.format(body=body)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    took, modules = json.loads(done.stdout.splitlines()[-1])
    return float(took), list(modules)


def main(runs: int = RUNS) -> None:
    every = sdk_modules()
    _, loaded = timed(APP)  # the warm-up, and which SDKs the app loads
    same = [m for m in every if m in loaded]
    lazy = [m for m in every if m not in loaded]
    scripts = {"function_app": APP, "every SDK": bare(every), "same SDKs": bare(same)}
    for body in scripts.values():
        timed(body)  # bytecode written, files in the page cache
    times: dict[str, list[float]] = {name: [] for name in scripts}
    for _ in range(runs):
        for name, body in scripts.items():  # side by side: the machine's noise hits all three
            times[name].append(timed(body)[0])
    print(f"import time in a fresh interpreter, {runs} runs each, alternating (seconds)")
    print(f"  same SDKs: {', '.join(same)}")
    print(f"  imported lazily by function_app: {', '.join(lazy) or 'none'}")
    for name, took in times.items():
        print(f"  {name:<14} min {min(took):.3f}  median {statistics.median(took):.3f}")
    app = times["function_app"]
    for name in ("every SDK", "same SDKs"):
        base = times[name]
        print(f"  function_app / {name}: x{min(app) / min(base):.2f} (min), "
              f"x{statistics.median(app) / statistics.median(base):.2f} (median); "
              "goal <= 1.3")  # fmt: skip


if __name__ == "__main__":
    main()
