"""One module per subcommand: each defines `register(subparsers)` and an ORDER for `drctl --help`.

drctl/cli.py discovers them; adding a command is adding a module here.
"""
