"""bench qa end to end on the shared harness: the three --tools modes, the summary, resume, the dataset index."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agent.loop import LoopConfig
from agent.models.base import Message, ToolSpec
from agent.models.profiles import QWEN25_15B
from agent.models.scripted import ScriptedModel, ScriptedTurn
from agent.prompts import FINAL_ANSWER_FORMAT, REASONED_ANSWER_FORMAT
from agent.toolbox import open_toolbox
from eval.qa.benchmark import QA_SCORING, qa_plan
from eval.qa.corpus import default_index_name, ensure_dataset_index
from eval.qa.datasets import QADataset, load_qa_dataset
from eval.qa.judge import QAJudge
from eval.qa.solvers import PromptedSolver, RetrieveSolver
from eval.simpleqa.agent_solver import AgentSolver
from eval.simpleqa.benchmark import run_scored
from eval.simpleqa.rundir import read_results
from eval.simpleqa.runner import RunConfig
from eval.simpleqa.solver import Solver
from mcp_servers.index import open_local_index
from mcp_servers.search.server import build_search_server
from tests.eval.qa.fakes import (
    FACTS,
    closed_book,
    first_title,
    prompt_reader,
    records_by_index,
    reply_first_title,
    searching_reader,
    write_hotpotqa,
)
from tests.fakes import HashingEmbedder

FAST = RunConfig(concurrency=1, timeout_s=30, retries=0, backoff_s=0)
SUMMARY_KEYS = {"n", "exact_match", "f1", "empty_answers", "evidence_recall", "tool_calls_per_question"}
SUMMARY_KEYS |= {"latency_s_median", "latency_s_p90", "steps_per_question", "errors"}


@pytest.fixture
def dataset(tmp_path: Path) -> QADataset:
    return load_qa_dataset(write_hotpotqa(tmp_path / "dev_subsampled.jsonl"))


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


def index_for(dataset: QADataset, embedder: HashingEmbedder) -> str:
    return ensure_dataset_index(dataset, embedder=embedder).name


async def run(dataset: QADataset, out: Path, solver: Solver, *, limit: int | None = None, resume: bool = False) -> Any:
    plan = qa_plan(dataset, out, limit=limit, seed=0, resume=resume, config=FAST, charts=False)
    return await run_scored(plan, solver, QAJudge(dataset.format), QA_SCORING)


async def test_the_agent_with_mcp_tools_answers_from_the_dataset_index_and_sees_the_gold(
    dataset: QADataset, embedder: HashingEmbedder, tmp_path: Path
) -> None:
    index = open_local_index(index_for(dataset, embedder), embedder=embedder)
    model = searching_reader(len(FACTS))
    async with open_toolbox(servers={"search": build_search_server(local_index=index)}, timeout_s=10) as toolbox:
        solver = PromptedSolver(AgentSolver(model, toolbox, LoopConfig(max_steps=3), spec="scripted", tools="mcp"))
        outcome = await run(dataset, tmp_path / "run", solver)

    summary = outcome.summary
    assert set(summary) >= SUMMARY_KEYS
    assert (summary["n"], summary["exact_match"], summary["f1"]) == (len(FACTS), 1.0, 1.0)
    assert (summary["empty_answers"], summary["errors"], summary["evidence_recall"]) == (0, 0, 1.0)
    assert summary["tool_calls_per_question"] == 1.0 and summary["steps_per_question"] == 2.0
    record = records_by_index(read_results(tmp_path / "run" / "results.jsonl"))[0]
    # The reply stays as the agent gave it; its short form is what was scored.
    assert record["predicted"] == "Answer: **Fredville**.\nSources: doc"
    assert record["short_answer"] == "Fredville" and record["exact_match"] is True
    assert record["evidence_hits"] == record["evidence_total"] == 1
    asked = model.requests[0][0]
    assert asked[-1]["content"].endswith("Reply with the answer only: a name, a number, a date or a few words.")
    assert summary["model"]["question_prompt"].startswith("Reply with the answer only")


async def test_the_retrieve_baseline_reads_the_top_five_hits_once_without_a_loop(
    dataset: QADataset, embedder: HashingEmbedder, tmp_path: Path
) -> None:
    name = index_for(dataset, embedder)
    model = prompt_reader(len(FACTS))
    solver = RetrieveSolver(model, open_local_index(name, embedder=embedder), spec="scripted", index_name=name)
    summary = (await run(dataset, tmp_path / "run", solver)).summary

    assert (summary["exact_match"], summary["f1"], summary["evidence_recall"]) == (1.0, 1.0, 1.0)
    assert summary["tool_calls_per_question"] == 1.0 and summary["steps_per_question"] == 1.0
    messages, tools, sampling = model.requests[0]
    assert tools == [] and sampling.temperature == 0.0
    shown = messages[-1]["content"].count("   doc: hotpotqa-")
    assert solver.k == 5 and 1 <= shown <= 5  # hybrid search returns only the documents that match at all
    assert summary["model"]["tools"] == f"retrieve:{name}"


async def test_the_retrieve_baseline_asks_a_reasoning_profile_for_its_facts_on_yes_no_questions(
    embedder: HashingEmbedder, tmp_path: Path
) -> None:
    # The 1.5B's profile: on a yes/no question the yardstick sends the loop's reasoning reader turn, with the
    # loop's token budget; any other question gets the answer-only request.
    yes_no = ("Is Fredville the capital of Freedonia?", "yes", "Fredville", "Fredville is the capital of Freedonia.")
    dataset = load_qa_dataset(write_hotpotqa(tmp_path / "dev_subsampled.jsonl", [yes_no, FACTS[1]]))

    def reads(messages: list[Message], tools: list[ToolSpec]) -> str:
        if messages[-1]["content"].endswith(REASONED_ANSWER_FORMAT):
            return f"Fact: {first_title(messages)} is the capital of Freedonia.\nAnswer: Yes, it is."
        assert messages[-1]["content"].endswith(FINAL_ANSWER_FORMAT)
        return first_title(messages)

    name = index_for(dataset, embedder)
    model = ScriptedModel([reads, reads], name="scripted-reasoner")
    model.profile = QWEN25_15B
    model.default_sampling = model.default_sampling.model_copy(update={"max_tokens": 256})
    solver = RetrieveSolver(model, open_local_index(name, embedder=embedder), spec="scripted", index_name=name)
    summary = (await run(dataset, tmp_path / "run", solver)).summary

    assert (summary["exact_match"], summary["f1"]) == (1.0, 1.0)
    requests = sorted(messages[-1]["content"].endswith(REASONED_ANSWER_FORMAT) for messages, _, _ in model.requests)
    assert requests == [False, True]
    assert all(sampling.max_tokens == 256 for _, _, sampling in model.requests)
    assert summary["model"]["reader_reasons"] is True


async def test_closed_book_sees_no_evidence_and_scores_zero_when_it_does_not_know(
    dataset: QADataset, tmp_path: Path
) -> None:
    solver = PromptedSolver(AgentSolver(closed_book(len(FACTS)), None, LoopConfig(), spec="scripted"))
    summary = (await run(dataset, tmp_path / "run", solver)).summary
    assert (summary["exact_match"], summary["f1"], summary["evidence_recall"]) == (0.0, 0.0, 0.0)
    assert summary["tool_calls_per_question"] == 0.0 and summary["model"]["tools"] == "none"


async def test_empty_replies_are_counted_and_score_zero(
    dataset: QADataset, embedder: HashingEmbedder, tmp_path: Path
) -> None:
    name = index_for(dataset, embedder)
    model = ScriptedModel([""] * len(FACTS))
    solver = RetrieveSolver(model, open_local_index(name, embedder=embedder), spec="scripted", index_name=name)
    summary = (await run(dataset, tmp_path / "run", solver)).summary
    assert summary["empty_answers"] == len(FACTS) and summary["f1"] == 0.0 and summary["errors"] == 0


async def test_a_run_that_never_answers_is_an_error_that_scores_zero(dataset: QADataset, tmp_path: Path) -> None:
    # The loop turns "no answer at all" into an error; errors count towards n and score nothing.
    solver = PromptedSolver(AgentSolver(closed_book(10 * len(FACTS), reply=""), None, LoopConfig(), spec="scripted"))
    summary = (await run(dataset, tmp_path / "run", solver, limit=2)).summary
    assert (summary["n"], summary["errors"], summary["f1"], summary["empty_answers"]) == (2, 2, 0.0, 0)


async def test_an_interrupted_run_resumes_without_losing_or_repeating_a_question(
    dataset: QADataset, embedder: HashingEmbedder, tmp_path: Path
) -> None:
    name = index_for(dataset, embedder)
    index = open_local_index(name, embedder=embedder)
    out = tmp_path / "run"
    running: list[asyncio.Task[Any]] = []

    def ctrl_c(messages: list[Message], tools: list[ToolSpec]) -> str:
        # What Ctrl-C does under asyncio.run: the main task is cancelled, here in the middle of question three.
        running[0].cancel()
        raise asyncio.CancelledError

    first_turns: list[ScriptedTurn] = [reply_first_title, reply_first_title, ctrl_c]
    first = RetrieveSolver(ScriptedModel(first_turns), index, spec="scripted", index_name=name)
    running.append(asyncio.create_task(run(dataset, out, first, limit=5)))
    with pytest.raises(asyncio.CancelledError):
        await running[0]
    kept = read_results(out / "results.jsonl")
    assert len(kept) == 2
    partial = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (partial["n"], partial["pending"], partial["complete"]) == (2, 3, False)

    second_model = prompt_reader(3)
    second = RetrieveSolver(second_model, index, spec="scripted", index_name=name)
    outcome = await run(dataset, out, second, limit=5, resume=True)

    records = read_results(out / "results.jsonl")
    assert len(records) == 5 and len({r["index"] for r in records}) == 5
    assert records[:2] == kept  # what was written before the interrupt is kept as it was
    assert second_model.remaining == 0  # only the three missing questions were asked again
    assert outcome.summary["n"] == 5 and outcome.summary["complete"]
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [s["interrupted"] for s in run_json["sessions"]] == [True, False]


def test_the_dataset_index_is_built_once_and_rebuilt_when_the_file_changes(
    tmp_path: Path, embedder: HashingEmbedder
) -> None:
    path = write_hotpotqa(tmp_path / "dev_subsampled.jsonl")
    first = ensure_dataset_index(load_qa_dataset(path), embedder=embedder)
    assert first.built and first.name == "qa-hotpotqa-dev_subsampled" and first.documents == len(FACTS) + 2
    again = ensure_dataset_index(load_qa_dataset(path), embedder=embedder)
    assert not again.built

    write_hotpotqa(path, FACTS[:2])
    changed = load_qa_dataset(path)
    rebuilt = ensure_dataset_index(changed, embedder=embedder)
    assert rebuilt.built and rebuilt.name == default_index_name(changed)
    # Built from empty: no paragraph of the older file is left in the index.
    assert open_local_index(rebuilt.name, embedder=embedder).stats().documents == 4


def test_an_index_the_benchmark_did_not_build_is_never_replaced(tmp_path: Path, embedder: HashingEmbedder) -> None:
    from mcp_servers.errors import JanagentError
    from mcp_servers.types import Document

    mine = open_local_index("my-wiki", embedder=embedder)
    mine.add_documents([Document(id="w1", title="Fredville", text="Fredville is a city.")])
    with pytest.raises(JanagentError, match="not built from a question file; it is not replaced"):
        ensure_dataset_index(load_qa_dataset(write_hotpotqa(tmp_path / "dev.jsonl")), "my-wiki", embedder=embedder)
    assert [h.doc_id for h in open_local_index("my-wiki", embedder=embedder).search("Fredville")] == ["w1"]


def test_the_index_is_named_after_the_file_without_its_extension(tmp_path: Path) -> None:
    from eval.qa.datasets import QAFormat

    squad = QADataset(path=Path("data/dev-v1.1.json"), format=QAFormat.SQUAD, sha256="0" * 64, questions=[])
    assert default_index_name(squad) == "qa-squad-dev-v1.1"


def test_a_run_dir_refuses_to_resume_with_other_tools(
    dataset: QADataset, embedder: HashingEmbedder, tmp_path: Path
) -> None:
    from mcp_servers.errors import JanagentError

    name = index_for(dataset, embedder)
    index = open_local_index(name, embedder=embedder)
    out = tmp_path / "run"
    asyncio.run(run(dataset, out, RetrieveSolver(prompt_reader(2), index, spec="s", index_name=name), limit=2))
    closed = PromptedSolver(AgentSolver(closed_book(2), None, LoopConfig(), spec="s"))
    with pytest.raises(JanagentError, match="different"):
        asyncio.run(run(dataset, out, closed, limit=2, resume=True))


SIMPLEQA_CSV = (
    "metadata,problem,answer\n"
    "\"{'topic': 'Geography', 'answer_type': 'Place', 'urls': ['https://en.wikipedia.org/wiki/Fredville']}\","
    "Which city is the capital of Freedonia?,Fredville\n"
    "\"{'topic': 'Art', 'answer_type': 'Person', 'urls': ['https://en.wikipedia.org/wiki/Lars_Brook']}\","
    "Which composer wrote the Pebble Sonata?,Lars Brook\n"
)


async def test_simpleqa_over_an_index_gets_the_simpleqa_grade_and_evidence_by_article_title(
    tmp_path: Path, embedder: HashingEmbedder
) -> None:
    from eval.qa.datasets import QAFormat
    from eval.simpleqa.offline_grader import OfflineGrader
    from mcp_servers.types import Document

    csv_path = tmp_path / "simple_qa.csv"
    csv_path.write_text(SIMPLEQA_CSV, encoding="utf-8")
    dataset = load_qa_dataset(csv_path)
    index = open_local_index("wiki", embedder=embedder)
    index.add_documents(
        Document(id=str(i), title=title, text=text, url=f"https://simple.wikipedia.org/wiki?curid={i}")
        for i, (_, _, title, text) in enumerate(FACTS)
    )
    model = ScriptedModel(["Fredville", "I don't know"])
    solver = RetrieveSolver(model, index, spec="scripted", index_name="wiki")
    plan = qa_plan(dataset, tmp_path / "run", config=FAST, charts=False)
    summary = (await run_scored(plan, solver, QAJudge(QAFormat.SIMPLEQA, OfflineGrader()), QA_SCORING)).summary

    assert (summary["n"], summary["exact_match"], summary["evidence_recall"]) == (2, 0.5, 1.0)
    assert (summary["correct"], summary["incorrect"], summary["not_attempted"]) == (0.5, 0.0, 0.5)
    assert summary["simpleqa"]["counts"] == {"correct": 1, "incorrect": 0, "not_attempted": 1, "errors": 0}
    assert summary["benchmark"] == "QA: SimpleQA" and summary["grader"]["approximate"] is True
