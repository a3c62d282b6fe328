"""In-process models with transformers: a hub id, a local folder, or a ``.gguf`` file.

Generation runs in a worker thread so the event loop stays responsive; the KV cache of one call is
reused by the next when its prompt extends the previous one (see ``prefix_cache``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.models.base import Message, Sampling, ToolSpec
from agent.models.hermes_prompt import to_hermes_messages
from agent.models.in_process import InProcessModel
from agent.models.messages import normalize_messages
from agent.models.prefix_cache import PrefixCache
from agent.models.profiles import DEFAULT, ModelProfile, apply_rope_scaling
from mcp_servers.errors import JanagentError, require
from mcp_servers.quiet_loading import quiet_transformers

# Tokens that end an assistant turn in the chat formats we meet (ChatML, Llama 3, plain EOS).
_END_OF_TURN_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>")
# When tools are offered, a model that starts writing the tool's answer itself has finished its turn.
_TOOL_STOP_STRINGS = ["<tool_response>"]
_PROBE_TOOL = "janagent_probe_tool"


class TransformersModel(InProcessModel):
    """A causal LM run in-process; ``load`` builds one from a folder, hub id or GGUF file."""

    def __init__(
        self,
        hf_model: Any,
        tokenizer: Any,
        *,
        name: str,
        profile: ModelProfile = DEFAULT,
        sampling: Sampling | None = None,
        reuse_cache: bool = True,
    ) -> None:
        self.hf_model = hf_model
        self.tokenizer = tokenizer
        self.name = name
        self.profile = profile
        self.calls_tools = profile.calls_tools
        self.default_sampling = sampling or profile.sampling
        self.prefix_cache = PrefixCache(enabled=reuse_cache)
        self.native_tools = _template_renders_tools(tokenizer)
        self.context_length = int(getattr(hf_model.config, "max_position_embeddings", 0) or 0) or None
        self._stop_ids = _stop_token_ids(hf_model, tokenizer)
        self._lock = threading.Lock()  # one generation at a time: the model and its cache are shared

    @classmethod
    def load(
        cls,
        source: str | Path,
        *,
        gguf_file: str | None = None,
        name: str | None = None,
        profile: ModelProfile = DEFAULT,
        device: str | None = None,
        dtype: str | None = None,
        local_files_only: bool = True,
        sampling: Sampling | None = None,
    ) -> TransformersModel:
        """Load tokenizer and weights from a folder or hub id; with ``gguf_file``, from that GGUF in it.

        A GGUF tokenizer is always read from the GGUF itself: written back with ``save_pretrained`` it
        decodes byte-level tokens wrongly.
        """
        torch = require("torch", "local")
        transformers = require("transformers", "local")
        device = choose_device(device, torch)
        torch_dtype = choose_dtype(device, dtype, torch)
        common: dict[str, Any] = {"local_files_only": local_files_only}
        if gguf_file:
            common["gguf_file"] = gguf_file
        # A user of `janagent ask` should see the agent's progress, not the loader's report and bars.
        with quiet_transformers(progress_bars=False):
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(source), **common)
            config = transformers.AutoConfig.from_pretrained(str(source), **common)
            apply_rope_scaling(config, profile)
            model_kwargs: dict[str, Any] = {**common, "config": config, "dtype": torch_dtype}
            if device == "cuda":
                model_kwargs["device_map"] = "auto"  # accelerate spreads large models over the GPUs
            hf_model = transformers.AutoModelForCausalLM.from_pretrained(str(source), **model_kwargs)
        if device != "cuda":
            hf_model.to(device)
        hf_model.eval()
        return cls(hf_model, tokenizer, name=name or str(source), profile=profile, sampling=sampling)

    def render_prompt(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        """The prompt text for ``messages`` and ``tools`` through the model's chat template."""
        normalized = normalize_messages(messages, arguments_as="dict")
        kwargs: dict[str, Any] = dict(self.profile.template_kwargs)
        if self.native_tools:
            if tools:
                kwargs["tools"] = tools
        else:
            normalized = to_hermes_messages(normalized, tools)
        return str(self.tokenizer.apply_chat_template(normalized, tokenize=False, add_generation_prompt=True, **kwargs))

    def encode_prompt(self, messages: list[Message], tools: list[ToolSpec]) -> list[int]:
        """Token ids of the rendered prompt (the template already wrote any BOS token)."""
        return list(self.tokenizer(self.render_prompt(messages, tools), add_special_tokens=False)["input_ids"])

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids, skip_special_tokens=True))

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
        """Blocking generation: the new token ids after ``prompt_ids`` (the end-of-turn token included)."""
        import torch

        with self._lock:
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)
            device = self.hf_model.device
            input_ids = torch.tensor([prompt_ids], dtype=torch.long, device=device)
            kwargs: dict[str, Any] = {
                "input_ids": input_ids,
                "attention_mask": torch.ones_like(input_ids),
                "generation_config": self._generation_config(sampling, max_new_tokens, with_tools),
            }
            cache = self.prefix_cache.take(prompt_ids)
            if cache is not None:
                kwargs["past_key_values"] = cache
            if stream is not None:
                kwargs["streamer"] = _CallbackStreamer(self.tokenizer, stream)
            if stop is not None:
                kwargs["stopping_criteria"] = _stop_criteria(stop)
            if with_tools:
                kwargs["tokenizer"] = self.tokenizer  # for the stop strings
            try:
                output = self.hf_model.generate(**kwargs)
            except BaseException:
                self.prefix_cache.clear()  # the cache may hold a half-finished step
                raise
            sequence = output.sequences[0].tolist()
            self.prefix_cache.store(output.past_key_values, sequence)
            return sequence[len(prompt_ids) :]

    def _generation_config(self, sampling: Sampling, max_new_tokens: int, with_tools: bool = False) -> Any:
        config = self.hf_model.generation_config.__class__.from_dict(self.hf_model.generation_config.to_dict())
        params: dict[str, Any] = {
            "max_new_tokens": max_new_tokens,
            "return_dict_in_generate": True,
            "stop_strings": _TOOL_STOP_STRINGS if with_tools else None,
            "eos_token_id": self._stop_ids or config.eos_token_id,
            "pad_token_id": config.pad_token_id if config.pad_token_id is not None else (self._stop_ids or [0])[0],
        }
        if sampling.temperature > 0:
            params.update(
                do_sample=True,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k or None,
                min_p=sampling.min_p or None,
            )
        else:
            # Greedy: clear the model's own sampling defaults so transformers does not warn about them.
            params.update(do_sample=False, temperature=None, top_p=None, top_k=None, min_p=None)
        config.update(**params)
        return config

    async def aclose(self) -> None:
        self.prefix_cache.clear()


