"""The ``loadlib`` command: one module per subcommand, each with ``add_parser(subparsers)``."""
