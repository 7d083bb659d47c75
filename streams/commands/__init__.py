"""One module per ``repwatch`` subcommand; each exposes ``register(subparsers)``.

``register`` adds the subparser (with a helpful ``--help``) and sets
``func=run`` where ``run(args) -> int`` is the exit code.
"""

COMMANDS = [
    "broker",
    "worker",
    "produce",
    "scenario",
    "demo",
    "backtest",
    "evaluate",
    "sentiment",
    "entities",
]
