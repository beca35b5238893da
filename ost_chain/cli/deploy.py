"""`ost plan new|check`, `ost deploy PLAN` and `ost up PLAN` (the main job)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..chain import DEV_CHAIN_ID, LocalChain, dev_accounts
from ..client import ChainClient
from ..deploy import Deployment
from ..deploy import Progress as Steps
from ..documents import check_documents
from ..exceptions import ConfigError
from ..manifest import Manifest, manifest_path
from ..network import resolve_signer
from ..plan import TEMPLATE, load_plan
from ..settings import current_settings
from .options import Accounts, JsonOutput, ManifestFile, RpcUrl, console, emit_json

plan_app = typer.Typer(help="Write and check town plans.", no_args_is_help=True)

PlanPath = Annotated[Path, typer.Argument(help="The town plan (YAML).")]


@plan_app.command("new")
def plan_new(path: Annotated[Path, typer.Argument(help="Where to write the template.")] = Path("town.yaml")) -> None:
    """Write a commented plan template."""
    if path.exists():
        raise ConfigError(f"{path} exists; choose another name or move it away.")
    path.write_text(TEMPLATE)
    console.print(f"Wrote {path}. Edit it, then run `ost plan check {path}`.")


@plan_app.command("check")
def plan_check(
    path: PlanPath,
    chain_id: Annotated[
        int,
        typer.Option(
            "--chain-id",
            help="The chain the plan is for; on any but the development chain (31337) a plan giving a role or "
            "anything else to a development account (dev:N, whose key is public) is refused.",
        ),
    ] = DEV_CHAIN_ID,
    as_json: JsonOutput = False,
) -> None:
    """Validate a plan without touching a chain: its fields, and the document files it names."""
    plan, digest = load_plan(path, chain_id)
    check_documents(plan)
    summary = {
        "town": plan.town,
        "country": plan.country,
        "members": len(plan.members),
        "countryResidents": len(plan.country_residents),
        "coordinators": len(plan.all_coordinators),
        "projects": len(plan.projects),
        "businesses": len(plan.businesses),
        "planHash": digest,
    }
    if as_json:
        emit_json(summary)
        return
    console.print(
        f"[green]OK[/green] {plan.town} ({plan.country}): {len(plan.members)} members, {len(plan.projects)} projects, "
        f"{len(plan.businesses)} businesses."
    )


def _deploy(
    client: ChainClient, plan_path: Path, manifest: Path | None, signers: dict, *, quiet: bool, fresh: bool = False
) -> tuple[Manifest, list[str]]:
    plan, digest = load_plan(plan_path, client.chain_id)
    path = manifest or manifest_path(Path.cwd(), client.chain_id, plan.town)
    if fresh and path.exists():
        path.unlink()
    record = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest)
    fail_after = current_settings().deploy_fail_after  # a test aid: stop after N transactions
    with Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as bar:
        task = bar.add_task("Deploying", total=None)
        steps = Steps(
            total=lambda n: bar.update(task, total=n),
            advance=lambda label: bar.update(task, advance=1, description=label[:40]),
        )
        deployment = Deployment(client, plan, record, signers, progress=steps, fail_after=fail_after)
        deployment.run()
    return record, deployment.notes


def _summary(record: Manifest, notes: list[str], seconds: float) -> dict:
    town = record.record()
    return {
        "chainId": town.chainId,
        "town": town.town,
        "manifest": str(record.path),
        "contracts": {k: v.address for k, v in town.contracts.items()},
        "businesses": len(town.businesses),
        "seconds": round(seconds, 2),
        "notes": notes,
    }


def deploy_command(
    plan_path: PlanPath,
    rpc_url: RpcUrl = None,
    account: Accounts = None,
    manifest: ManifestFile = None,
    as_json: JsonOutput = False,
) -> None:
    """Deploy a whole town from PLAN; re-running resumes and never deploys anything twice."""
    started = time.monotonic()
    if rpc_url is None:
        if account:
            raise ConfigError("--account needs --rpc-url: the embedded chain signs with its development accounts.")
        console.print("No --rpc-url: deploying on a throwaway embedded chain. `ost up PLAN` keeps one running.")
        with LocalChain() as node:
            client = ChainClient.connect(node.rpc_url)
            record, notes = _deploy(
                client, plan_path, manifest, {a.address: a for a in dev_accounts()}, quiet=as_json, fresh=True
            )
    else:
        if not account:
            raise ConfigError(
                "--rpc-url needs --account KEYSTORE (or dev:N on the development chain) for the roles that sign "
                "(repeat for several)."
            )
        client = ChainClient.connect(rpc_url)
        signers = {s.address: s for s in (resolve_signer(client.chain_id, str(path)) for path in account)}
        record, notes = _deploy(client, plan_path, manifest, signers, quiet=as_json)
    summary = _summary(record, notes, time.monotonic() - started)
    if as_json:
        emit_json(summary)
        return
    console.print(
        f"Deployed {summary['town']} on chain {summary['chainId']} in {summary['seconds']} s: "
        f"{summary['businesses']} businesses. Manifest: {summary['manifest']}"
    )
    for note in notes:
        console.print(f"[yellow]note:[/yellow] {note}")
