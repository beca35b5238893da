"""The bridge as a service of `ost up`: uvicorn on a thread of the `ost` process (see ``ost_chain.plugins``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from ost_chain.chain import DEV_CHAIN_ID
from ost_chain.exceptions import ConfigError

from .gateway import HEADER, development_secret_path
from .main import create_app
from .settings import bridge_settings


class BridgeService:
    """The bridge app served by uvicorn on a thread of this process."""

    name = "Bridge"

    def __init__(self, manifest: Path, rpc_url: str, port: int, towns: Sequence[Path] = ()) -> None:
        # `ost up` has moved a previous run's database aside (never deleted): this fresh town starts an empty one.
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        logging.getLogger("ost.bridge").setLevel(logging.INFO)  # the request log, one line per request
        app = create_app(bridge_settings(manifest, rpc_url, fresh=True, towns=list(towns)))
        # Each town's page and name: the first's at /, every other's at its own path.
        served = list(app.state.bridge.towns.items())
        self.pages = [
            (town.manifest.town, "/" if n == 0 else f"/towns/{slug}/") for n, (slug, town) in enumerate(served)
        ]
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="ost-bridge", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(f"The bridge could not start on 127.0.0.1:{port} (is the port taken?).")
            time.sleep(0.05)
        bound = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{bound}"
        secret = app.state.bridge.options.ussd_secret
        # What to try at once, said on the development chain only (its secret, like its keys, guards nothing real).
        self.notes = (
            [
                "Dial the phone menu as the USSD gateway does (the development gateway secret is in "
                f"{development_secret_path(manifest)}):",
                f"  curl -s {self.url}/v1/ussd -H '{HEADER}: {secret.get_secret_value()}' "
                "-d sessionId=try-1 -d serviceCode='*120*1#' -d phoneNumber=+27821234567 -d text=",
            ]
            if secret is not None and app.state.bridge.chain_id == DEV_CHAIN_ID
            else []
        )

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve_bridge(manifest: Path, rpc_url: str, port: int, *, towns: Sequence[Path] = ()) -> BridgeService:
    """Start the bridge for the town of ``manifest`` (and ``towns`` beside it) on 127.0.0.1:``port`` (0 picks a free
    port)."""
    return BridgeService(manifest, rpc_url, port, towns)
