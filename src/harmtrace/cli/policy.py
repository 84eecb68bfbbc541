"""`harmtrace policy`: the publication policy, what each role sees of each field of each output."""

from __future__ import annotations

import click

from harmtrace.cli.base import emit, json_option, main
from harmtrace.display import table
from harmtrace.publish.policy import CLASSES, FIELDS, Role, markdown_table


@main.command(
    "policy",
    epilog="Example:\n\n\b\n  harmtrace policy\n  harmtrace policy --markdown   # as docs/server.md shows it",
)
@click.option("--markdown", is_flag=True, help="Print the Markdown table docs/server.md holds.")
@json_option
def policy_command(markdown: bool, as_json: bool) -> None:
    """Per output and field: its class, and what each role sees (shown, hidden, coarsened, suppressed).

    The API of `harmtrace serve` and every export (--role) follow it; audited fields are written to the
    audit log when read.
    """
    if markdown:
        click.echo(markdown_table())
        return
    rows = [
        {"output": entity, "field": field, "class": name, "audited": CLASSES[name].audited}
        | {role.word: CLASSES[name].treatment(role) for role in Role}
        for entity, fields in FIELDS.items()
        for field, name in fields.items()
    ]
    emit(rows, as_json, lambda: table(rows))
