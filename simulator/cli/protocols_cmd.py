"""`patientsim protocols ...`: list, validate, show, export, schema, new.

Only typer and the stdlib are imported here; each command imports `protocols` itself so
that `patientsim --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    rich_markup_mode=None,
    help="Protocol graphs (Prolonged Exposure, CBT, your own): list, check, show, export, author.",
    no_args_is_help=True,
)

PATH_HELP = "A directory of protocol YAML files to search before the built-ins (repeatable; also PATIENTSIM_PROTOCOLS)."


FORMATS = ("mermaid", "dot", "json")


@app.command("list")
def list_command(
    path: list[Path] = typer.Option([], "--path", help=PATH_HELP),
) -> None:
    """List built-in and user protocols, and whether each is valid."""
    from protocols import list_protocols

    for entry in list_protocols(path):
        origin = "built-in" if entry.builtin else str(entry.path)
        if entry.protocol is None:
            status = f"INVALID: {len(entry.problems)} problem(s); run `patientsim protocols validate {entry.path}`"
        else:
            protocol = entry.protocol
            status = f"{protocol.name} (v{protocol.version}, {protocol.modality}, {len(protocol.steps)} steps)"
        shadowed = "  [shadowed by an earlier file of the same name]" if entry.shadowed else ""
        typer.echo(f"{entry.name:<16} {origin:<10} {status}{shadowed}")


@app.command("validate")
def validate_command(
    files: list[str] = typer.Argument(
        ..., help="Protocol files (.yaml, .yml, or node-link .json)."
    ),
) -> None:
    """Check protocol files; print every problem as `error: FILE:LINE: message` (exit 2)."""
    from protocols import ProtocolError, check_file
    from protocols.node_link import load_node_link_file

    problems: list[str] = []
    for file in files:
        if file.endswith(".json"):
            try:
                protocol, found = load_node_link_file(file), []
            except ProtocolError as error:
                protocol, found = None, error.problems
        else:
            protocol, found = check_file(file)
        if protocol is None:
            problems.extend(found)
        else:
            typer.echo(f"{file}: ok ({protocol.id}, {len(protocol.steps)} steps)")
    if problems:
        raise ProtocolError(problems)


@app.command("show")
def show_command(
    name: str = typer.Argument(..., help="A protocol name (pe, cbt, ...) or a file."),
    path: list[Path] = typer.Option([], "--path", help=PATH_HELP),
) -> None:
    """Show a protocol's steps, phases and transitions as a text tree."""
    from protocols import load_protocol
    from protocols.render import tree

    typer.echo(tree(load_protocol(name, path)), nl=False)


@app.command("export")
def export_command(
    name: str = typer.Argument(..., help="A protocol name (pe, cbt, ...) or a file."),
    fmt: str = typer.Option(
        "mermaid",
        "--format",
        "-f",
        help="mermaid (flowchart TD), dot (Graphviz) or json (networkx node-link).",
    ),
    path: list[Path] = typer.Option([], "--path", help=PATH_HELP),
) -> None:
    """Export a protocol graph to stdout."""
    from protocols import export, load_protocol
    from simulator.cli.errors import fail

    if fmt not in FORMATS:
        raise fail(f"--format {fmt}: unknown format; use one of {', '.join(FORMATS)}")
    typer.echo(export(load_protocol(name, path), fmt), nl=False)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the protocol format (for editors)."""
    import json

    from protocols import protocol_json_schema

    typer.echo(json.dumps(protocol_json_schema(), indent=2))


@app.command("new")
def new_command(
    name: str = typer.Argument(
        ..., help="The new protocol's name; writes NAME.yaml in the current directory."
    ),
) -> None:
    """Write a valid, commented protocol skeleton to NAME.yaml (never overwrites)."""
    from protocols import skeleton_yaml
    from simulator.cli.errors import fail

    name = name.removesuffix(".yaml").removesuffix(".yml")
    text = skeleton_yaml(name)
    target = Path(f"{name}.yaml")
    try:
        with target.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise fail(
            f"{target}:1: already exists; choose another name or move the file away"
        ) from None
    except OSError as exc:
        raise fail(f"{target}:1: cannot write: {exc.strerror or exc}") from None
    typer.echo(f"wrote {target}; edit it, then run `patientsim protocols validate {target}`")
