"""Watchlist matcher: surface forms -> canonical entity ids.

How a text is matched (see ``docs/nlp-entities.md`` for the rules and their reasons):

1. URLs and e-mail addresses are blanked first, so ``joe@united.com`` or
   ``twitter.com/united`` never count as the handle ``@united``.
2. The lower-cased text is split into tokens: ``@handle``, ``#hashtag``, words
   (``\\w+``) and single punctuation characters. Every watchlist form is split the
   same way, so matching is on whole tokens: ``unitedhealth`` is not ``united``,
   ``Apple's`` is ``apple`` + ``'`` + ``s``.
3. At each token the longest form starting there wins (``united airlines`` beats
   ``united``); a match consumes its tokens.
4. Ambiguous aliases (the watchlist's ``ambiguous`` entries) count only if some
   ``require_any`` word/phrase is in the text and no ``exclude_any`` one is.
   Words inside hashtags (``#iphone``, ``#AppleEvent``'s segments) are context too.
5. Hashtags: a declared ``#tag`` matches exactly; otherwise the hashtag body is
   tried as (a) a squashed name/alias (``#teslamotors``), (b) its CamelCase
   segments matched like words (``#TeslaFail``, ``#UnitedBreaksGuitars`` -> ``united``,
   ambiguous, needs context), (c) containing a squashed multi-word name/alias of
   >= 8 letters anywhere (``#boycottunitedairlines``), (d) starting or ending with a
   one-word name/alias of >= ``affix_min`` letters (``#starbucksfail``). Ambiguous
   aliases are never matched by (c)/(d): ``#applepie`` is not Apple.
6. Handles: a declared ``@handle`` matches exactly; an undeclared handle whose
   body equals a squashed name/alias (``@teslamotors``) matches too.

One hit per distinct entity, in text order: the first occurrence gives the surface and offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from streams.nlp import EntityHit
from streams.watchlist import Watchlist

_MASK_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN_RE = re.compile(r"(?<!\w)[@#]\w+|\w+|[^\w\s]")
_CAMEL_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SQUASH_RE = re.compile(r"[^\w]|_")

MULTI_MIN = 8  # squashed multi-word form contained anywhere in a hashtag
AFFIX_MIN = 6  # one-word form at the start/end of a hashtag


def form_tokens(form: str) -> tuple[str, ...]:
    """Token key of a watchlist form (same tokenisation as texts)."""
    return tuple(_TOKEN_RE.findall(form.lower()))


def squash(form: str) -> str:
    return _SQUASH_RE.sub("", form.lower())


@dataclass(slots=True)
class _Rule:
    entity_id: str
    require: tuple[tuple[str, ...], ...]
    exclude: tuple[tuple[str, ...], ...]


@dataclass(slots=True)
class _Index:
    exact: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)  # key -> entity ids
    ambiguous: dict[tuple[str, ...], list[_Rule]] = field(default_factory=dict)
    first_lens: dict[str, tuple[int, ...]] = field(default_factory=dict)  # first token -> key lengths, desc
    squashed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # names/aliases, squashed
    multi: dict[str, tuple[str, ...]] = field(default_factory=dict)  # squashed multi-word, len >= MULTI_MIN
    affix: dict[str, tuple[str, ...]] = field(default_factory=dict)  # one-word, len >= affix_min
    ambiguous_squashed: set[str] = field(default_factory=set)
    multi_lens: tuple[int, ...] = ()
    affix_lens: tuple[int, ...] = ()


def _add(d: dict, key, ent_id: str) -> None:
    cur = d.get(key, ())
    if ent_id not in cur:
        d[key] = (*cur, ent_id)


class WatchlistMatcher:
    """Case-insensitive, token-boundary-aware matching of names, aliases,
    @handles and #hashtags; ambiguous aliases need a context word."""

    def __init__(self, watchlist: Watchlist, affix_min: int = AFFIX_MIN) -> None:
        ix = _Index()
        amb_keys = {form_tokens(a.alias) for e in watchlist.entities for a in e.ambiguous}
        for ent in watchlist.entities:
            for amb in ent.ambiguous:
                key = form_tokens(amb.alias)
                if not key:
                    continue
                rule = _Rule(
                    ent.id,
                    tuple(k for k in (form_tokens(w) for w in amb.require_any) if k),
                    tuple(k for k in (form_tokens(w) for w in amb.exclude_any) if k),
                )
                ix.ambiguous.setdefault(key, []).append(rule)
                ix.ambiguous_squashed.add(squash(amb.alias))
            for form in ent.surface_forms():
                key = form_tokens(form)
                if not key or key in amb_keys:  # an ambiguous alias always needs its context
                    continue
                _add(ix.exact, key, ent.id)
            for form in (ent.name, *ent.aliases):
                key = form_tokens(form)
                if not key or key in amb_keys:
                    continue
                sq = squash(form)
                if len(sq) < 3:
                    continue
                _add(ix.squashed, sq, ent.id)
                words = [t for t in key if t[0].isalnum()]
                if len(words) >= 2 and len(sq) >= MULTI_MIN:
                    _add(ix.multi, sq, ent.id)
                elif len(words) == 1 and affix_min and len(sq) >= affix_min:
                    _add(ix.affix, sq, ent.id)
        lens: dict[str, set[int]] = {}
        for key in (*ix.exact, *ix.ambiguous):
            lens.setdefault(key[0], set()).add(len(key))
        ix.first_lens = {k: tuple(sorted(v, reverse=True)) for k, v in lens.items()}
        ix.multi_lens = tuple(sorted({len(k) for k in ix.multi}, reverse=True))
        ix.affix_lens = tuple(sorted({len(k) for k in ix.affix}, reverse=True))
        self._ix = ix

    # ------------------------------------------------------------------ matching

    def match(self, text: str) -> list[EntityHit]:
        ix = self._ix
        lowered = text.lower()
        if len(lowered) != len(text):  # rare Unicode case changes length: keep offsets exact
            lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
        if "@" in lowered or "://" in lowered or "www." in lowered:
            lowered = _MASK_RE.sub(lambda m: " " * (m.end() - m.start()), lowered)
        spans = [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(lowered)]
        toks = [s[0] for s in spans]
        n = len(toks)
        hits: dict[str, EntityHit] = {}
        pending: list[tuple[tuple[str, ...], int, int]] = []  # ambiguous: key, start, end (chars)
        i = 0
        while i < n:
            tok = toks[i]
            lens = ix.first_lens.get(tok)
            matched = 0
            if lens:
                for ln in lens:
                    if i + ln > n:
                        continue
                    key = tuple(toks[i : i + ln]) if ln > 1 else (tok,)
                    ents = ix.exact.get(key)
                    if ents:
                        start, end = spans[i][1], spans[i + ln - 1][2]
                        for e in ents:
                            if e not in hits:
                                hits[e] = EntityHit(e, text[start:end], start, end)
                        matched = ln
                        break
                    if key in ix.ambiguous:
                        pending.append((key, spans[i][1], spans[i + ln - 1][2]))
                        matched = ln
                        break
            if not matched and len(tok) > 1 and tok[0] in "#@":
                self._tag(text, tok, spans[i][1], spans[i][2], hits, pending)
            i += matched or 1
        if pending:
            self._resolve(text, toks, spans, hits, pending)
            return sorted(hits.values(), key=lambda h: h.start)
        return list(hits.values())

    def _tag(
        self, text: str, tok: str, start: int, end: int, hits: dict[str, EntityHit], pending: list
    ) -> None:
        """An undeclared #hashtag or @handle (declared ones matched as exact forms)."""
        ix = self._ix
        body = tok[1:]
        ents = ix.squashed.get(body)
        if ents:
            for e in ents:
                hits.setdefault(e, EntityHit(e, text[start:end], start, end))
            return
        if tok[0] == "@":
            return
        if (body,) in ix.ambiguous:
            pending.append(((body,), start, end))
            return
        # CamelCase segments, matched like words
        segs = [s.lower() for s in _CAMEL_RE.findall(text[start + 1 : end])]
        found = False
        if len(segs) >= 2:
            j = 0
            while j < len(segs):
                lens = ix.first_lens.get(segs[j], ())
                step = 1
                for ln in lens:
                    key = tuple(segs[j : j + ln])
                    if len(key) != ln:
                        continue
                    ents = ix.exact.get(key)
                    if ents:
                        for e in ents:
                            hits.setdefault(e, EntityHit(e, text[start:end], start, end))
                        found, step = True, ln
                        break
                    if key in ix.ambiguous:
                        pending.append((key, start, end))
                        found, step = True, ln
                        break
                j += step
        if found:
            return
        blen = len(body)
        for ln in ix.multi_lens:  # squashed multi-word names anywhere in the tag
            if ln > blen:
                continue
            for k in range(blen - ln + 1):
                ents = ix.multi.get(body[k : k + ln])
                if ents:
                    for e in ents:
                        hits.setdefault(e, EntityHit(e, text[start:end], start, end))
                    return
        for ln in ix.affix_lens:  # one-word names at the start or end of the tag
            if ln >= blen:
                continue
            for piece in (body[:ln], body[-ln:]):
                ents = ix.affix.get(piece)
                if ents:
                    for e in ents:
                        hits.setdefault(e, EntityHit(e, text[start:end], start, end))
                    return

    def _resolve(
        self, text: str, toks: list[str], spans: list, hits: dict[str, EntityHit], pending: list
    ) -> None:
        """Keep ambiguous aliases whose entity's context rule is met."""
        words = set(toks)
        for tok, (_, s, e) in zip(toks, spans, strict=True):
            if len(tok) > 1 and tok[0] in "#@":
                words.add(tok[1:])
                words.update(seg.lower() for seg in _CAMEL_RE.findall(text[s + 1 : e]))
        joined = " " + " ".join(toks) + " "

        def present(phrase: tuple[str, ...]) -> bool:
            if len(phrase) == 1:
                return phrase[0] in words
            return (" " + " ".join(phrase) + " ") in joined

        ix = self._ix
        for key, start, end in pending:
            for rule in ix.ambiguous[key]:
                prev = hits.get(rule.entity_id)
                if prev is not None and prev.start <= start:
                    continue
                if any(present(p) for p in rule.exclude):
                    continue
                if rule.require and not any(present(p) for p in rule.require):
                    continue
                hits[rule.entity_id] = EntityHit(rule.entity_id, text[start:end], start, end)
