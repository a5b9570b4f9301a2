"""The command line's grammar: ``build_parser`` and the argument types that refuse bad values as
bad usage (exit 2)."""

from __future__ import annotations

import argparse
import re

from .. import times
from ..errors import HubshareError

EPILOG = """examples:
  hubshare claims                               the shipped claims judged on published figures
  hubshare claims --file my-claim.toml --snapshots data/snapshots
  hubshare claims --snapshot data/snapshots/2026-05-16-trending-sample --json
  hubshare shares --snapshot SNAP --universe llm --attribution lineage
  hubshare classify deepseek-ai/DeepSeek-R1-Distill-Qwen-7B unsloth/Qwen3-8B-GGUF
  hubshare validate data/snapshots/2026-05-16-trending-sample
  hubshare refresh --author Qwen --top 1000 --label 2026-12-01
  hubshare import hub-stats --date 2026-02-01
  hubshare months --from 2026-01 --to 2026-03 --universe atom --by org
  hubshare reproduce --file data/claims/03-153-million.toml   (network: imports the census days the claim's month needs)
  hubshare diff data/snapshots/2026-11-01 data/snapshots/2026-12-01 --by family
"""


ATTRIBUTION_HELP = "to the uploader's organisation (ATOM's own rule), or to the family its lineage leads to (default: uploader)"
"""Every command that attributes downloads defaults to the uploader, and says so."""


class UsageError(HubshareError):
    """Bad command-line usage (exit 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2, as every other error."""

    def error(self, message: str) -> None:
        """Raise ``UsageError``: one line, exit 2, like every other error."""
        raise UsageError(f"{self.prog}: {message} (see --help)")


def day_argument(text: str) -> str:
    """A date ``YYYY-MM-DD`` as a command-line value: a bad one is bad usage (exit 2), as a bad month is."""
    import datetime

    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD")
    return text


def month_argument(text: str) -> str:
    """A month ``YYYY-MM`` as a command-line value: a bad one is bad usage (exit 2)."""
    try:
        times.month_start(text)
    except HubshareError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def hours_argument(text: str) -> float:
    """A number of hours above 0 and at most 31 days, as a command-line value."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 < value <= 24 * 31:
        raise argparse.ArgumentTypeError(f"{text} h: give a number of hours above 0 and at most 744")
    return value
