"""repwatch streaming application: Faust agents, schemas, settings, CLI."""

__version__ = "0.1.0"
