from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from mcp.server import MCPServer
from pydantic import Field

from agent.loop import LoopConfig
from agent.models.scripted import ScriptedModel
from agent.toolbox import open_toolbox
from eval.simpleqa.agent_solver import AgentSolver
from eval.simpleqa.benchmark import BenchmarkPlan, run_benchmark
from eval.simpleqa.dataset import Dataset, DatasetFormat, Question
from eval.simpleqa.offline_grader import OfflineGrader
from eval.simpleqa.runner import RunConfig

QUESTION = Question(
    index=0,
    problem="Who received the IEEE Frank Rosenblatt Award in 2010?",
    answer="Michio Sugeno",
    topic="Science and technology",
    answer_type="Person",
)
AWARD_URL = "https://en.wikipedia.org/wiki/IEEE_Frank_Rosenblatt_Award"


def plan_for(out: Path) -> BenchmarkPlan:
    dataset = Dataset(path=Path("one.csv"), format=DatasetFormat.SIMPLEQA, sha256="0" * 64, questions=[QUESTION])
    return BenchmarkPlan(
        dataset=dataset,
        questions=[QUESTION],
        out_dir=out,
        config=RunConfig(timeout_s=30, retries=1, backoff_s=0),
        charts=False,
    )


def award_server() -> MCPServer:
    server = MCPServer("award-search")

    @server.tool()
    def search(query: Annotated[str, Field(description="What to search for")]) -> str:
        """Search the award pages."""
        return f"1. IEEE Frank Rosenblatt Award\nurl: {AWARD_URL}\n2010: Michio Sugeno."

    return server


def results(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


async def test_closed_book_runs_the_agent_without_tools(tmp_path: Path) -> None:
    model = ScriptedModel(["Michio Sugeno"])
    solver = AgentSolver(model, None, LoopConfig(), spec="scripted", tools="mcp")

    outcome = await run_benchmark(plan_for(tmp_path / "run"), solver, OfflineGrader())

    [record] = results(tmp_path / "run")
    assert (record["predicted"], record["grade"], record["tool_calls"]) == ("Michio Sugeno", "CORRECT", 0)
    _, tools, _ = model.requests[0]
    assert tools == []
    assert outcome.summary["model"]["tools"] == "none"


async def test_the_agent_answers_through_mcp_tools_and_its_calls_are_counted(tmp_path: Path) -> None:
    model = ScriptedModel([ScriptedModel.call("search", {"query": "Frank Rosenblatt Award 2010"}), "Michio Sugeno."])
    async with open_toolbox(servers={"search": award_server()}, timeout_s=10) as toolbox:
        solver = AgentSolver(model, toolbox, LoopConfig(max_steps=3), spec="scripted", tools="mcp")
        await run_benchmark(plan_for(tmp_path / "run"), solver, OfflineGrader())

    [record] = results(tmp_path / "run")
    assert record["grade"] == "CORRECT"
    assert record["tool_calls"] == 1
    assert record["steps"] >= 2
    _, tools, _ = model.requests[0]
    assert [spec["function"]["name"] for spec in tools] == ["search"]


async def test_a_failing_model_is_retried_then_recorded_as_an_error(tmp_path: Path) -> None:
    model = ScriptedModel([])  # every turn fails: the script is empty
    solver = AgentSolver(model, None, LoopConfig(), spec="scripted")

    outcome = await run_benchmark(plan_for(tmp_path / "run"), solver, OfflineGrader())

    [record] = results(tmp_path / "run")
    assert record["grade"] is None
    assert "ScriptExhaustedError" in str(record["error"]) and record["solve_attempts"] == 2
    assert outcome.summary["errors"] == 1


async def test_what_the_loop_warned_about_is_kept_in_the_record(tmp_path: Path) -> None:
    # The model answers before searching: the loop's nudge is why the record shows a search it did not ask for.
    model = ScriptedModel(
        ["Michio Sugeno.", ScriptedModel.call("search", {"query": "Rosenblatt Award 2010"}), "Sugeno"]
    )
    async with open_toolbox(servers={"search": award_server()}, timeout_s=10) as toolbox:
        solver = AgentSolver(model, toolbox, LoopConfig(max_steps=3), spec="scripted", tools="mcp")
        await run_benchmark(plan_for(tmp_path / "run"), solver, OfflineGrader())

    [record] = results(tmp_path / "run")
    assert record["warnings"] == ["answered without searching; nudged to search first"]
    assert record["tool_calls"] == 1
