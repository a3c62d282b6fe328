"""Model backends behind one small interface: ``Model.generate(messages, tools, sampling)``."""

from agent.models.base import Message, Model, ModelResponse, Sampling, ToolCall, ToolSpec, Usage

__all__ = ["Message", "Model", "ModelResponse", "Sampling", "ToolCall", "ToolSpec", "Usage"]
