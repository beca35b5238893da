"""What starting `ost` costs: CPU seconds of a core (user + system, a figure a busy machine moves little) for
`ost --help`, `ost town show` and a bridge from start to its first answer, each with the collector held while
modules load (ost_chain._startup) and without, in one run. Each figure is the mean of several starts.

python benchmarks/startup.py
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from benchmarks._bridge import free_port, wait_answering
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.plan import load_plan

PLAN = Path(__file__).resolve().parent.parent / "examples" / "klaarstroom.yaml"
RUNS = 5
# The same `ost`, with the collector left to run while modules load: gc.disable and gc.freeze made no-ops first.
ENTRY = "from ost_chain.cli import main; sys.exit(main())"
PLAIN = ["-c", f"import gc, sys; gc.disable = gc.freeze = lambda: None; {ENTRY}"]
HELD = ["-c", f"import sys; {ENTRY}"]


def cpu_of(command: list[str], *, serve_port: int | None = None) -> float:
    """CPU seconds ``command`` took; a bridge (``serve_port``) is stopped once /healthz answers."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if serve_port is None:
        subprocess.run(command, capture_output=True, check=True, timeout=120)
    else:
        quiet = subprocess.DEVNULL
        process = subprocess.Popen(command, stdout=quiet, stderr=quiet, start_new_session=True)
        wait_answering(f"http://127.0.0.1:{serve_port}", every=0.05)
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> int:
    plan, digest = load_plan(PLAN)
    with LocalChain() as node, tempfile.TemporaryDirectory() as folder:
        client = ChainClient.connect(node.rpc_url)
        manifest = deploy_plan(client, plan, Path(folder) / "town.json", {a.address: a for a in dev_accounts()}, digest)
        where = ["--manifest", str(manifest.path), "--rpc-url", node.rpc_url]
        print(f"CPU seconds of a core, mean of {RUNS} starts (the sample's second town on anvil):")
        print(f"{'':28} {'collector held':>15} {'not held':>10} {'ratio':>7}")
        for label, args in (("ost --help", ["--help"]), ("ost town show", ["town", "show", *where])):
            held = sum(cpu_of([sys.executable, *HELD, *args]) for _ in range(RUNS)) / RUNS
            plain = sum(cpu_of([sys.executable, *PLAIN, *args]) for _ in range(RUNS)) / RUNS
            print(f"{label:28} {held:15.3f} {plain:10.3f} {held / plain:7.2f}")
        figures = []
        for entry in (HELD, PLAIN):
            total = 0.0
            for n in range(RUNS):
                port = free_port()
                database = f"sqlite:///{folder}/bridge-{len(figures)}-{n}.sqlite"
                command = [sys.executable, *entry, "api", *where, "--database-url", database, "--port", str(port)]
                total += cpu_of(command, serve_port=port)
            figures.append(total / RUNS)
        print(f"{'ost api, start to answer':28} {figures[0]:15.3f} {figures[1]:10.3f} {figures[0] / figures[1]:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
