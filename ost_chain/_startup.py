"""Starting a process of `ost` quickly.

Loading web3, FastAPI and SQLAlchemy makes some hundreds of thousands of objects, nearly all of which live as long
as the process. Python's collector walks them again every few thousand allocations while they load: a fifth of the
time `ost` and the bridge take to start (0.2 of 1.0 s of a core). :func:`loading` holds the collector while
modules load; :func:`settled` tells it, once a long-running process (the bridge) has loaded what it runs on, that
what exists now will not become garbage, so later collections skip it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """Collect nothing while the block runs; the collector is left as it was found (a program that turned it off
    keeps it off). Only for blocks that load modules: what they make is kept, so nothing piles up."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settled(*, for_long: bool = False) -> None:
    """What the process holds now lives as long as it does: no later collection walks it again. A process that runs
    for long (the bridge) first collects what loading left as garbage (60 ms), so none of it is kept for its life; a
    command that ends in a second does not."""
    if for_long:
        gc.unfreeze()  # what an earlier freeze kept is looked at too
        gc.collect()
    gc.freeze()
