"""One exception tree for repwatch. Every error says what was wrong and what to do."""

from __future__ import annotations


class RepwatchError(Exception):
    """Base class of every error repwatch raises on purpose."""


class ConfigError(RepwatchError):
    """A setting or configuration file is invalid; the message names it."""


class WatchlistError(ConfigError):
    """The watchlist file is missing or malformed; the message names the entry and field."""


class BrokerError(RepwatchError):
    """The Kafka broker cannot be reached or started."""


class ScenarioError(RepwatchError):
    """Unknown scenario name or bad scenario parameters."""
