"""Watchlist matcher: surface forms -> canonical entity ids (baseline, regex based)."""

from __future__ import annotations

import re

from streams.nlp import EntityHit
from streams.watchlist import Watchlist


class WatchlistMatcher:
    """Case-insensitive, token-boundary-aware matching of names, aliases,
    @handles and #hashtags; ambiguous aliases need a context word."""

    def __init__(self, watchlist: Watchlist) -> None:
        self._forms: dict[str, str] = {}
        for ent in watchlist.entities:
            for form in ent.surface_forms():
                self._forms[form.lower()] = ent.id
        self._ambiguous = {
            amb.alias.lower(): (ent.id, [w.lower() for w in amb.require_any], [w.lower() for w in amb.exclude_any])
            for ent in watchlist.entities
            for amb in ent.ambiguous
        }
        for key in self._ambiguous:  # an ambiguous alias always needs its context
            self._forms.pop(key, None)
        alts = sorted({*self._forms, *self._ambiguous}, key=len, reverse=True)
        body = "|".join(re.escape(a) for a in alts) or r"(?!x)x"
        self._re = re.compile(rf"(?<![\w@#])(?:{body})(?!\w)", re.IGNORECASE)

    def match(self, text: str) -> list[EntityHit]:
        hits: dict[str, EntityHit] = {}
        lowered: str | None = None
        for m in self._re.finditer(text):
            surface = m.group(0)
            key = surface.lower()
            ent = self._forms.get(key)
            if ent is None:
                ent_id, require, exclude = self._ambiguous[key]
                lowered = lowered if lowered is not None else text.lower()
                if any(_has_word(lowered, w) for w in exclude):
                    continue
                if require and not any(_has_word(lowered, w) for w in require):
                    continue
                ent = ent_id
            if ent not in hits:
                hits[ent] = EntityHit(ent, surface, m.start(), m.end())
        return list(hits.values())


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None