def choose_device(device: str | None, torch: Any) -> str:
    """``cuda`` when a GPU is there, else ``mps`` on Apple silicon, else ``cpu``; an explicit choice wins."""
    if device and device != "auto":
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise JanagentError(f"--device {device} was asked for but torch sees no CUDA GPU; use --device cpu")
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def choose_dtype(device: str, dtype: str | None, torch: Any) -> Any:
    """bf16 on GPUs that support it (fp16 otherwise), float32 on CPU; an explicit name wins."""
    if dtype and dtype != "auto":
        value = getattr(torch, dtype, None)
        if not isinstance(value, torch.dtype):
            raise JanagentError(f"unknown dtype {dtype!r}; use float32, bfloat16 or float16")
        return value
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def _template_renders_tools(tokenizer: Any) -> bool:
    """True when the chat template writes tool specs into the prompt (it has a tool section)."""
    probe = [{"type": "function", "function": {"name": _PROBE_TOOL, "description": "probe", "parameters": {}}}]
    try:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": "hi"}], tools=probe, tokenize=False, add_generation_prompt=True
        )
    except Exception:  # a template that chokes on tools has no tool section
        return False
    return _PROBE_TOOL in str(text)


def _stop_token_ids(hf_model: Any, tokenizer: Any) -> list[int]:
    ids: list[int] = []
    configured = hf_model.generation_config.eos_token_id
    ids.extend(configured if isinstance(configured, list) else [configured] if configured is not None else [])
    vocab = tokenizer.get_vocab()
    ids.extend(vocab[token] for token in _END_OF_TURN_TOKENS if token in vocab)
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    return list(dict.fromkeys(int(i) for i in ids))


def _stop_criteria(stop: threading.Event) -> Any:
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _StopWhenSet(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([_StopWhenSet()])


class _CallbackStreamer:
    """A transformers streamer that passes finished text pieces to a callback (``""`` at the end)."""

    def __init__(self, tokenizer: Any, callback: Callable[[str], None]) -> None:
        from transformers import TextStreamer

        outer = callback

        class _Streamer(TextStreamer):
            def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
                if text:
                    outer(text)
                if stream_end:
                    outer("")

        self._streamer = _Streamer(tokenizer, skip_prompt=True, skip_special_tokens=True)

    def put(self, value: Any) -> None:
        self._streamer.put(value)

    def end(self) -> None:
        self._streamer.end()
