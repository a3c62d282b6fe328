"""The run directory: run.json (what was asked), results.jsonl (one line per graded question), and resume.

results.jsonl is append-only and each line is flushed and fsynced as soon as its question is graded, so
Ctrl-C or a crash loses nothing already graded. A crash can at worst leave a torn last line; resume drops it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from mcp_servers.errors import JanagentError

RESULTS_FILE = "results.jsonl"
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.md"
RUN_FILE = "run.json"
RUN_FORMAT = 1


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and a rename, so a reader never sees half a file."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, path)


def read_results(path: Path) -> list[dict[str, Any]]:
    """Every complete record of a results.jsonl, skipping a torn or corrupt line."""
    if not path.is_file():
        return []
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and isinstance(record.get("index"), int):
                records.append(record)
    return records


class ResultsWriter:
    """Appends one record per line; each is durable (flush + fsync) before the call returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    def write(self, record: Mapping[str, Any]) -> None:
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


def run_identity_mismatches(stored: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """The settings that differ between a stored run.json and this invocation (those that change results)."""
    differences = []
    for key in ("dataset_sha256", "seed", "limit", "topics", "indices", "model", "agent_settings", "grader", "tools"):
        if stored.get(key) != current.get(key):
            differences.append(key)
    return differences


class RunDir:
    """One benchmark run's folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS_FILE

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY_FILE

    @property
    def report_path(self) -> Path:
        return self.path / REPORT_FILE

    @property
    def run_path(self) -> Path:
        return self.path / RUN_FILE

    def holds_run(self) -> bool:
        """True once a question has been written (a run.json alone, from a start that failed, does not count)."""
        return self.results_path.is_file() and self.results_path.stat().st_size > 0

    def read_run(self) -> dict[str, Any]:
        try:
            data = json.loads(self.run_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise JanagentError(f"--resume: {self.run_path} is missing or unreadable ({exc})") from exc
        if not isinstance(data, dict):
            raise JanagentError(f"--resume: {self.run_path} is not a run description")
        return data

    def check(self, run: dict[str, Any], *, resume: bool) -> None:
        """Raise the one-line error when this folder cannot take this run (new or resumed)."""
        if self.path.exists() and not self.path.is_dir():
            raise JanagentError(f"--out {self.path} is a file; give a directory for the run")
        if not resume:
            if self.holds_run():
                raise JanagentError(
                    f"{self.path} already holds a run: add --resume to continue it, or choose another --out"
                )
            return
        if not self.run_path.is_file():
            raise JanagentError(f"--resume: {self.path} holds no run (no {RUN_FILE}); drop --resume to start one")
        differences = run_identity_mismatches(self.read_run(), run)
        if differences:
            raise JanagentError(
                f"--resume: {self.path} was run with different {', '.join(differences)}; "
                "pass the same options as the first run, or choose another --out"
            )

    def start(self, run: dict[str, Any], *, resume: bool) -> dict[int, dict[str, Any]]:
        """Create or reopen the run; returns the questions already graded (by row index) that resume keeps.

        A new run refuses a folder that already holds one. A resumed run must have been started with the same
        dataset, selection, model, grader and tools; its errored questions are dropped so they run again, and
        results.jsonl is rewritten (atomically) with one line per kept question, never duplicates.
        """
        self.check(run, resume=resume)
        if not resume:
            self.path.mkdir(parents=True, exist_ok=True)
            write_json_atomic(self.run_path, {**run, "format": RUN_FORMAT, "sessions": []})
            return {}
        wanted = set(run["indices"])
        kept: dict[int, dict[str, Any]] = {}
        for record in read_results(self.results_path):
            # The last line for an index wins; errored ones are retried; strays from another selection dropped.
            if record["index"] in wanted:
                kept[record["index"]] = record
        kept = {index: record for index, record in kept.items() if not record.get("error")}
        self.rewrite_results(list(kept.values()))
        return kept

    def rewrite_results(self, records: list[dict[str, Any]]) -> None:
        """Replace results.jsonl with ``records`` atomically (durable before the rename); unchanged: untouched."""
        content = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        existing = self.results_path.read_text(encoding="utf-8") if self.results_path.is_file() else ""
        if content == existing:  # a finished, clean run is left untouched
            return
        partial = self.results_path.with_name(RESULTS_FILE + ".tmp")
        with partial.open("w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.results_path)

    def record_session(self, started_at: float, duration_s: float, new_results: int, interrupted: bool) -> float:
        """Append this invocation to run.json; returns the run's total duration over all sessions."""
        run = self.read_run()
        sessions = list(run.get("sessions") or [])
        sessions.append(
            {
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started_at)),
                "duration_s": round(duration_s, 3),
                "new_results": new_results,
                "interrupted": interrupted,
            }
        )
        run["sessions"] = sessions
        write_json_atomic(self.run_path, run)
        return float(sum(session["duration_s"] for session in sessions))


def interrupted_message(run_dir: Path, noun: str, argv: list[str]) -> str:
    """What Ctrl-C leaves: how many ``noun`` questions are kept in ``run_dir``, and the command that resumes."""
    import shlex

    kept = sum(1 for record in read_results(RunDir(run_dir).results_path) if not record.get("error"))
    args = list(argv)
    if "--out" not in args and not any(arg.startswith("--out=") for arg in args):
        args += ["--out", str(run_dir)]
    if "--resume" not in args:
        args.append("--resume")
    command = "janagent " + " ".join(shlex.quote(arg) for arg in args)
    return f"interrupted: {kept} {noun} questions are kept in {run_dir}; continue with:\n  {command}"
