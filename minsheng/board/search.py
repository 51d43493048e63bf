"""Chinese full-text search behind one module (placeholder: substring match on the
jieba terms; replaced by FTS5 / tsvector in the search work)."""

from __future__ import annotations

from minsheng.insight.text import search_terms


def terms_for(title: str, body: str) -> str:
    return " " + " ".join(search_terms(f"{title} {body}")) + " "


def index(message) -> None:
    """Keep the engine's index current for ``message`` (no-op for the placeholder)."""


def filter_messages(queryset, query: str):
    for term in search_terms(query)[:8]:
        queryset = queryset.filter(search_text__contains=f" {term} ")
    return queryset
