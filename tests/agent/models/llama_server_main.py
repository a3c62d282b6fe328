"""llama-cpp-python's OpenAI-compatible server, loaded the way our in-process backend loads a GGUF.

Where llama.cpp was built with its AMX kernels, they crash on the first decode unless its extra weight buffers are off
(see agent.models.llamacpp_backend); the server builds its model at start-up, inside this context.
"""

from __future__ import annotations

import runpy

from agent.models.llamacpp_backend import build_has_amx, without_extra_buffers

if __name__ == "__main__":
    with without_extra_buffers(needed=build_has_amx()):
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
