"""Holding the collector while modules load (ost_chain._startup) leaves it as it was found."""

from __future__ import annotations

import gc

from ost_chain._startup import loading


def test_loading_holds_the_collector_and_gives_it_back_as_it_was() -> None:
    was = gc.isenabled()
    try:
        gc.enable()
        with loading():
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()  # a program that runs without the collector keeps it off
        with loading():
            assert not gc.isenabled()
        assert not gc.isenabled()
        gc.enable()
        try:
            with loading():
                raise KeyError("an import that fails")
        except KeyError:
            pass
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
