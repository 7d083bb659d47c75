"""The watchlist: entities repwatch tracks, their surface forms and owning team.

YAML layout (see ``streams/data/watchlist.yaml``)::

    version: 1
    entities:
      - id: amazon-kindle            # canonical id: [a-z0-9][a-z0-9._-]*
        name: Amazon Kindle
        team: comms-retail           # alert routing label
        aliases: [kindle, amazon kindle]
        handles: ["@amazonkindle"]
        hashtags: ["#kindle"]
        ambiguous:                   # aliases that need context to count
          - alias: amazon
            require_any: [kindle, order, prime, delivery]
            exclude_any: [rainforest, river]
        sensitivity: {multiplier: 1.0, min_negative: 5}

A malformed file raises :class:`WatchlistError` naming the entry and field.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from detectors.types import Sensitivity
from streams.errors import WatchlistError

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


class AmbiguousAlias(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    alias: str = Field(min_length=1)
    require_any: list[str] = Field(default_factory=list)
    exclude_any: list[str] = Field(default_factory=list)


class SensitivitySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    multiplier: float = Field(1.0, gt=0, le=10)
    min_negative: int | None = Field(None, ge=0)

    def to_detector(self) -> Sensitivity:
        return Sensitivity(multiplier=self.multiplier, min_negative=self.min_negative)


class WatchEntity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    team: str = Field("comms", min_length=1)
    kind: str = Field("brand", description="brand, product, person, org, handle or hashtag")
    aliases: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    ambiguous: list[AmbiguousAlias] = Field(default_factory=list)
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError("must match [a-z0-9][a-z0-9._-]* (lower case, max 128 chars)")
        return v

    @field_validator("handles")
    @classmethod
    def _handles(cls, v: list[str]) -> list[str]:
        for h in v:
            if not re.fullmatch(r"@?\w{1,64}", h):
                raise ValueError(f"{h!r} is not a handle like @name")
        return ["@" + h.lstrip("@") for h in v]

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, v: list[str]) -> list[str]:
        for h in v:
            if not re.fullmatch(r"#?\w{1,100}", h):
                raise ValueError(f"{h!r} is not a hashtag like #tag")
        return ["#" + h.lstrip("#") for h in v]

    def surface_forms(self) -> list[str]:
        """Unambiguous forms: the name, aliases, handles and hashtags."""
        return [self.name, *self.aliases, *self.handles, *self.hashtags]


class Watchlist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    entities: list[WatchEntity] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Watchlist:
        seen: set[str] = set()
        for i, e in enumerate(self.entities):
            if e.id in seen:
                raise ValueError(f"entities[{i}].id: duplicate id {e.id!r}")
            seen.add(e.id)
        return self

    def by_id(self) -> dict[str, WatchEntity]:
        return {e.id: e for e in self.entities}

    def fingerprint(self) -> str:
        """Short content hash, exported as the watchlist version in metrics."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]


def parse_watchlist(text: str, source: str = "<watchlist>") -> Watchlist:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WatchlistError(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WatchlistError(f"{source}: top level must be a mapping with 'entities:'")
    try:
        return Watchlist.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            ent = _entity_hint(data, err["loc"])
            problems.append(f"{loc}{ent}: {err['msg']}")
        raise WatchlistError(f"{source}: invalid watchlist:\n  " + "\n  ".join(problems)) from None


def _entity_hint(data: dict, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "entities" and isinstance(loc[1], int):
        try:
            ident = data["entities"][loc[1]].get("id")
        except (KeyError, IndexError, AttributeError, TypeError):
            return ""
        return f" (entity {ident!r})" if ident else ""
    return ""


def load_watchlist(path: Path | str) -> Watchlist:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WatchlistError(f"watchlist file {str(p)!r} not found (RRM_WATCHLIST)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WatchlistError(f"watchlist file {str(p)!r} cannot be read: {exc}") from None
    return parse_watchlist(text, source=str(p))
