"""Gateway overhead against a direct llama-cpp-python call for the same prompt and tokens.

Target: gateway time <= direct time * 1.05 + 20 ms per call. Also prints embedded tokens/s.
Run: .venv/bin/python bench/gateway.py [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import median, report

MESSAGES = [
    {"role": "system", "content": "A therapy session. The therapist is warm, brief and specific."},
    {
        "role": "user",
        "name": "Patient",
        "content": "I keep avoiding the road where the crash happened.",
    },
    {
        "role": "assistant",
        "name": "Therapist",
        "content": "That makes sense. What happens when you get close to it?",
    },
    {
        "role": "user",
        "name": "Patient",
        "content": "My chest gets tight and I take the long way round.",
    },
]
PARAMS = {"temperature": 0.7, "top_p": 0.95, "repeat_penalty": 1.1}


def direct_call(
    llama, prompt: str, stop: list[str], seed: int, max_tokens: int
) -> tuple[float, str, int]:
    started = time.perf_counter()
    out = llama.create_completion(prompt, max_tokens=max_tokens, stop=stop, seed=seed, **PARAMS)
    return (
        time.perf_counter() - started,
        out["choices"][0]["text"].strip(),
        out["usage"]["completion_tokens"],
    )


async def main(calls: int, max_tokens: int) -> None:
    from llama_cpp import Llama

    from simulator.models import MemorySink, recording_to
    from simulator.models.gateway import complete
    from simulator.models.local import engine, transcript

    prompt = transcript.render(MESSAGES, next_label="Therapist")
    stop = transcript.stop_sequences(MESSAGES, "Therapist")
    direct = Llama(
        model_path=str(engine.model_path()),
        n_ctx=4096,
        n_threads=engine.os.cpu_count(),
        verbose=False,
    )
    sink = MemorySink()

    async def via_gateway(seed: int) -> tuple[float, str]:
        started = time.perf_counter()
        with recording_to(sink):
            text = await complete(
                "bench",
                MESSAGES,
                model="local/gemma-3-270m",
                seed=seed,
                max_tokens=max_tokens,
                temperature=PARAMS["temperature"],
                context={"speaker": "Therapist"},
            )
        return time.perf_counter() - started, text

    direct_call(direct, prompt, stop, 0, max_tokens)  # warm both: load, first prompt evaluation
    await via_gateway(0)
    rows = []
    for seed in range(1, calls + 1):
        d_time, d_text, d_tokens = direct_call(direct, prompt, stop, seed, max_tokens)
        g_time, g_text = await via_gateway(seed)
        rows.append(
            {
                "seed": seed,
                "direct_s": d_time,
                "gateway_s": g_time,
                "direct_tokens": d_tokens,
                "same_text": d_text == g_text,
            }
        )
    same = [r for r in rows if r["same_text"]]  # same seed, prompt and sampling: the same tokens
    overhead_ms = [(r["gateway_s"] - r["direct_s"]) * 1000 for r in same]
    ratio = [r["gateway_s"] / r["direct_s"] for r in same if r["direct_s"] > 0]
    budget_ms = [(r["direct_s"] * 0.05 + 0.020) * 1000 for r in same]
    tokens = sum(r["direct_tokens"] for r in rows)
    report(
        "gateway",
        {
            "calls": calls,
            "calls_with_identical_output": len(same),
            "median_direct_ms": round(median([r["direct_s"] * 1000 for r in same]), 1),
            "median_gateway_ms": round(median([r["gateway_s"] * 1000 for r in same]), 1),
            "median_overhead_ms": round(median(overhead_ms), 2),
            "median_ratio": round(median(ratio), 4),
            "median_budget_ms (5% + 20 ms)": round(median(budget_ms), 1),
            "within_target": median(overhead_ms) <= median(budget_ms),
            "embedded_tokens_per_s": round(tokens / sum(r["direct_s"] for r in rows), 1),
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=48)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.max_tokens))
