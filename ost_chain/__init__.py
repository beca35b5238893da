"""One Small Town on chain: compile, deploy and operate community-owned town economies."""

from importlib.metadata import PackageNotFoundError, version

from ._startup import loading

with loading():  # web3 and eth-account: see ost_chain._startup
    from .chain import LocalChain, dev_accounts
    from .client import ChainClient
    from .exceptions import ChainError, CompilationError, ConfigError, ContractRevert, OstError, ToolchainError

try:
    __version__ = version("ost_chain")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

__all__ = [
    "ChainClient",
    "ChainError",
    "CompilationError",
    "ConfigError",
    "ContractRevert",
    "LocalChain",
    "OstError",
    "ToolchainError",
    "__version__",
    "dev_accounts",
]
