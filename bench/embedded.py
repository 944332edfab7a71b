"""Embedded model: what a session costs beyond llama.cpp's own generation, and how turns grow.

1. One session with every role on local/gemma-3-270m (20 exchanges, judging off). Every
   llama.cpp call the session makes is recorded (the prompt as fitted, the sampling
   arguments, the grammar, the text it produced).
2. Right after each call, on the same thread (so under the same machine load: this machine
   is shared), the same call is replayed on a bare llama.cpp instance (one per role and
   output kind, as the engine keeps them, so the raw side gets the same KV-prefix reuse),
   non-streamed, with nothing of patientsim around it: the raw generation time for the
   same tokens (`calls_with_identical_output` checks they are the same). The replay time is
   then taken out of the session's wall time.
   ratio = session wall time / raw time; target <= 1.10. (The tiny model's self-reports
   would often end the session early by drop-out; that rule is switched off here so that
   all 20 exchanges run.)
3. Per exchange: wall seconds, raw seconds and the difference (patientsim's share), and the
   growth of the last exchanges over the first ones.
Model loading is done before either clock starts (and reported apart).
Run: .venv/bin/python bench/embedded.py [--turns 20] [--seed 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from _common import median, report

SLOT_KEYS = ("therapist:text", "patient:text", "patient:json", "tracker:json")


class Recorder:
    """Wraps LocalSlot.stream: records each llama.cpp call of the session and, right after it
    (same thread, same moment, so the same machine load), replays it on a bare instance."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.exchange = 0
        self.raw: dict = {}

    def install(self) -> None:
        from simulator.models.local import engine

        original = engine.LocalSlot.stream
        recorder = self

        def stream(slot, prompt, **kwargs):
            key = next(k for k, s in engine._slots.items() if s is slot)
            record = {"key": key, "exchange": recorder.exchange}
            started = time.perf_counter()
            parts = []
            for piece in original(slot, prompt, **kwargs):
                parts.append(piece)
                yield piece
            record["seconds"] = time.perf_counter() - started
            record["text"] = "".join(parts)
            record.update(recorder.replay(key, prompt, kwargs, record["text"]))
            recorder.calls.append(record)

        engine.LocalSlot.stream = stream

    def load_raw(self) -> None:
        from llama_cpp import Llama

        from simulator.models.local import engine

        for key in SLOT_KEYS:
            self.raw[key] = Llama(
                model_path=str(engine.model_path()),
                n_ctx=int(os.environ.get("PATIENTSIM_LOCAL_CTX", "4096")),
                n_threads=max(1, os.cpu_count() or 1),
                verbose=False,
            )

    def replay(self, key: str, prompt: str, kwargs: dict, text: str) -> dict:
        """The same call on bare llama.cpp: same prompt, sampling, seed and grammar; no stream."""
        from simulator.models.local import engine

        schema = kwargs["json_schema"]
        args = dict(
            max_tokens=kwargs["max_tokens"],
            stop=kwargs["stop"] if schema is None else [],
            temperature=kwargs["temperature"],
            top_p=0.95,
            repeat_penalty=1.1,
            seed=kwargs["seed"] if kwargs["seed"] is not None else 0,
        )
        if schema is not None:
            args["grammar"] = engine._grammar(json.dumps(schema, sort_keys=True))
        started = time.perf_counter()
        result = self.raw[key].create_completion(prompt, **args)
        return {
            "raw_seconds": time.perf_counter() - started,
            "same_text": result["choices"][0]["text"] == text,
            "tokens": result["usage"]["completion_tokens"],
        }


async def run_session(turns: int, seed: int, recorder: Recorder) -> dict:
    import personas
    from simulator.events import StateUpdated
    from simulator.models.config import ModelSettings
    from simulator.models.local import engine
    from simulator.session import dynamics
    from simulator.session.setup import build_config
    from simulator.store import open_db
    from simulator.usecases.run_and_judge import drive_session

    # The clinical course is not what this measures: keep the tiny model's self-reports from
    # ending the session early (engagement below the drop-out line), so all turns run.
    dynamics.DROPOUT_ENGAGEMENT = -1.0
    loading = time.perf_counter()
    for key in SLOT_KEYS:
        engine.slot_for(key)
    load_s = time.perf_counter() - loading
    recorder.load_raw()
    marks: list[float] = []

    def on_event(event) -> None:
        if isinstance(event, StateUpdated):
            marks.append(time.perf_counter())
            recorder.exchange += 1

    persona = personas.sample(1, seed, modality="pe")[0]
    config = build_config(
        protocol_ref="pe",
        persona=persona,
        settings=ModelSettings(),
        mode="guided",
        system_prompt_file=None,
        api_base=None,
        max_turns=turns,
        seed=seed,
        intake="basic",
    )
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = open_db(db_path)
        started = time.perf_counter()
        session_id = await drive_session(db, db_path, config=config, subscribers=[on_event])
        wall = time.perf_counter() - started
        row = db["sessions"].get(session_id)
        db.conn.close()
    return {
        "wall_s": wall,
        "load_s": load_s,
        "exchanges": [b - a for a, b in zip([started, *marks], marks, strict=False)],
        "status": row["status"],
        "end_reason": row["end_reason"],
        "error": row["error"],
    }


