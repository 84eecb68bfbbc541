"""Every error harmtrace raises on purpose.

    HarmtraceError              base: the CLI prints its message and exits 1
    ├── InputError              a file cannot be imported at all (encoding, columns, empty)
    ├── MappingError            a mapping file is wrong; lists every problem at once
    ├── StoreError              no store at the path, not a store, a schema newer than this harmtrace,
    │                           or busy: another command holds it
    └── QueryError              a figure was asked for with impossible filters

Row-level problems are not errors: those rows are quarantined with their reasons, and a faulty field
of an otherwise good row is set aside (`field_issue`).
"""


class HarmtraceError(Exception):
    """Base class: the message says what happened, where, and what to do."""


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


class QueryError(HarmtraceError):
    """A query's options contradict each other or name nothing known."""
