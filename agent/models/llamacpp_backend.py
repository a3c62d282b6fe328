"""In-process GGUF models with llama.cpp (llama-cpp-python): the way laptop users run Jan-nano's GGUFs.

transformers de-quantises a GGUF to float32 (a 4B GGUF needs about 16 GB); llama.cpp runs the quantised
weights as they are. The prompt is the model's own chat template with the tools (``gguf_chat``), tool
calls are parsed by our parser, and the KV cache of one turn is reused by the next: llama-cpp-python's
``generate`` keeps the evaluated tokens and only runs the part of a new prompt past the shared prefix (a shared
prefix shorter than ``MIN_REUSED_TOKENS`` is evaluated again, so that a prompt's reply does not depend on what
ran before it).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import random
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agent.models.base import Message, Sampling, ToolSpec
from agent.models.gguf_chat import GGUFChatTemplate
from agent.models.gguf_header import read_gguf_header
from agent.models.in_process import InProcessModel
from agent.models.profiles import DEFAULT, ModelProfile
from mcp_servers.errors import JanagentError, require

# The context llama.cpp allocates when the model allows more: its KV cache is allocated (and touched) up
# front, so 32k positions would cost the 1.5B Qwen about 0.9 GB before the first token.
DEFAULT_CONTEXT = 16384
# When tools are offered, a model that starts writing the tool's answer itself has finished its turn.
_TOOL_STOP = "<tool_response>"
# A cached prefix shorter than this is not reused: the prompt is evaluated from scratch. llama.cpp's sums depend
# on where a prompt is split into batches, so the same prompt after a cached prefix of a few tokens (a system
# turn the previous question shared) can give another greedy reply than in a fresh process: measured with the
# 1.5B Qwen on one HotpotQA reader prompt, "Lepidozamia" fresh and "Eucryphia" after 33 cached tokens. From
# scratch, a prompt's reply does not depend on what ran before it (a resumed benchmark answers as a whole run
# does); reusing so few tokens saved well under 1% of such a prompt. A longer prefix (a turn of the same
# conversation) is reused: that is what saves the time.
MIN_REUSED_TOKENS = 64
_load_lock = threading.Lock()


class LlamaCppModel(InProcessModel):
    """A GGUF model run by llama.cpp in this process; ``load`` builds one from a file."""

    def __init__(self, llama: Any, *, name: str, profile: ModelProfile = DEFAULT, sampling: Sampling | None = None):
        self.llama = llama
        self.name = name
        self.profile = profile
        self.calls_tools = profile.calls_tools
        self.default_sampling = sampling or profile.sampling
        metadata: dict[str, str] = dict(llama.metadata or {})
        self.template = GGUFChatTemplate(
            metadata.get("tokenizer.chat_template"),
            bos_token=_token_text(llama, llama.token_bos()),
            eos_token=_token_text(llama, llama.token_eos()),
            template_kwargs=profile.template_kwargs,
        )
        self.native_tools = self.template.native_tools
        self.context_length: int = int(llama.n_ctx())
        self.reused_tokens = 0  # prompt tokens the last call took from the KV cache
        self._vocab = llama._model.vocab
        self._lock = threading.Lock()  # one generation at a time: the context and its cache are shared

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        name: str | None = None,
        profile: ModelProfile = DEFAULT,
        sampling: Sampling | None = None,
        context: int | None = None,
        threads: int | None = None,
    ) -> LlamaCppModel:
        """Load ``path`` quietly (llama.cpp's own log stays off stderr), on the free cores (``default_threads``),
        with the profile's rope scaling."""
        require("llama_cpp", "llamacpp")
        from llama_cpp import Llama

        if not path.is_file():
            raise JanagentError(f"no GGUF at {path}")
        threads = threads or default_threads()
        kwargs: dict[str, Any] = {
            "n_threads": threads,
            "n_threads_batch": threads,
            # llama.cpp's own default ("auto") turns flash attention on for the CPU; llama-cpp-python's
            # default turns it off. On: 2% faster decoding of the 1.5B Qwen here (14.2 -> 14.5 tokens/s).
            "flash_attn": True,
            "verbose": False,
            **rope_kwargs(profile),
        }
        with _load_lock, without_extra_buffers(needed=build_has_amx()):
            try:
                trained = _trained_context(path, profile)
                kwargs["n_ctx"] = min(context or DEFAULT_CONTEXT, trained)
                llama = Llama(str(path), **kwargs)
            except ValueError as exc:  # llama-cpp-python reports an unreadable model as ValueError
                raise JanagentError(f"llama.cpp could not load {path}: {exc}") from exc
        return cls(llama, name=name or path.name, profile=profile, sampling=sampling)

    def render_prompt(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        """The prompt text for ``messages`` and ``tools`` through the model's chat template."""
        return self.template.render(messages, tools)

    def encode_prompt(self, messages: list[Message], tools: list[ToolSpec]) -> list[int]:
        """Token ids of the rendered prompt (special tokens parsed; the template already wrote any BOS)."""
        return self.tokenize(self.render_prompt(messages, tools), special=True)

    def tokenize(self, text: str, *, special: bool = False) -> list[int]:
        return list(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=special))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def decode(self, ids: list[int]) -> str:
        """Text of ``ids``, special tokens included: Qwen's ``<tool_call>`` tags are special tokens in its GGUF
        (the end-of-turn token is never among ``ids``)."""
        return bytes(self.llama.detokenize(ids, special=True)).decode("utf-8", errors="replace")

    def generate_ids(
        self,
        prompt_ids: list[int],
        sampling: Sampling,
        max_new_tokens: int,
        *,
        stream: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
        with_tools: bool = False,
    ) -> list[int]:
        """Blocking generation: the new token ids after ``prompt_ids`` (the end-of-turn token excluded)."""
        with self._lock:
            self.reused_tokens = min(_cached_prefix(self.llama, prompt_ids), len(prompt_ids) - 1)
            if self.reused_tokens < MIN_REUSED_TOKENS:
                self.llama.reset()  # evaluated from scratch (see MIN_REUSED_TOKENS)
                self.reused_tokens = 0
            self.llama.set_seed(sampling.seed if sampling.seed is not None else random.randrange(2**31))
            new_ids: list[int] = []
            text = ""
            utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
            try:
                for token in self.llama.generate(prompt_ids, reset=True, **_sampler_kwargs(sampling)):
                    if self._is_end_of_turn(token) or (stop is not None and stop.is_set()):
                        break
                    new_ids.append(token)
                    piece = utf8.decode(bytes(self.llama.detokenize([token], special=True)))
                    text += piece
                    if stream is not None and piece:
                        stream(piece)
                    if len(new_ids) >= max_new_tokens or (with_tools and _TOOL_STOP in text):
                        break
            except BaseException:
                self.llama.reset()  # the cache may hold a half-evaluated step
                raise
            if stream is not None:
                stream("")
            return new_ids

    def _is_end_of_turn(self, token: int) -> bool:
        from llama_cpp import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self._vocab, token))

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            self.llama.close()


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, which containers narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_threads(idle_cores: float | None = None) -> int:
    """The cores no other process is using now: all of them, less those busy over the last tenth of a second.

    llama.cpp's worker threads meet at a spinning barrier after every operation, so a thread the OS takes
    away stalls the others: measured on this 2-core machine at load 8, the 0.5B Qwen made 0.35 tokens/s on
    2 threads and 5.6 on 1 (15 tokens/s on 2 threads when idle). The busy share is measured (psutil's CPU
    times) rather than read from the 1-minute load average: that average still counts a run that ended
    seconds ago, and it halved the speed of every ``ask`` right after another one (1 thread instead of 2).
    """
    cores = available_cores()
    if idle_cores is None:
        idle_cores = measured_idle_cores()
    return max(1, min(cores, round(idle_cores)))