def main(turns: int, seed: int) -> dict:
    recorder = Recorder()
    recorder.install()
    load_before = os.getloadavg()[0]
    session = asyncio.run(run_session(turns, seed, recorder))
    calls = recorder.calls
    raw_total = sum(c["raw_seconds"] for c in calls)
    # the replays ran inside the session's clock: take them out again
    own_wall = session["wall_s"] - raw_total
    exchanges = len(session["exchanges"])
    raw_per_exchange = [0.0] * exchanges
    llama_per_exchange = [0.0] * exchanges
    for call in calls:
        if call["exchange"] < exchanges:
            raw_per_exchange[call["exchange"]] += call["raw_seconds"]
            llama_per_exchange[call["exchange"]] += call["seconds"]
    walls = [w - r for w, r in zip(session["exchanges"], raw_per_exchange, strict=True)]
    overhead = [w - r for w, r in zip(walls, raw_per_exchange, strict=True)]
    quarter = max(1, exchanges // 4)
    tokens = sum(c["tokens"] for c in calls)

    def growth(values: list[float]) -> float:
        first = sum(values[:quarter]) / quarter
        return round((sum(values[-quarter:]) / quarter) / max(first, 1e-9), 3)

    return {
        "turns": turns,
        "exchanges": exchanges,
        "status": session["status"],
        "end_reason": session["end_reason"],
        "error": session["error"],
        "llama_calls": len(calls),
        "calls_with_identical_output": sum(c["same_text"] for c in calls),
        "completion_tokens": tokens,
        "model_load_s (excluded)": round(session["load_s"], 2),
        "loadavg_1m_before": round(load_before, 2),
        "session_wall_s": round(own_wall, 2),
        "session_llama_s": round(sum(c["seconds"] for c in calls), 2),
        "raw_llama_s": round(raw_total, 2),
        "wall_over_raw": round(own_wall / raw_total, 3),
        "target_wall_over_raw": 1.10,
        # the same calls' llama.cpp time inside the session over the bare replay: above 1 is
        # machine noise or streaming cost, not patientsim's code
        "session_llama_over_raw": round(sum(c["seconds"] for c in calls) / raw_total, 3),
        # patientsim's own time: everything outside llama.cpp (prompts, graph, DB, grammar
        # compilation, tokenizing); the first exchange also pays one-time imports
        "outside_llama_s": round(own_wall - sum(c["seconds"] for c in calls), 2),
        "outside_llama_s_per_exchange": [
            round(w - c, 2) for w, c in zip(walls, llama_per_exchange, strict=True)
        ],
        "wall_over_raw_after_exchange_1": round(
            sum(walls[1:]) / max(sum(raw_per_exchange[1:]), 1e-9), 3
        )
        if exchanges > 1
        else None,
        "raw_tokens_per_s": round(tokens / raw_total, 1),
        "seconds_per_exchange": [round(w, 2) for w in walls],
        "raw_seconds_per_exchange": [round(r, 2) for r in raw_per_exchange],
        "llama_seconds_per_exchange": [round(r, 2) for r in llama_per_exchange],
        "overhead_ms_per_exchange": [round(o * 1000) for o in overhead],
        "median_overhead_ms_per_exchange": round(median(overhead) * 1000, 1),
        "median_wall_over_raw_per_exchange": round(
            median([w / r for w, r in zip(walls, raw_per_exchange, strict=True) if r > 0]), 3
        ),
        # growth across the session: mean of the last quarter of exchanges over the first
        "wall_growth_last_over_first_quarter": growth(walls),
        "raw_growth_last_over_first_quarter": growth(raw_per_exchange),
        "exchange_2_s": round(walls[1], 2) if exchanges > 1 else None,
        "exchange_last_s": round(walls[-1], 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    report("embedded", main(args.turns, args.seed))
