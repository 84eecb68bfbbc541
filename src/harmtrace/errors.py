"""Every error harmtrace raises on purpose.

    HarmtraceError              base: the CLI prints its message and exits 1
    ├── InputError              a file cannot be imported at all (encoding, columns, empty)
    ├── MappingError            a mapping file is wrong; lists every problem at once
    ├── StoreError              no store at the path, not a store, a schema newer than this harmtrace,
    │   │                       or busy: another command holds it
    │   └── QueryFailed         DuckDB refused a statement: the statement and its tables are named
    └── QueryError              a figure was asked for with impossible filters

Row-level problems are not errors: those rows are quarantined with their reasons, and a faulty field
of an otherwise good row is set aside (`field_issue`).

A message names the parameters of the call that failed with `param`: a library user reads the
parameter (``category 'kids' is not one of ...``), the command line its flag (``--category``), as
the CLI words it (`HarmtraceError.worded`).
"""

import re
from collections.abc import Callable
from typing import Final

_MARK: Final = "\x00"  # no command line or file name holds it, and str.split() keeps it
_PARAM: Final = re.compile(f"{_MARK}([a-z][a-z0-9_]*){_MARK}")


def param(name: str) -> str:
    """`name`, a parameter of the call that failed, written into an error message: shown as `name`,
    or as the CLI's flag for it when the CLI words the message.

    >>> str(QueryError(f"{param('km')} must be 0 or more, got -1."))
    'km must be 0 or more, got -1.'
    >>> QueryError(f"{param('km')} must be 0 or more.").worded(lambda name: f"--{name}")
    '--km must be 0 or more.'
    """
    return f"{_MARK}{name}{_MARK}"


class HarmtraceError(Exception):
    """Base class: the message says what happened, where, and what to do."""

    def __str__(self) -> str:
        return self.worded(lambda name: name)

    def worded(self, flag: Callable[[str], str]) -> str:
        """The message with each parameter it names (`param`) written as `flag(name)`."""
        return _PARAM.sub(lambda found: flag(found[1]), super().__str__())


class InputError(HarmtraceError):
    """A whole input file cannot be imported; nothing was written."""


class MappingError(HarmtraceError):
    """A mapping file does not fit its input; `problems` lists all of them."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in mapping {where}:\n{lines}")


class StoreError(HarmtraceError):
    """The store file cannot be opened or upgraded."""


class QueryFailed(StoreError):
    """DuckDB refused a statement on the store (`harmtrace.store.failures`): `statement` is its start,
    `tables` the tables it reads or writes; the DuckDB error is the `__cause__`."""

    def __init__(self, message: str, statement: str, tables: tuple[str, ...]) -> None:
        self.statement = statement
        self.tables = tables
        super().__init__(message)


class QueryError(HarmtraceError):
    """A query's options contradict each other or name nothing known."""
