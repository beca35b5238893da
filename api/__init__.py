"""The bridge: coordinators submit verified participations over HTTP; INFINITY is minted on chain.

``create_app`` builds the FastAPI app for one deployed town; ``ost api`` serves it with uvicorn.
"""

from .main import create_app
from .settings import BridgeSettings, Settings

__all__ = ["BridgeSettings", "Settings", "create_app"]
