"""Before a teacher loads: where it will run, in which dtype, how much memory that takes, what is missing."""

from __future__ import annotations

from collections.abc import Callable

from mcp_servers.embeddings.device import (
    check_fits,
    count_parameters,
    loading_estimates,
    missing_kernels_note,
    resolve_device,
    resolve_dtype,
)
from mcp_servers.embeddings.teachers import teacher_config
from mcp_servers.errors import JanagentError


def preflight(
    teacher: str, device: str, dtype: str, trust_remote_code: bool, say: Callable[[str], object]
) -> tuple[str, str]:
    """Resolve device and dtype, print the memory estimate and any missing kernel, refuse what cannot fit.

    Returns (device, dtype). Only the config is read here (on torch's meta device), so a teacher that
    cannot fit is refused in seconds instead of crashing after minutes of loading.
    """
    target_device = resolve_device(device)
    target_dtype = resolve_dtype(dtype, target_device)
    config = teacher_config(teacher, trust_remote_code=trust_remote_code)
    note = missing_kernels_note(config)
    if note is not None:
        say(note)
    try:
        parameters = count_parameters(config, trust_remote_code=trust_remote_code)
    except (ValueError, KeyError, TypeError, ImportError, JanagentError) as exc:
        say(f"memory estimate unavailable ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
        return target_device, target_dtype
    gguf = teacher.endswith(".gguf")
    estimates = loading_estimates(parameters, target_dtype, target_device, gguf=gguf)
    for estimate in estimates:
        say(f"memory estimate: {estimate.describe()}")
    for estimate in estimates:
        check_fits(estimate, gguf=gguf)
    return target_device, target_dtype
