"""The `kerasgan` command line: list | info | train | sample | export | interpolate | invert |
mix | evaluate.

One module per command, each adding its parser (`add_parser(subparsers)`) and
its `run(args)`; they read the recipe registry and the model protocol, never
a family by name. TensorFlow is imported only by the commands that need it
(and then without its C++ start-up lines), so `kerasgan --help` answers at
once. Every failure is one line on stderr and exit status 2 (set
KERASGAN_DEBUG=1 for the traceback).
"""

import importlib
import os
import sys

from kerasgan.cli._common import CommandError, Parser, import_tensorflow

__all__ = ["COMMANDS", "CommandError", "build_parser", "main"]

# In the order of `kerasgan --help`.
COMMANDS = ("list", "info", "train", "sample", "export", "interpolate", "invert", "mix",
            "evaluate")


def _command(name):
    return importlib.import_module(f"kerasgan.cli.{name}")


def build_parser():
    """The `kerasgan` parser with every command's subparser (imports no TensorFlow)."""
    parser = Parser(
        prog="kerasgan",
        description="Train, sample and export generative adversarial networks with Keras 3.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        _command(name).add_parser(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    command = _command(args.command)
    try:
        if command.NEEDS_TENSORFLOW:
            import_tensorflow()
        return command.run(args)
    except KeyboardInterrupt:
        print(f"kerasgan {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # one line, never a traceback (unless debugging)
        if os.environ.get("KERASGAN_DEBUG"):
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"kerasgan {args.command}: error: {message}", file=sys.stderr)
        return 2
