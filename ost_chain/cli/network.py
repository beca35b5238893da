"""`ost network …`: the OST network on a chain — its towns by country, its Country Ambassadors, the country
residents each verifies once for every town of the country."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .._reverts import country_said
from ..chain import DEV_CHAIN_ID, dev_accounts
from ..client import ChainClient
from ..enums import NATIVE
from ..network import resolve_signer
from ..ostnetwork import deploy_network, figures, network_path, open_network, towns
from ..plan import resolve_address
from ..townclient import NotAllowed, as_dict
from ..units import money, numbered
from .options import Account, JsonOutput, RpcUrl, connect, console, done, emit_json

network_app = typer.Typer(
    help="The OST network: towns by country, one Country Ambassador per country, country residents.",
    no_args_is_help=True,
)
Country = Annotated[str, typer.Argument(help="The country's ISO 3166-1 alpha-2 code, e.g. ZA or LB.")]
NetworkAddress = Annotated[
    str | None,
    typer.Option("--network", help="The network's address; default: the one in deployments/<chain-id>/network.json."),
]


def _country(code: str) -> bytes:
    code = code.strip().upper()
    names_none = _known() and country_said(code) == code  # two letters that name no country
    if len(code) != 2 or not code.isalpha() or not code.isascii() or names_none:
        raise typer.BadParameter(f"{code!r} is not a country code: two letters, e.g. ZA", param_hint="COUNTRY")
    return code.encode()


def _known() -> bool:
    """Whether country names can be told here (Babel's, which a bare install may lack): only then is a code of two
    letters that names no country refused."""
    return country_said("ZA") != "ZA"


def _address(reference: str) -> str:
    try:
        return resolve_address(reference)
    except ValueError as exc:
        raise typer.BadParameter(f"{reference}: {exc}") from None


def _office(client: ChainClient, account: str | None) -> Any:
    return resolve_signer(client.chain_id, account, role="OST office", default=dev_accounts()[0].address)


@network_app.command("deploy")
def network_deploy(rpc_url: RpcUrl = None, account: Account = None, as_json: JsonOutput = False) -> None:
    """Deploy this chain's OST network (the OST office, once per chain): the implementations every town is cloned
    from and the network; recorded in deployments/<chain-id>/network.json, resumed if stopped. `ost deploy` of the
    first town does this by itself."""
    client = connect(rpc_url)
    office = _office(client, account)
    folder = Path.cwd() / "deployments" / str(client.chain_id)
    network, sent = deploy_network(client, office.address, {office.address: office}, folder)
    done(
        as_json,
        {"network": network.address, "manifest": str(network_path(folder)), "transactions": sent},
        f"The OST network is at {network.address} ({network_path(folder)})"
        + (f"; {numbered(sent, 'transaction')} sent." if sent else ", as recorded: nothing to send."),
    )


@network_app.command("appoint")
def network_appoint(
    country: Country,
    address: Annotated[str, typer.Argument(help="The Country Ambassador's address (dev:N on the development chain).")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke the country's ambassador instead.")] = False,
    rpc_url: RpcUrl = None,
    account: Account = None,
    network_address: NetworkAddress = None,
    as_json: JsonOutput = False,
) -> None:
    """Appoint (or --revoke) the Country Ambassador of COUNTRY, for all its towns (the OST office). A country has
    one: appointing another replaces the one before. Without one, no town of the country launches."""
    client = connect(rpc_url)
    network, code = (
        open_network(client, Path.cwd() / "deployments" / str(client.chain_id), network_address),
        _country(country),
    )
    office = _office(client, account)
    who = _address(address)
    current = network.functions.countryAmbassador(code).call()
    fn = (
        network.functions.revokeCountryAmbassador(code)
        if revoke
        else network.functions.appointCountryAmbassador(code, who)
    )
    if (revoke and current == NATIVE) or (not revoke and current == who):
        done(as_json, {"country": code.decode(), "ambassador": current, "receipt": None}, "Nothing to change.")
        return
    receipt = client.transact(fn, office)
    said = (
        f"{current} is no longer the Country Ambassador of {code.decode()}: its verifications and new launches wait "
        "for another."
        if revoke
        else f"{who} is now the Country Ambassador of {code.decode()}, for every town of the country."
    )
    done(as_json, {"country": code.decode(), "ambassador": None if revoke else who, "receipt": as_dict(receipt)}, said)


@network_app.command("residents")
def network_residents(
    country: Country,
    addresses: Annotated[list[str], typer.Argument(help="Addresses verified as residents of the country.")],
    remove: Annotated[bool, typer.Option("--remove", help="Withdraw the verification instead.")] = False,
    rpc_url: RpcUrl = None,
    account: Account = None,
    network_address: NetworkAddress = None,
    as_json: JsonOutput = False,
) -> None:
    """Verify (or --remove) residents of COUNTRY, once for every town there (the country's ambassador): they buy in
    the country phase of each of its towns' sales."""
    code = _country(country)  # the input first, before the chain is asked anything
    client = connect(rpc_url)
    network = open_network(client, Path.cwd() / "deployments" / str(client.chain_id), network_address)
    ambassador = network.functions.countryAmbassador(code).call()
    if int(ambassador, 16) == 0:  # nobody can sign: say so, before asking for a key
        raise NotAllowed(
            f"{country_said(code.decode())} has no Country Ambassador, so nobody can verify its residents: the OST "
            f"office appoints one first (`ost network appoint {code.decode()} ADDRESS`)."
        )
    default = ambassador if client.chain_id == DEV_CHAIN_ID else None
    role = f"Country Ambassador of {country_said(code.decode())}"
    signer = resolve_signer(client.chain_id, account, default, role=role)
    wanted = list(dict.fromkeys(_address(a) for a in addresses))
    known = client.call_many([network.functions.isCountryResident(code, a) for a in wanted])
    changed = [a for a, now in zip(wanted, known, strict=True) if now == remove]
    receipt = (
        client.transact(network.functions.setCountryResidents(code, changed, not remove), signer) if changed else None
    )
    done(
        as_json,
        {"country": code.decode(), "changed": changed, "receipt": as_dict(receipt) if receipt else None},
        f"{numbered(len(changed), 'address', 'addresses')} {'no longer' if remove else 'now'} verified as residents of "
        f"{code.decode()}, "
        f"in every town of the country ({len(wanted) - len(changed)} already were)."
        if changed
        else "Nothing to change.",
    )


@network_app.command("show")
def network_show(rpc_url: RpcUrl = None, network_address: NetworkAddress = None, as_json: JsonOutput = False) -> None:
    """The network's towns by country: members, INF issued, money raised in their sales, profit deposited."""
    client = connect(rpc_url)
    network = open_network(client, Path.cwd() / "deployments" / str(client.chain_id), network_address)
    rows = [figures(client, network, t) for t in towns(network, client)]
    countries = sorted({r["country"] for r in rows})
    ambassadors = {c: network.functions.countryAmbassador(c.encode()).call() for c in countries}
    if as_json:
        emit_json({"network": network.address, "countryAmbassadors": ambassadors, "towns": rows})
        return
    console.print(
        f"The OST network at {network.address}: {numbered(len(rows), 'town')} in "
        f"{numbered(len(countries), 'country', 'countries')}."
    )
    for country in countries:
        held = ambassadors[country]
        table = Table(title=f"{country} · Country Ambassador: {held if held != NATIVE else 'none appointed'}")
        for heading in ("town", "launched", "members", "INF issued", "raised", "profit deposited"):
            table.add_column(heading)
        for r in (r for r in rows if r["country"] == country):
            table.add_row(
                r["name"],
                "yes" if r["launched"] else "not yet",
                str(r["members"]),
                money(r["infIssued"], 18, "INF"),
                ", ".join(r["raisedText"]) or "-",
                money(r["profitDeposited"], 18, "ETH"),
            )
        console.print(table)
