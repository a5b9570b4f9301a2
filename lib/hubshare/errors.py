"""Errors the command line turns into one readable line and exit status 1."""


class HubshareError(Exception):
    """Base of every error caused by data or input rather than by a bug."""


class SnapshotError(HubshareError):
    """A snapshot folder is missing, unreadable, or breaks the schema.

    ``problems`` lists every problem found; the message joins them.
    """

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class ReferenceDataError(HubshareError):
    """A shipped reference table (families, published figures) is malformed."""


class DefinitionError(HubshareError):
    """A Definition cannot be applied to the data given (unknown preset, missing metric)."""


class RefreshError(HubshareError):
    """A refresh of the Hub could not finish.

    ``resumable`` is true when completed pages are kept and ``--resume`` can continue.
    """

    def __init__(self, message: str, resumable: bool = False):
        super().__init__(message)
        self.resumable = resumable


class CensusError(HubshareError):
    """A census day could not be found, downloaded or converted."""


class ClaimFileError(HubshareError):
    """A claim file is missing a key, has a wrong type, an unknown name or a period that does not
    parse; the message names the file, the key and what is allowed (exit 2)."""


class HistoryError(HubshareError):
    """A folder of snapshots cannot give what was asked of it (months, cumulative counts)."""


class NotMeasurable(HistoryError):
    """What a claim needs is not in the history (a month without both boundaries, no census at a
    moment, no such counts); the message says why, starting ``not measurable:``."""
