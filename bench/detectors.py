"""Detectors: how long detection takes over one session, and a 100-conversation ingest.

    .venv/bin/python bench/detectors.py              # 200 timed runs, 100 conversations
    .venv/bin/python bench/detectors.py --runs 20 --conversations 10

Two figures, each against its target:
- detection over a 30-turn session (ConText reading, C-SSRS grading, every rule), median of
  N runs after one warm-up run                                                  <= 50 ms
- `patientsim ingest` of 100 conversations of 30 turns, --no-judge, whole process <= 10 s
The session is built from the labelled dev corpus's turns, so its text is varied chat.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

from _common import median, report

from protocols import load_protocol
from simulator.judges.corpus import DEV
from simulator.judges.detectors import detect

BIN = Path(sys.executable).parent / "patientsim"
TARGETS = {"detect_30_turns_ms": 50, "ingest_100_s": 10}
TURNS = 30


def corpus_turns() -> list[tuple[str, str]]:
    turns = []
    for line in DEV[0].read_text(encoding="utf-8").splitlines():
        turns += [(t["speaker"], t["text"]) for t in json.loads(line)["turns"]]
    return turns


def session(turns: list[tuple[str, str]], offset: int) -> list[dict]:
    """30 alternating turns, patient first, taken from the corpus from `offset` on."""
    patients = cycle([t for s, t in turns if s == "patient"][offset:] or ["ok"])
    therapists = cycle([t for s, t in turns if s == "therapist"][offset:] or ["ok"])
    texts = [next(patients) if i % 2 == 0 else next(therapists) for i in range(TURNS)]
    return [
        {"index": i, "speaker": "patient" if i % 2 == 0 else "therapist", "text": text}
        for i, text in enumerate(texts)
    ]


def time_detection(runs: int) -> float:
    turns, protocol = corpus_turns(), load_protocol("pe")
    detect(session(turns, 0), protocol=protocol)  # warm-up: rules compiled, caches filled
    timings = []
    for run in range(runs):
        conversation = session(turns, run % 50)  # fresh text each run: no cached sentences
        start = time.perf_counter()
        detect(conversation, protocol=protocol)
        timings.append((time.perf_counter() - start) * 1000)
    return round(median(timings), 2)


def time_ingest(conversations: int) -> float:
    turns = corpus_turns()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "logs.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for number in range(conversations):
                for turn in session(turns, number % 50):
                    record = {
                        "session": f"c{number}",
                        "speaker": turn["speaker"],
                        "text": turn["text"],
                    }
                    out.write(json.dumps(record) + "\n")
        db = Path(directory) / "runs.db"
        start = time.perf_counter()
        subprocess.run(
            [str(BIN), "ingest", str(path), "--protocol", "pe", "--no-judge", "--db", str(db)],
            check=True,
            capture_output=True,
        )
        return round(time.perf_counter() - start, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--conversations", type=int, default=100)
    args = parser.parse_args()
    figures = {
        "detect_30_turns_ms": time_detection(args.runs),
        "ingest_s": time_ingest(args.conversations),
        "conversations": args.conversations,
        "targets": TARGETS,
    }
    report("detectors", figures)


if __name__ == "__main__":
    main()
