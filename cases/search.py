"""Full-text search that finds Chinese words of two characters as well as English words.

PostgreSQL's default parser does not segment Chinese, so text is indexed as bigrams of CJK runs plus
lower-cased Latin words, stored in `search_tokens` and indexed by a GIN index on
to_tsvector('simple', search_tokens) (migration 0002). A query becomes the AND of its bigrams, which
the index answers without scanning the table.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-zA-Z]+")


def _cjk_tokens(text: str) -> list[str]:
    tokens = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def _word_tokens(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def tokens_for(*texts: str) -> str:
    seen: dict[str, None] = {}
    for text in texts:
        for token in _cjk_tokens(text or "") + _word_tokens(text or ""):
            seen.setdefault(token, None)
    return " ".join(seen)


def tsquery_for(query: str) -> str:
    """'应急物资 bid' -> '应急 & 急物 & 物资 & bid:*'; a single CJK character matches as a prefix."""
    parts = []
    for run in _CJK_RUN.findall(query):
        if len(run) == 1:
            parts.append(f"{run}:*")
        else:
            parts.extend(run[i : i + 2] for i in range(len(run) - 1))
    parts.extend(f"{word.lower()}:*" for word in _WORD.findall(query))
    return " & ".join(dict.fromkeys(parts))


def search_reports(queryset: QuerySet, query: str) -> QuerySet:
    query = (query or "").strip()
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        raw = tsquery_for(query)
        if not raw:
            return queryset.none()
        return queryset.alias(search=SearchVector("search_tokens", config="simple")).filter(
            search=SearchQuery(raw, search_type="raw", config="simple")
        )
    # The embedded SQLite default has no text index; a substring match is right at its scale.
    return queryset.filter(Q(summary__icontains=query) | Q(allegations__text__icontains=query)).distinct()
