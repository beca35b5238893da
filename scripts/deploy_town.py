"""Deploy a town from a plan with Ape: ``ape run deploy_town [PLAN] --network ... [--account ALIAS ...]``.

The town is deployed by the same engine as ``ost deploy`` (:class:`ost_chain.deploy.Deployment`),
with the same manifest: a re-run resumes and never deploys anything twice. Ape chooses the chain
and the accounts; ost_chain signs every transaction itself, so it needs each signer's key:

- on a local network with no ``--account``, Ape's test accounts sign. With Ape's default test
  mnemonic and path (this project's ape-config.yaml keeps both) they are the development
  accounts that ``dev:N`` in a plan names;
- otherwise each ``--account`` alias (repeat it for the OST office and the ambassadors) is an Ape
  keyfile account, a v3 keystore, decrypted here with the passphrase from
  ``APE_ACCOUNTS_<alias>_PASSPHRASE``, ``OST_PASSPHRASE`` or a prompt.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from ape.cli import AccountAliasPromptChoice, ConnectedProviderCommand, network_option
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ost_chain.client import ChainClient
from ost_chain.deploy import Deployment, Progress
from ost_chain.exceptions import ConfigError, OstError
from ost_chain.manifest import Manifest, manifest_path
from ost_chain.network import load_keystore
from ost_chain.plan import load_plan


def deploy_town(
    rpc_url: str,
    plan_path: Path,
    signers: dict[str, LocalAccount],
    *,
    manifest: Path | None = None,
    fresh: bool = False,
) -> Manifest:
    """Deploy (or resume) the town of ``plan_path`` on ``rpc_url``; return its manifest.

    ``fresh`` starts a new manifest, for a throwaway chain that forgot the last run's contracts.
    """
    plan, digest = load_plan(plan_path)
    client = ChainClient.connect(rpc_url)
    path = manifest or manifest_path(Path.cwd(), client.chain_id, plan.town)
    if fresh:
        path.unlink(missing_ok=True)
    record = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest)
    steps = {"done": 0, "total": 0}

    def advance(label: str) -> None:
        steps["done"] += 1
        click.echo(f"[{steps['done']:>4}/{steps['total']}] {label}")

    progress = Progress(total=lambda n: steps.update(total=n), advance=advance)
    deployment = Deployment(client, plan, record, signers, progress=progress)
    deployment.run()
    for note in deployment.notes:
        click.echo(f"note: {note}")
    return record


def signers_of(chosen: tuple[Any, ...], *, local: bool) -> dict[str, LocalAccount]:
    """The keys of the Ape accounts ``chosen`` or, on a local network with none chosen, of the test accounts."""
    from ape import accounts
    from ape_accounts import KeyfileAccount

    if not chosen:
        if not local:
            raise ConfigError("Name the signing accounts with --account ALIAS (repeat it for each role that signs).")
        chosen = tuple(accounts.test_accounts)
    signers: dict[str, LocalAccount] = {}
    for account in chosen:
        if isinstance(account, KeyfileAccount):
            passphrase = os.environ.get(f"APE_ACCOUNTS_{account.alias}_PASSPHRASE")
            signer = load_keystore(account.keyfile_path, passphrase)
        elif isinstance(getattr(account, "private_key", None), str):  # Ape's test accounts
            signer = Account.from_key(account.private_key)
        else:
            raise ConfigError(
                f"The account {account.alias} ({type(account).__name__}) cannot hand its key to ost_chain, which "
                "signs every transaction itself: import the key as an Ape keyfile account (`ape accounts import`)."
            )
        signers[signer.address] = signer
    return signers


@click.command(cls=ConnectedProviderCommand, short_help="Deploy a town from a plan (the engine of `ost deploy`).")
@network_option()
@click.argument(
    "plan_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=Path("examples/town.yaml")
)
@click.option(
    "--account",
    "chosen",
    multiple=True,
    type=AccountAliasPromptChoice(),
    help="Ape account alias of a signing role; repeat for several. Default on a local network: the test accounts.",
)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Manifest file; default: deployments/<chain-id>/<town>.json.",
)
def cli(network: Any, provider: Any, plan_path: Path, chosen: tuple[Any, ...], manifest: Path | None) -> None:
    """Deploy the town of PLAN_PATH (default examples/town.yaml) on the connected network."""
    try:
        signers = signers_of(chosen, local=network.is_local)
        # A local network's node starts with the command and forgets everything when it stops.
        record = deploy_town(provider.http_uri, plan_path, signers, manifest=manifest, fresh=network.is_local)
    except OstError as exc:
        raise click.ClickException(str(exc)) from None
    town = record.record()
    click.echo(f"Deployed {town.town} on chain {town.chainId}: {len(town.businesses)} businesses.")
    click.echo(f"Manifest: {record.path}")
