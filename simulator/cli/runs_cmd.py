"""`patientsim runs list|show|export`: what is stored in the runs DB."""

from __future__ import annotations

from pathlib import Path

import typer

from simulator.cli.common import DB_OPTION, open_store, print_json

app = typer.Typer(rich_markup_mode=None, help="Stored runs and sessions.", no_args_is_help=True)

LIST_COLUMNS = (
    "session_id",
    "run_id",
    "run_name",
    "external_id",
    "status",
    "protocol",
    "persona",
    "therapist",
    "turns",
    "end_reason",
    "created_at",
)


@app.command("list")
def list_runs(
    run: str | None = typer.Option(None, "--run", help="Only this run's sessions."),
    limit: int | None = typer.Option(None, "--limit", min=1),
    db: Path | None = DB_OPTION,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """One row per session, newest first."""
    from simulator.store import list_sessions

    store, _ = open_store(db)
    rows = [
        {k: row[k] for k in LIST_COLUMNS} for row in list_sessions(store, run_id=run, limit=limit)
    ]
    if json_out:
        print_json(rows)
        return
    if not rows:
        print(
            "no sessions yet; start one with `patientsim run --protocol pe --therapist scripted/adherent`"
        )
        return
    header = ("session", "status", "protocol", "persona", "therapist", "turns", "end", "created")
    table = [
        (
            r["session_id"] + (f" ({r['external_id']})" if r["external_id"] else ""),
            r["status"],
            r["protocol"],
            r["persona"],
            r["therapist"],
            str(r["turns"]),
            r["end_reason"] or "",
            r["created_at"][:19],
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table, strict=False)]
    for line in (header, *table):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


@app.command("show")
def show(
    session_id: str = typer.Argument(...),
    db: Path | None = DB_OPTION,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """A stored session: transcript, patient states, usage (and judgments once judged)."""
    from simulator.cli.errors import UserInputError
    from simulator.usecases.summary import judged_summary

    store, path = open_store(db, create=False)
    try:
        summary = judged_summary(store, session_id)
    except KeyError:
        raise UserInputError(
            f"no session {session_id} in {path}; see `patientsim runs list`"
        ) from None
    if json_out:
        print_json(summary)
        return
    print(
        f"session {session_id}: {summary['status']} ({summary['end_reason']}), protocol {summary['protocol']}, "
        f"persona {summary['persona']}, therapist {summary['therapist']}"
    )
    states = {s["turn"]: s for s in summary["states"]}
    for turn in summary["turns"]:
        print(
            f"[{turn['index']}] {turn['speaker'].capitalize()} ({turn['step']}/{turn['phase']}): {turn['text']}"
        )
        if turn["index"] in states:
            s = states[turn["index"]]
            print(f"     SUDS {s['suds']} · risk {s['risk']} · engagement {s['engagement']}")
    scores = summary.get("scores") or {}
    if scores:
        print("  judge scores (median; every metric 0 = worst, 1 = best):")
    for metric, agg in scores.items():
        median = agg.get("median")
        shown = "unscorable" if median is None else f"{median:.2f} of 1"
        print(f"    {metric:32s} {shown}{'  needs review' if agg.get('needs_review') else ''}")
    for hit in summary.get("detector_hits") or []:
        print(f"  detector: turn {hit['turn']} {hit['label']}: {_why(hit)}")
    check = summary.get("simulator_check") or {}
    if check.get("checked"):
        problems = check["problems"]
        print(f"  simulator check: {'valid' if not problems else 'INVALID'}")
        for problem in problems:
            print(
                f"    {problem['check']} (turns {', '.join(map(str, problem['turns']))}): {problem['detail']}"
            )


def _why(hit: dict) -> str:
    """What a detector found, where, and in what context (so a reader can check it)."""
    said = f"{hit['span']!r}"
    if hit.get("evidence") and hit["evidence"] != hit["span"]:
        said += f" in {hit['evidence']!r}"
    notes = [f"context: {', '.join(hit['context'])}"] if hit.get("context") else []
    notes.append(f"risk disclosed before the turn: {hit.get('disclosed') or 'none'}")
    return f"{said} ({'; '.join(notes)})"


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="File to write."),
    fmt: str = typer.Option(
        "jsonl", "--format", help="jsonl (one session per line) or csv (one turn per row)."
    ),
    run: str | None = typer.Option(None, "--run", help="Only this run's sessions."),
    db: Path | None = DB_OPTION,
) -> None:
    """Export sessions for analysis elsewhere."""
    import csv
    import json

    from simulator.cli.errors import UserInputError
    from simulator.store import list_sessions
    from simulator.usecases.summary import judged_summary

    if fmt not in ("jsonl", "csv"):
        raise UserInputError(f"--format {fmt}: choose jsonl or csv")
    store, _ = open_store(db, create=False)
    ids = [row["session_id"] for row in list_sessions(store, run_id=run)]
    tmp = out.with_name(
        out.name + ".partial"
    )  # never leave a half-written export under the real name
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        if fmt == "jsonl":
            for session_id in ids:
                handle.write(json.dumps(judged_summary(store, session_id), default=str) + "\n")
        else:
            writer = csv.writer(handle)
            writer.writerow(["session_id", "index", "speaker", "step", "phase", "text"])
            for session_id in ids:
                for turn in judged_summary(store, session_id)["turns"]:
                    writer.writerow(
                        [
                            session_id,
                            turn["index"],
                            turn["speaker"],
                            turn["step"],
                            turn["phase"],
                            turn["text"],
                        ]
                    )
    tmp.replace(out)
    print(f"wrote {len(ids)} sessions to {out}")
