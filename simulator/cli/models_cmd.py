"""`patientsim models`: which model each role uses and whether it answers."""

from __future__ import annotations

import typer

PING = [{"role": "user", "content": "Reply with one word: ready."}]


def register(app: typer.Typer) -> None:
    app.command("models")(models)


def models(
    therapist: str | None = typer.Option(None, "--therapist"),
    patient: str | None = typer.Option(None, "--patient"),
    tracker: str | None = typer.Option(None, "--tracker"),
    judges: str | None = typer.Option(None, "--judges", help="Comma-separated judge models."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """Each role, its model, and whether it answers (one tiny call each, with the latency)."""
    import asyncio

    from simulator.cli.common import print_json
    from simulator.cli.errors import UserInputError
    from simulator.judges import judge_problem
    from simulator.models.check import model_problem
    from simulator.models.config import load_settings

    settings = load_settings(
        {"therapist": therapist, "patient": patient, "tracker": tracker}, judges_flag=judges
    )
    roles = [
        ("therapist", settings.therapist),
        ("patient", settings.patient),
        ("tracker", settings.tracker),
    ]
    problems = [p for role, spec in roles if (p := model_problem(role, spec))]
    problems += [p for spec in settings.judges if (p := judge_problem(spec))]
    roles += [("judges", spec) for spec in settings.judges]
    if problems:
        raise UserInputError(problems)
    results = asyncio.run(_ping_all(roles))
    if json_out:
        print_json(results)
    else:
        for row in results:
            status = f"ok  {row['latency_ms']:.0f} ms" if row["ok"] else f"FAILED: {row['error']}"
            print(f"{row['role']:10s} {row['model']:40s} {status}")
    if not all(row["ok"] for row in results):
        raise typer.Exit(1)


async def _ping_all(roles) -> list[dict]:
    import time

    from simulator.models import ModelError
    from simulator.models.gateway import complete
    from simulator.models.providers import runs_in_process

    if not all(runs_in_process(spec.model) for _, spec in roles):
        from simulator.models._litellm import litellm

        litellm()  # import before timing: the first remote call should not carry its start-up
    results = []
    for role, spec in roles:  # one at a time: the embedded model would only queue parallel calls
        started = time.perf_counter()
        try:
            await complete(role, PING, model=spec, max_tokens=8, seed=0, max_attempts=2)
            ok, error = True, None
        except ModelError as exc:
            ok, error = False, exc.message
        results.append(
            {
                "role": role,
                "model": spec.model,
                "ok": ok,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                "error": error,
            }
        )
    return results
