"""The ``hubshare`` command.

Errors print one line on stderr: exit 1 for bad data, 2 for bad usage or a bad claim file, 130 when interrupted.
``--debug`` shows the traceback instead. The grammar is in ``cli.parser``, the commands in
``cli.commands``, what they print in ``cli.output``.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence

from ..errors import ClaimFileError, HubshareError
from .parser import build_parser
from .parsing import ATTRIBUTION_HELP, UsageError

__all__ = ["ATTRIBUTION_HELP", "UsageError", "build_parser", "main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (``argv`` without the program name); its exit code. Errors are one line on stderr:
    2 for bad usage or a bad claim file, 1 for bad data, 130 when interrupted."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:  # anywhere on the line, before or after the command
        argv = ["--debug", *(a for a in argv if a != "--debug")]
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except (UsageError, ClaimFileError) as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except HubshareError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    """The ``hubshare`` program: ``main`` on the process's arguments, then exit with its code."""
    # No command multiplies matrices: one OpenBLAS thread is all NumPy needs, and starting fewer
    # saves a hundredth of a second. Set before NumPy is imported (no command has imported it yet).
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = main()
    # Nothing made by the command needs a garbage collection now; without this, the interpreter's
    # last full collection over everything pandas and Arrow loaded costs a fifth of a second.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
