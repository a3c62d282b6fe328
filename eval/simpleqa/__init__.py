"""SimpleQA: the short-fact benchmark (Wei et al. 2024) run against the whole janagent stack.

Modules, in the order a run uses them: ``dataset`` (CSV, formats, simple-evals sampling), ``solver`` (what
answers a question), ``grader_template`` / ``grading`` / ``offline_grader`` (what judges it), ``metrics``,
``results`` (the append-only run directory), ``runner`` (concurrency, retries, resume) and ``report``.
"""
