"""Types shared by the index, the search backends and the search server."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchHit(BaseModel):
    """One search result as the model sees it."""

    title: str
    url: str | None = Field(default=None, description="Web URL, when the document has one")
    doc_id: str | None = Field(default=None, description="Document id in a local index")
    snippet: str = Field(description="The passage that matched, trimmed for a small model's context")
    score: float
    source: str = Field(default="local", description="Which backend produced the hit")

    @property
    def reference(self) -> str:
        """What an answer cites: the URL when there is one, else the document id."""
        return self.url or self.doc_id or self.title
