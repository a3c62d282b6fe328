"""``bench qa``: answer quality where the answers are in reach (HotpotQA, SQuAD, SimpleQA over a local index).

In the order a run uses them: ``datasets`` (the three formats, their evidence), ``corpus`` (the dataset's index,
built once), ``solvers`` (the ``--tools`` modes: the agent with MCP tools, closed-book, the one-prompt
yardstick), ``answers`` (short form, official EM / token F1), ``evidence`` (what reached the model),
``judge``, ``metrics``, ``report`` and ``benchmark`` (one run, on the shared harness of ``eval.simpleqa``).
"""
