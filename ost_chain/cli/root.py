"""The `ost` command assembled: one module per command group, plugins from entry points, errors as sentences."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import requests
import typer
from rich.text import Text
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # typer's own click
from web3.exceptions import ProviderConnectionError

from .._startup import settled
from ..exceptions import NoFunds, OstError
from ..plugins import commands
from ..redact import redact_url
from .demo import demo_command
from .deploy import deploy_command, plan_app
from .infinity import redeem_command, reward_command
from .members import members_app, residents_app
from .network import network_app
from .options import emit_json, err_console, fit_consoles
from .phones import phones_app
from .profits import profit_app
from .roles import ambassadors_app, coordinators_app, inf_app, profit_distribute_held
from .sales import sale_app
from .toolchain import chain_command, compile_command
from .town import town_app
from .up import up_command

app = typer.Typer(
    name="ost",
    help="One Small Town on chain: deploy and run community-owned town economies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            emit = version("ost-chain")
        except PackageNotFoundError:  # run from a source tree that was never installed
            emit = "unknown (not installed)"
        typer.echo(f"ost {emit}")
        raise typer.Exit


@app.callback()
def _root(
    show_version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            help="A file whose first line is the keystores' passphrase (instead of OST_PASSPHRASE or a prompt).",
        ),
    ] = None,
) -> None:
    """One Small Town on chain: deploy and run community-owned town economies."""
    if password_file is not None:
        os.environ["OST_PASSWORD_FILE"] = str(password_file)  # read by the keystore loader, never printed


app.command("compile")(compile_command)
app.command("chain")(chain_command)
app.command("demo")(demo_command)
app.command("deploy")(deploy_command)
app.command("up")(up_command)
app.add_typer(plan_app, name="plan")
app.add_typer(town_app, name="town")
app.add_typer(members_app, name="members")
app.add_typer(residents_app, name="residents")
app.add_typer(phones_app, name="phones")
app.add_typer(network_app, name="network")
app.command("reward")(reward_command)
app.command("redeem")(redeem_command)
app.add_typer(sale_app, name="sale")
app.add_typer(profit_app, name="profit")
app.add_typer(coordinators_app, name="coordinators")
app.add_typer(ambassadors_app, name="ambassadors")
app.add_typer(inf_app, name="inf")
profit_app.command("distribute-held")(profit_distribute_held)
for _name, _group in commands().items():  # `ost api` and any other installed plugin
    app.add_typer(_group, name=_name)


def main() -> None:
    """Entry point: run the app and turn every :class:`OstError`, and every mistake in how a command was typed, into
    a one-line message."""
    settled()  # what `ost` loaded lives as long as the command does (see ost_chain._startup)
    fit_consoles()
    try:
        code = _readable(typer.main.get_command(app)).main(prog_name="ost", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `ost`, or a group, alone: its help
        if exc.ctx is not None:
            typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except UsageError as exc:  # how the command was typed: one line, as every other failure
        where = exc.ctx.command_path if exc.ctx is not None else "ost"
        _fail(f"{exc.format_message().rstrip('.')}. See `{where} --help`.", "UsageError", status=2)
    except ClickException as exc:
        _fail(exc.format_message(), type(exc).__name__)
    except typer.Abort:
        _fail("Stopped: nothing more was done.", "Aborted")
    except OstError as exc:
        said, revert = str(exc), getattr(exc, "error", None)
        if isinstance(exc, NoFunds) and _offers_gasless(sys.argv[1:]):
            said += (
                " A member needs no coin at all: add --gasless, and the town's bridge sends the action and pays its "
                "fee (--bridge URL, or OST_BRIDGE_URL)."
            )
        if revert and said.startswith(f"{revert}: "):  # the contract's error name is for developers (--json has it)
            said = said.removeprefix(f"{revert}: ")
        _fail(said[:1].upper() + said[1:], type(exc).__name__, revert)
    except (requests.ConnectionError, requests.Timeout, ProviderConnectionError) as exc:
        url = getattr(getattr(exc, "request", None), "url", None)
        where = f" at {redact_url(str(url))}" if url else ""
        _fail(
            f"The chain{where} stopped answering. Run the same command again when it is back: a deployment resumes "
            "where it stopped, and nothing is sent twice.",
            "ChainStopped",
        )
    else:
        _exit(code)


def _readable(command: Any) -> Any:
    """Help that reads like the README: an argument by its name in capitals (``ost inf send TO AMOUNT``, not ``{to}
    {amount}``), and no Python type beside an option (``--gasless``, not ``--gasless <bool>``; ``--with``, not
    ``<list[Path]>``): each option's help says what it takes."""
    for param in command.params:
        _plain(param)
    help_option = command.get_help_option

    def plain_help(ctx: Any) -> Any:
        option = help_option(ctx)
        return _plain(option) if option is not None else None

    command.get_help_option = plain_help
    for sub in getattr(command, "commands", {}).values():
        _readable(sub)
    return command


def _plain(param: Any) -> Any:
    param.display_type_rich = lambda ctx: None
    if getattr(param, "param_type_name", "") == "argument" and param.name:
        shown = (param.metavar or param.name).upper()
        param.metavar = shown
        usage = shown if param.required else f"[{shown}]"
        param.get_usage_pieces = lambda ctx=None: [usage if param.nargs == 1 else f"{usage}..."]
    return param


def _offers_gasless(words: list[str]) -> bool:
    """Whether the command ``words`` name (``inf send …``) takes --gasless and was run without it: read from the
    command's own definition."""
    if "--gasless" in words:
        return False
    command = typer.main.get_command(app)
    for word in words:
        subcommands = getattr(command, "commands", None)
        if not subcommands or word not in subcommands:
            break
        command = subcommands[word]
    return any("--gasless" in getattr(p, "opts", ()) for p in getattr(command, "params", ()))


def _exit(code: object) -> None:
    if isinstance(code, int) and code:
        sys.exit(code)


def _fail(sentence: str, kind: str, revert: str | None = None, status: int = 1) -> None:
    """Say why the command failed and exit 1: a sentence on stderr, or with --json a JSON object on stdout."""
    if "--json" in sys.argv[1:]:
        emit_json({"error": sentence, "kind": kind, **({"revert": revert} if revert else {})})
    else:
        err_console.print(Text.assemble(("error:", "red"), " ", sentence))
    sys.exit(status)
