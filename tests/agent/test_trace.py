"""The JSONL trace of a run."""

from __future__ import annotations

from pathlib import Path

from agent.loop import run_agent
from agent.models.scripted import ScriptedModel
from agent.toolbox import open_toolbox
from agent.trace import TraceWriter, read_trace
from mcp_servers.home import runs_dir
from tests.agent.toy_servers import build_toy_server


async def test_the_trace_records_every_step_of_a_run_as_json_lines() -> None:
    model = ScriptedModel([ScriptedModel.call("search", {"query": "seurat"}), "Georges Seurat"])
    with TraceWriter.for_question("Who painted La Grande Jatte?") as trace:
        async with open_toolbox(servers={"toy": build_toy_server()}) as toolbox:
            result = await run_agent("Who painted La Grande Jatte?", model, toolbox, on_event=trace)
    path = trace.path
    assert path.parent == runs_dir()
    assert path.name.endswith(".jsonl") and "who-painted-la-grande-jatte" in path.name
    records = read_trace(path)
    assert records == [step.model_dump(mode="json") for step in result.steps]
    assert [r["kind"] for r in records] == ["start", "model", "tool", "tool", "model", "answer"]
    assert records[0]["data"]["question"] == "Who painted La Grande Jatte?"
    assert records[3]["data"]["name"] == "search" and "Georges Seurat" in records[3]["data"]["result"]
    assert records[-1]["data"]["answer"] == "Georges Seurat"


def test_a_closed_writer_ignores_further_writes(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "t.jsonl")
    trace.write({"a": 1})
    trace.close()
    trace.write({"b": 2})
    assert read_trace(tmp_path / "t.jsonl") == [{"a": 1}]
