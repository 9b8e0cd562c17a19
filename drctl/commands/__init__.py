"""One module per subcommand, each with `register(subparsers)`; cli.py lists them in COMMANDS."""
