"""SimpleQA: the short-fact benchmark (Wei et al. 2024) run against the whole janagent stack.

In the order a run uses them: ``dataset`` (both CSV formats, simple-evals sampling, the cached download),
``solver`` and ``agent_solver`` (what answers: a protocol, and the agent loop behind it), ``grader_template``,
``grading`` and ``offline_grader`` (what judges), ``runner`` (concurrency, timeouts, bounded retries),
``rundir`` (run.json, the durable results.jsonl, resume), ``metrics``, ``report`` (summary.json, report.md,
charts), ``progress`` (the live bar) and ``benchmark`` (one run end to end).
"""
