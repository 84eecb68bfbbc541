"""`harmtrace serve` and `harmtrace accounts`: the team server and the accounts it lets in."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harmtrace.cli.base import db_option, emit, json_option, main, store_for
from harmtrace.display import table
from harmtrace.publish.policy import ROLE_WORDS


@main.command(
    "serve",
    epilog="Example:\n\n\b\n  harmtrace serve --db demo-out/harmtrace.duckdb --port 8740\n"
    "  curl http://127.0.0.1:8740/api/v1/incidents?limit=5",
)
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8740, show_default=True)
@click.option("--grid-m", type=click.FloatRange(min=1), default=5000.0, show_default=True,
              help="Grid in metres the public's points are coarsened to.")  # fmt: skip
@click.option("--min-cell", type=click.IntRange(min=1), default=5, show_default=True,
              help="Counts of persons below this are shown to the public as '< N'.")  # fmt: skip
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only (behind TLS).")
@click.option(
    "--threads", type=click.IntRange(min=1), help="DuckDB threads per query (default: one per core)."
)
def serve_command(
    db: Path | None, host: str, port: int, grid_m: float, min_cell: int, secure_cookies: bool,
    threads: int | None,
) -> None:  # fmt: skip
    """Serve the store to a team, partners' programs and the public (API under /api/v1).

    The server holds the store while it runs: other harmtrace commands on the same store wait for it,
    then say so. Accounts are made with `harmtrace accounts add` before the server starts."""
    from harmtrace.cli.base import chosen_db
    from harmtrace.server.config import ServerConfig
    from harmtrace.server.run import serve
    from harmtrace.store.store import resolve_db_path

    path = resolve_db_path(chosen_db(db))
    with store_for(path):  # a missing or unreadable store fails here, with the CLI's message
        pass
    serve(ServerConfig(db=path, host=host, port=port, grid_m=grid_m, min_cell=min_cell,
                       secure_cookies=secure_cookies, threads=threads))  # fmt: skip


@main.group(epilog="Example:\n\n\b\n  harmtrace accounts add rania --role analyst\n"
            "  harmtrace accounts token partner-bot --label mirror --days 90")  # fmt: skip
def accounts() -> None:
    """Accounts of the team server: roles viewer, analyst, editor, admin (the public needs none)."""


@accounts.command("add", epilog="Example:\n\n  harmtrace accounts add rania --role analyst")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLE_WORDS[1:]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="An account that signs in by API token only.")
@db_option
def add_command(name: str, role: str, password_stdin: bool, no_password: bool, db: Path | None) -> None:
    """Add an account (asks for its password, at least 12 characters)."""
    from harmtrace.server.accounts import add_account

    password = None if no_password else _password(password_stdin)
    with store_for(db) as store:
        done = add_account(store, name, role, password)
    click.echo(f"Account {done['name']} ({done['role']}) added.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@accounts.command(
    "token", epilog="Example:\n\n  harmtrace accounts token mirror-bot --label acled-mirror --days 90"
)
@click.argument("name")
@click.option("--label", default="token", show_default=True, help="What the token is for.")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), help="Expires after this many days.")
@db_option
def token_command(name: str, label: str, days: float | None, db: Path | None) -> None:
    """Make an API token for an account; it is printed once and only its hash is kept."""
    from harmtrace.server.accounts import create_token

    with store_for(db) as store:
        token = create_token(store, name, label, days)
    click.echo(token)
    click.echo("Give it as 'Authorization: Bearer <token>'. It is not stored: keep it now.", err=True)


@accounts.command("revoke", epilog="Example:\n\n  harmtrace accounts revoke mirror-bot --label acled-mirror")
@click.argument("name")
@click.option("--label", help="Only the tokens with this label (default: all of the account's tokens).")
@db_option
def revoke_command(name: str, label: str | None, db: Path | None) -> None:
    """Revoke an account's API tokens."""
    from harmtrace.server.accounts import revoke_tokens

    with store_for(db) as store:
        count = revoke_tokens(store, name, label)
    click.echo(f"{count} token(s) of {name} revoked.")


@accounts.command("disable", epilog="Example:\n\n  harmtrace accounts disable rania")
@click.argument("name")
@db_option
def disable_command(name: str, db: Path | None) -> None:
    """Disable an account: its sessions and tokens stop working."""
    from harmtrace.server.accounts import disable_account

    with store_for(db) as store:
        disable_account(store, name)
    click.echo(f"Account {name} disabled.")


@accounts.command("list", epilog="Example:\n\n  harmtrace accounts list --json")
@db_option
@json_option
def list_command(db: Path | None, as_json: bool) -> None:
    """List the accounts (never their passwords or tokens)."""
    from harmtrace.server.accounts import list_accounts

    with store_for(db, read_only=True) as store:
        rows = list_accounts(store)
    emit(
        rows,
        as_json,
        lambda: table(rows) if rows else "No accounts yet: harmtrace accounts add NAME --role ROLE",
    )
