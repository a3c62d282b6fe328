"""A distillation teacher used as a sentence encoder, so that a static model can be scored against it.

The teacher is loaded exactly as ``embed distill`` loads it (folder, ``.gguf`` or cached hub id) and each
text is encoded by one forward pass, pooled like a sentence-transformer (mean over the text's tokens) or
like a decoder (its last token). It has the ``encode`` method that the index needs from an embedder, so
the same benchmark code scores it and the static models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

TeacherPooling = Literal["mean", "last"]
# Sentence-transformers cut all-MiniLM-L6-v2 at 256 tokens; longer inputs only cost time here.
MAX_TOKENS = 256


class TeacherEncoder:
    """Sentence embeddings from a transformer: mean- or last-token pooled final hidden states."""

    def __init__(
        self,
        spec: str,
        *,
        pooling: TeacherPooling = "mean",
        batch_size: int = 32,
        device: str = "cpu",
        dtype: str | None = None,
    ) -> None:
        from mcp_servers.embeddings.teachers import load_teacher

        self.spec = spec
        self.pooling = pooling
        self.batch_size = batch_size
        self.device = device
        teacher = load_teacher(spec, dtype=dtype)
        self.name = teacher.name
        self.model: Any = teacher.model.to(device)
        self.tokenizer: Any = teacher.tokenizer
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.tokenizer.padding_side = "right"  # last-token pooling reads each text's length
        self.model_id = f"teacher-{self.name}-{pooling}"
        self.dim = int(self.model.config.hidden_size)

    @property
    def vocabulary_size(self) -> int:
        return len(self.tokenizer.get_vocab())

    def memory_bytes(self) -> int:
        """Bytes of the loaded weights (what it takes to keep the encoder in memory)."""
        return int(sum(p.numel() * p.element_size() for p in self.model.parameters()))

    def disk_bytes(self) -> int:
        path = Path(self.spec).expanduser()
        if path.is_file():
            return path.stat().st_size
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0

    def encode(self, sentences: list[str], **_: Any) -> np.ndarray:
        import torch

        out: list[np.ndarray] = []
        with torch.inference_mode():
            for start in range(0, len(sentences), self.batch_size):
                batch = self.tokenizer(
                    sentences[start : start + self.batch_size],
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                ).to(self.device)
                states = self.model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
                if self.pooling == "mean":
                    pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1)
                else:
                    # Right padding: each text's last real token sits at its length - 1.
                    last = batch["attention_mask"].sum(1) - 1
                    pooled = states[torch.arange(states.shape[0]), last]
                out.append(pooled.cpu().numpy().astype(np.float32))
        return np.concatenate(out) if out else np.zeros((0, self.dim), dtype=np.float32)