def measured_idle_cores(interval_s: float = 0.1) -> float:
    """How many cores' worth of CPU time went unused over ``interval_s`` (all cores when psutil is missing)."""
    try:
        import psutil
    except ImportError:
        return float(available_cores())
    busy_percent = psutil.cpu_percent(interval=interval_s)
    return (psutil.cpu_count() or available_cores()) * (100.0 - busy_percent) / 100.0


def rope_kwargs(profile: ModelProfile) -> dict[str, Any]:
    """llama.cpp's rope settings for the profile's scaling (Jan-nano-128k: YaRN, factor 3.2 over 40,960)."""
    scaling = profile.rope_scaling
    if not scaling or scaling.get("rope_type") != "yarn":
        return {}
    from llama_cpp import llama_cpp

    return {
        "rope_scaling_type": llama_cpp.LLAMA_ROPE_SCALING_TYPE_YARN,
        "rope_freq_scale": 1.0 / float(scaling["factor"]),
        "yarn_orig_ctx": int(scaling["original_max_position_embeddings"]),
    }


def build_has_amx() -> bool:
    """True when this llama.cpp was compiled with its AMX kernels, which crashed here (SIGSEGV in the first
    decode, on a CPU that reports AMX). The README builds llama-cpp-python without them (``-mno-amx-*``), which
    leaves llama.cpp's repacked AVX-512 kernels on: 14.0 tokens/s for the 1.5B Q4_K_M here, 12.3 without."""
    from llama_cpp import llama_cpp

    return b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info()


@contextlib.contextmanager
def without_extra_buffers(needed: bool) -> Iterator[None]:
    """Load without llama.cpp's "extra" weight buffers (AMX, repacking), as llama-server's ``--no-repack``.

    llama-cpp-python does not expose ``use_extra_bufts``; it reads llama.cpp's default model parameters
    while constructing ``Llama``, so those defaults are swapped for that one call (under ``_load_lock``).
    """
    if not needed:
        yield
        return
    from llama_cpp import llama_cpp

    original = llama_cpp.llama_model_default_params

    def without_extras() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    llama_cpp.llama_model_default_params = without_extras
    try:
        yield
    finally:
        llama_cpp.llama_model_default_params = original


def _trained_context(path: Path, profile: ModelProfile) -> int:
    """The positions the model supports: its trained context, times the YaRN factor where the profile has one."""
    scaling = profile.rope_scaling or {}
    if scaling.get("rope_type") == "yarn":
        return int(scaling["original_max_position_embeddings"] * scaling["factor"])
    return read_gguf_header(path).context_length or DEFAULT_CONTEXT


def _cached_prefix(llama: Any, prompt_ids: list[int]) -> int:
    cached = list(llama._input_ids[: llama.n_tokens])
    shared = 0
    for a, b in zip(cached, prompt_ids, strict=False):
        if a != b:
            break
        shared += 1
    return shared


def _sampler_kwargs(sampling: Sampling) -> dict[str, Any]:
    if sampling.temperature <= 0:
        return {"temp": 0.0, "top_k": 1, "top_p": 1.0, "min_p": 0.0, "repeat_penalty": 1.0}
    return {
        "temp": sampling.temperature,
        "top_k": sampling.top_k if sampling.top_k > 0 else 0,  # llama.cpp: k <= 0 keeps the whole vocabulary
        "top_p": sampling.top_p,
        "min_p": sampling.min_p,
        "repeat_penalty": 1.0,
    }


def _token_text(llama: Any, token: int) -> str:
    if token < 0:
        return ""
    return bytes(llama.detokenize([token], special=True)).decode("utf-8", errors="replace")
