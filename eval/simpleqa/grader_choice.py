"""Choosing the grader from a ``--grader`` value: ``offline`` (rule-based, approximate) or any model spec.

Shared by the commands that grade (``bench simpleqa``, ``bench qa`` on SimpleQA), so that command modules need
nothing of each other.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from eval.simpleqa.grading import Grader


class TemplateChoice(StrEnum):
    """The grader prompts a model grader can use (``--grader-template``)."""

    simple_evals = "simple-evals"
    simpleqa_verified = "simpleqa-verified"


def grader_identity(spec: str, base_url: str | None, template_name: str) -> dict[str, Any]:
    """The grader's identity without loading it (for the finished-run and resume checks)."""
    if spec == "offline":
        from eval.simpleqa.offline_grader import OfflineGrader

        return OfflineGrader().identity
    from eval.simpleqa.grader_template import TEMPLATES, template_sha256

    return {
        "kind": "model",
        "spec": spec,
        "base_url": base_url,
        "template": template_name,
        "template_sha256": template_sha256(TEMPLATES[template_name]),
        "approximate": False,
    }


def build_grader(spec: str, *, base_url: str | None, api_key: str | None, template_name: str) -> Grader:
    """``offline`` or any model spec (``openai:NAME`` with a base URL, a local model) with the official template."""
    if spec == "offline":
        from eval.simpleqa.offline_grader import OfflineGrader

        return OfflineGrader()
    from agent.models.spec import load_model
    from eval.simpleqa.grader_template import TEMPLATES
    from eval.simpleqa.grading import ModelGrader

    if base_url and not spec.startswith("openai:") and not Path(spec).expanduser().exists():
        spec = f"openai:{spec}"  # as for --model: a plain name with a base URL is that server's model
    if spec.startswith("openai:"):
        # The grader is its own endpoint: it never inherits the model server's JANAGENT_BASE_URL or
        # JANAGENT_API_KEY ("" means no key; api.openai.com still gets OPENAI_API_KEY).
        from agent.models.openai_backend import DEFAULT_BASE_URL

        base_url = base_url or DEFAULT_BASE_URL
        api_key = api_key or ""
    grader_model = load_model(spec, base_url=base_url, api_key=api_key)
    return ModelGrader(
        grader_model, TEMPLATES[template_name], spec=spec, template_name=template_name, base_url=base_url
    )
