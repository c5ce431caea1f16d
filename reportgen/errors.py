"""The errors reportgen raises on purpose.

A ``ReportgenError`` is an expected failure (bad input, bad config, a folder we must not
overwrite): the CLI prints its message as one line and exits with its ``exit_code``. Any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class ReportgenError(Exception):
    """Base of every error reportgen raises on purpose."""

    exit_code = 1


class ConfigError(ReportgenError):
    """The configuration (file, flags or API keywords) is invalid.

    ``problems`` holds every problem found, so that the user can fix them all at once.
    """

    exit_code = 2

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} problems: " + "; ".join(self.problems)
        super().__init__(message)


class InputError(ReportgenError):
    """An input file or array cannot be used as it is.

    The message is prefixed with what locates the problem: the file, then the place inside
    it. Text files are located by ``line`` (1-based, as an editor shows it) and ``column``
    (1-based, with its header name when there is one); arrays by ``row`` and ``column``
    (0-based, as numpy indexes them).
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        row: int | None = None,
        column: int | str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.row = row
        self.column = column
        self.detail = message
        where = []
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        prefix = ", ".join(where)
        if self.path and prefix:
            prefix = f"{self.path}: {prefix}"
        elif self.path:
            prefix = self.path
        super().__init__(f"{prefix}: {message}" if prefix else message)

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields: the default pickling (args only) would lose them, and a
        # shard read on a Dask worker comes back to the client pickled.
        return _input_error, (self.detail, self.path, self.line, self.row, self.column)


def _input_error(
    detail: str, path: str | None, line: int | None, row: int | None, column: int | str | None
) -> InputError:
    return InputError(detail, path=path, line=line, row=row, column=column)


class EngineError(ReportgenError):
    """The engine cannot run: dask is not installed, or its scheduler cannot be reached."""

    exit_code = 2


class AnalysisError(ReportgenError):
    """An analysis step cannot run with the data and parameters it was given."""

    exit_code = 1


class PublishError(ReportgenError):
    """The output cannot be written where it was asked to go."""

    exit_code = 2


class BudgetError(ReportgenError):
    """The site would not fit its budget (``--max-file-mb``, ``--max-site-mb``); nothing
    was written."""

    exit_code = 2
