"""Where a distillation teacher runs: the device, its dtype, and whether it fits in memory before it loads.

A 9B teacher in float32 needs about 36 GB: learning that from an out-of-memory kill after minutes of
loading is the failure this module exists to prevent. The estimate is the teacher's parameter count (read
from its config on torch's ``meta`` device, so nothing is allocated) times the bytes of the dtype.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Literal

from mcp_servers.errors import JanagentError

Device = Literal["cpu", "cuda", "mps"]
DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
DTYPES = ("auto", *DTYPE_BYTES)
# Weights are not the whole cost: activations of a batch, the tokenizer and Python itself need room too.
HEADROOM = 1.2

# Hybrid (Mamba/SSM) model types, the kernel packages their fast path needs, and whether transformers'
# own PyTorch implementation (the slow path) runs without them.
_KERNELS: dict[str, tuple[tuple[str, ...], bool]] = {
    "nemotron_h": (("mamba_ssm", "causal_conv1d"), True),
    "mamba": (("mamba_ssm", "causal_conv1d"), True),
    "mamba2": (("mamba_ssm", "causal_conv1d"), True),
    "falcon_mamba": (("mamba_ssm", "causal_conv1d"), True),
    "falcon_h1": (("mamba_ssm", "causal_conv1d"), True),
    "bamba": (("mamba_ssm", "causal_conv1d"), True),
    "granitemoehybrid": (("mamba_ssm", "causal_conv1d"), True),
    "jamba": (("mamba_ssm", "causal_conv1d"), True),
    "zamba": (("mamba_ssm", "causal_conv1d"), True),
    "zamba2": (("mamba_ssm", "causal_conv1d"), True),
}


@dataclass(frozen=True)
class MemoryEstimate:
    """What loading a teacher will take on a device, and what that device has free."""

    parameters: int
    dtype: str
    device: str
    needed_bytes: int
    available_bytes: int | None

    @property
    def fits(self) -> bool:
        return self.available_bytes is None or self.needed_bytes <= self.available_bytes

    def describe(self) -> str:
        free = "unknown" if self.available_bytes is None else f"{self.available_bytes / 1e9:.1f} GB"
        return (
            f"{self.parameters / 1e9:.2f}B parameters x {DTYPE_BYTES[self.dtype]} bytes ({self.dtype}) = "
            f"{self.parameters * DTYPE_BYTES[self.dtype] / 1e9:.1f} GB of weights, about "
            f"{self.needed_bytes / 1e9:.1f} GB with headroom; {free} available on {self.device}"
        )


def _torch() -> Any:
    import torch

    return torch


def resolve_device(requested: str) -> Device:
    """``auto`` -> cuda, else mps, else cpu; an explicit device that is not there is a one-line error."""
    if requested not in DEVICES:
        raise JanagentError(f"--device must be one of {', '.join(DEVICES)} (got {requested!r})")
    torch = _torch()
    has_cuda = bool(torch.cuda.is_available())
    has_mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if requested == "auto":
        return "cuda" if has_cuda else "mps" if has_mps else "cpu"
    if requested == "cuda" and not has_cuda:
        raise JanagentError("--device cuda: torch sees no CUDA GPU here (a CPU-only torch build, or no driver)")
    if requested == "mps" and not has_mps:
        raise JanagentError("--device mps: torch sees no Apple GPU (MPS) here")
    return "cuda" if requested == "cuda" else "mps" if requested == "mps" else "cpu"


def resolve_dtype(requested: str, device: str) -> str:
    """``auto`` -> bfloat16 on a GPU that supports it, float16 on other GPUs, float32 on the CPU."""
    if requested not in DTYPES:
        raise JanagentError(f"--dtype must be one of {', '.join(DTYPES)} (got {requested!r})")
    if requested != "auto":
        return requested
    if device == "cuda":
        return "bfloat16" if _torch().cuda.is_bf16_supported() else "float16"
    return "float16" if device == "mps" else "float32"


def available_bytes(device: str) -> int | None:
    """Free memory where the weights will live: the GPU's free VRAM, else the RAM the OS can give."""
    if device == "cuda":
        free, _total = _torch().cuda.mem_get_info()
        return int(free)
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pages = os.sysconf("SC_AVPHYS_PAGES") if hasattr(os, "sysconf") else None
        return int(pages * os.sysconf("SC_PAGE_SIZE")) if pages else None


def estimate_memory(parameters: int, dtype: str, device: str, available: int | None = None) -> MemoryEstimate:
    """Parameters x dtype bytes (with ``HEADROOM``) against what ``device`` has free (measured unless given)."""
    needed = int(parameters * DTYPE_BYTES[dtype] * HEADROOM)
    free = available if available is not None else available_bytes(device)
    return MemoryEstimate(parameters, dtype, device, needed, free)


def check_fits(estimate: MemoryEstimate, *, gguf: bool = False) -> None:
    """Raise a one-line error, before anything loads, when the teacher cannot fit where it would run."""
    if estimate.fits:
        return
    hint = "use a smaller --dtype (bfloat16/float16)" if estimate.dtype == "float32" else "use a bigger GPU"
    if estimate.device == "cpu" and not gguf:
        hint += " or --device cuda"
    raise JanagentError(f"the teacher will not fit: {estimate.describe()} - {hint}")


def count_parameters(config: Any, *, trust_remote_code: bool = False) -> int:
    """Parameters of the model a config describes, built on torch's meta device (no memory is allocated)."""
    torch = _torch()
    from transformers import AutoModel

    with torch.device("meta"):
        model = AutoModel.from_config(config, trust_remote_code=trust_remote_code)
    return int(sum(p.numel() for p in model.parameters()))


def missing_kernels_note(config: Any) -> str | None:
    """One line when a hybrid Mamba teacher's kernel package is missing, saying whether it runs without it."""
    model_type = str(getattr(config, "model_type", "") or "")
    entry = _KERNELS.get(model_type)
    if entry is None:
        return None
    packages, slow_path_works = entry
    missing = [name for name in packages if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    names = ", ".join(name.replace("_", "-") for name in missing)
    if slow_path_works:
        return (
            f"{names} not installed: {model_type}'s Mamba layers run on transformers' PyTorch path "
            f"(works, but much slower; on CUDA `pip install {' '.join(n.replace('_', '-') for n in missing)}`)"
        )
    return f"{names} not installed: {model_type} has no PyTorch fallback here; install {names} first"


def loading_estimates(parameters: int, dtype: str, device: str, *, gguf: bool) -> list[MemoryEstimate]:
    """Every memory the load goes through: the weights are read into RAM first (a GGUF de-quantized to
    float32 whatever the dtype asked for), then moved to the GPU when one is used."""
    estimates = [estimate_memory(parameters, "float32" if gguf else dtype, "cpu")]
    if device != "cpu":
        estimates.append(estimate_memory(parameters, dtype, device))
    return estimates
