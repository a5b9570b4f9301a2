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
    """A refresh of the Hub could not finish."""
