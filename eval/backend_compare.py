"""llama.cpp against transformers on the same GGUF and prompt: tokens/s and peak RSS, one subprocess per backend.

Each backend runs in a fresh interpreter (``python -m eval.backend_compare``) so that its peak resident memory
(``ru_maxrss``: loading included, which is where transformers' float32 de-quantisation costs) is its own,
and neither inherits the other's threads or allocator state. Both generate greedily from the same chat
prompt, without stopping at the end of the turn, so both produce exactly ``max_new_tokens`` tokens.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from agent.models.base import Message

PROMPT = "Write a short story about a painter who spends two years on one painting of a park by a river."
BACKENDS = ("llamacpp", "transformers")


def compare_backends(
    model: str,
    *,
    max_new_tokens: int = 64,
    repeats: int = 3,
    backends: tuple[str, ...] = BACKENDS,
    timeout_s: float = 900,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Run each backend in its own subprocess; return their figures and llama.cpp's ratios to transformers."""
    results: dict[str, Any] = {}
    for backend in backends:
        log(f"{backend}: loading {model} and generating {max_new_tokens} tokens x {repeats} in a subprocess")
        command = [sys.executable, "-m", "eval.backend_compare", "--backend", backend, "--model", model]
        command += ["--max-new-tokens", str(max_new_tokens), "--repeats", str(repeats)]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
        if completed.returncode != 0:
            tail = completed.stderr.strip().splitlines()[-1:] or ["no output"]
            results[backend] = {"error": f"exit {completed.returncode}: {tail[0]}"}
        else:
            results[backend] = json.loads(completed.stdout.strip().splitlines()[-1])
        log(f"{backend}: {json.dumps(results[backend])}")
    report: dict[str, Any] = {"model": model, "max_new_tokens": max_new_tokens, "repeats": repeats, **results}
    fast, slow = results.get("llamacpp", {}), results.get("transformers", {})
    if "tokens_per_s" in fast and "tokens_per_s" in slow:
        report["llamacpp_vs_transformers_tokens_per_s"] = round(fast["tokens_per_s"] / slow["tokens_per_s"], 2)
        report["llamacpp_vs_transformers_peak_rss"] = round(fast["peak_rss_mb"] / slow["peak_rss_mb"], 3)
        report["target"] = ">= 3x tokens/s, lower peak RSS"
    return report


def measure_one(backend: str, model: str, max_new_tokens: int, repeats: int) -> dict[str, Any]:
    """In this process: load ``model`` on ``backend``, time greedy generation, report peak RSS."""
    from agent.models.spec import load_model

    start = time.perf_counter()
    loaded = load_model(model, backend=backend, device="cpu")
    load_s = time.perf_counter() - start
    messages: list[Message] = [{"role": "user", "content": PROMPT}]
    prompt_ids = loaded.encode_prompt(messages, [])  # type: ignore[attr-defined]  # both in-process backends
    run = _generator(loaded, prompt_ids, max_new_tokens)
    run()  # warm-up: first-call allocations and caches
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        produced = run()
        rates.append(produced / (time.perf_counter() - start))
    return {
        "backend": backend,
        "threads": _threads(loaded),
        "load_s": round(load_s, 2),
        "prompt_tokens": len(prompt_ids),
        "completion_tokens": produced,
        "tokens_per_s": round(statistics.median(rates), 2),
        "runs_tokens_per_s": [round(rate, 2) for rate in rates],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _threads(model: Any) -> int:
    """The threads generation ran on: llama.cpp's own count (cut when other processes keep cores busy), torch's."""
    if hasattr(model, "llama"):
        return int(model.llama.n_threads)
    import torch

    return torch.get_num_threads()


def _generator(model: Any, prompt_ids: list[int], max_new_tokens: int) -> Callable[[], int]:
    """A full-prefill greedy generation of exactly ``max_new_tokens`` tokens, returning the count."""
    if hasattr(model, "llama"):

        def llamacpp() -> int:
            model.llama.reset()  # no KV reuse between runs: each pays the prefill, as transformers does
            produced = 0
            for _ in model.llama.generate(prompt_ids, temp=0.0, top_k=1, repeat_penalty=1.0):
                produced += 1
                if produced >= max_new_tokens:
                    break
            return produced

        return llamacpp
    import torch

    input_ids = torch.tensor([prompt_ids], device=model.hf_model.device)

    def transformers() -> int:
        with torch.inference_mode():
            output = model.hf_model.generate(
                input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=max_new_tokens,
                min_new_tokens=max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=0,
            )
        return int(output.shape[1] - len(prompt_ids))

    return transformers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure_one(args.backend, args.model, args.max_new_tokens, args.repeats)))


if __name__ == "__main__":
    main()
