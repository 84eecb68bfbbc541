"""Actors: one canonical name per armed actor, whatever name or script a source uses for it.

Sources name one actor many ways ("Russia", "Russian Military", "Russian warplanes", "الطيران الروسي";
UCDP's "Government of Syria", VDC's "Syrian government and affiliated militias"). The actor table maps
each known name to its actor: the table shipped with harmtrace (``vocabularies/actors.yaml`` beside
this module, which documents its judgements), extended or overridden by a user's file of the same
layout (``--actors FILE``). A name not in the table is kept as written: an unknown actor is never guessed.

Names match by `actor_key`: lower case, spaces collapsed, Arabic letter variants folded. The SQL twin
`actor_key_sql` folds the same way, so a DuckDB join on keys agrees with `ActorTable.canonical`:

    table = load_actors()
    register_actor_aliases(con, table)          # a relation actor_alias(alias_key, actor)
    con.execute(f"SELECT coalesce(a.actor, trim(r.name)) FROM r LEFT JOIN actor_alias a "
                f"ON a.alias_key = {actor_key_sql('r.name')}")

`ActorTable.canonical_sql` does the same inline (a MAP literal), for one name or, with
`canonical_list_sql`, for a list column such as ``report.perpetrators``.

The file's ``sides:`` section names the actors that fought on one side (Russia with the Syrian
government; the US-led coalition with the SDF): `ActorTable.sides_sql` gives the sides of a list of
actors, which incident linkage compares (a source coding a strike to one actor, another to its ally).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import yaml

from harmtrace.errors import InputError
from harmtrace.vocabulary import path_of

SHIPPED: Final = path_of("actors")
# Arabic letters folded before comparison (hamza forms of alif, alif maqsura, ta marbuta)
_FOLD_FROM: Final = "أإآٱىة"
_FOLD_TO: Final = "ااااي" + "ه"


def actor_key(name: str) -> str:
    """The matching key of an actor name.

    >>> actor_key("  Russian   Military "), actor_key("الطيران الروسى")
    ('russian military', 'الطيران الروسي')
    """
    folded = name.lower().translate(str.maketrans(_FOLD_FROM, _FOLD_TO))
    return " ".join(folded.split())


def actor_key_sql(expr: str) -> str:
    """SQL folding `expr` exactly as `actor_key` does."""
    folded = f"translate(lower({expr}), '{_FOLD_FROM}', '{_FOLD_TO}')"
    return f"trim(regexp_replace({folded}, '\\s+', ' ', 'g'))"


@dataclass(frozen=True)
class ActorTable:
    """Canonical actor per name key; `origins` says which file each key came from."""

    actors: Mapping[str, str]  # alias key -> canonical name
    origins: Mapping[str, str]  # alias key -> file the entry came from
    sides: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # actor -> sides it fought on

    def canonical(self, name: str) -> str:
        """The actor `name` stands for; a name not in the table is kept as written (trimmed)."""
        return self.actors.get(actor_key(name), name.strip())

    def canonical_list(self, names: Iterable[str]) -> list[str]:
        """Canonical names of `names`, each once, in the order first named."""
        return list(dict.fromkeys(self.canonical(n) for n in names if n.strip()))

    def knows(self, name: str) -> bool:
        return actor_key(name) in self.actors

    def aliases(self, actor: str) -> list[str]:
        """The name keys that stand for `actor` (its own key included)."""
        return sorted({k for k, a in self.actors.items() if a == actor} | {actor_key(actor)})

    def rows(self) -> list[dict[str, str]]:
        return [
            {"alias_key": k, "actor": a, "origin": self.origins[k]} for k, a in sorted(self.actors.items())
        ]

    def canonical_sql(self, expr: str) -> str:
        """SQL of the actor the name `expr` stands for (kept as written, trimmed, when unknown)."""
        return f"coalesce({self._map_sql()}[{actor_key_sql(expr)}], trim({expr}))"

    def canonical_list_sql(self, expr: str) -> str:
        """SQL of the distinct actors of the name list `expr` (in no particular order: sort to compare)."""
        return f"list_distinct(list_transform({expr}, lambda n: {self.canonical_sql('n')}))"

    def sides_sql(self, actors: str) -> str:
        """SQL: the distinct sides (the file's ``sides:``) of the canonical actor list `actors`, sorted;
        NULL when none of them is on a side."""
        if not self.sides:
            return "CAST(NULL AS VARCHAR[])"
        entries = ", ".join(f"{_lit(a)}: [{', '.join(map(_lit, s))}]" for a, s in sorted(self.sides.items()))
        found = (
            f"list_distinct(flatten(list_transform({actors}, "
            f"lambda a: coalesce(MAP {{{entries}}}[a], []::VARCHAR[]))))"
        )
        return f"CASE WHEN len({found}) > 0 THEN list_sort({found}) END"

    def _map_sql(self) -> str:
        if not self.actors:
            return "MAP {}::MAP(VARCHAR, VARCHAR)"
        entries = ", ".join(f"{_lit(k)}: {_lit(a)}" for k, a in sorted(self.actors.items()))
        return f"MAP {{{entries}}}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_actors(extra: Path | None = None) -> ActorTable:
    """The shipped actor table, extended (and, for names it repeats, overridden) by the file `extra`."""
    actors: dict[str, str] = {}
    origins: dict[str, str] = {}
    sides: dict[str, tuple[str, ...]] = {}
    for path in (SHIPPED, *([extra] if extra else [])):
        data = _load(path)
        for key, actor in _read(path, data).items():
            actors[key] = actor
            origins[key] = path.name
        sides.update(_sides(path, data))
    return ActorTable(actors, origins, sides)


def _load(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"Actor file {path} does not exist. Give a YAML file like {SHIPPED.name}.")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"Actor file {path} is not valid YAML: {exc}") from exc


def _sides(path: Path, data: Any) -> dict[str, tuple[str, ...]]:
    """Actor -> the sides the file's ``sides:`` (side -> list of canonical actors) puts it on; a file
    naming sides replaces the sides of the actors it lists."""
    table = data.get("sides") if isinstance(data, dict) else None
    if table is None:
        return {}
    if not isinstance(table, dict) or not all(isinstance(v, list) for v in table.values()):
        raise InputError(f"Actor file {path}: 'sides:' must map each side to a list of actors.")
    found: dict[str, list[str]] = {}
    for side, members in table.items():
        for actor in members:
            found.setdefault(str(actor).strip(), []).append(str(side).strip())
    return {actor: tuple(sorted(s)) for actor, s in found.items()}


def _read(path: Path, data: Any) -> dict[str, str]:
    """Alias key -> actor of one actor file; every canonical name is an alias of itself."""
    table = data.get("actors") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise InputError(
            f"Actor file {path}: expected a mapping 'actors:' of canonical name -> list of names "
            f"(see {SHIPPED.name})."
        )
    found: dict[str, str] = {}
    for actor, names in table.items():
        if not isinstance(actor, str) or not isinstance(names, list | type(None)):
            raise InputError(f"Actor file {path}: actor {actor!r} must be a name with a list of names.")
        for name in [actor, *(names or [])]:
            found[actor_key(str(name))] = actor.strip()
    return found


def from_rows(rows: Iterable[Mapping[str, Any]]) -> ActorTable:
    """An actor table from stored rows (alias_key, actor, origin)."""
    listed = list(rows)
    return ActorTable(
        {r["alias_key"]: r["actor"] for r in listed}, {r["alias_key"]: r["origin"] for r in listed}
    )


def register_actor_aliases(con: Any, table: ActorTable, name: str = "actor_alias") -> None:
    """Register `table` on the DuckDB connection `con` as the relation `name`(alias_key, actor, origin).

    A registered relation needs no write access (it works on a read-only store) and lives as long as the
    connection or until ``con.unregister(name)``.
    """
    rows = table.rows()
    schema = pa.schema([("alias_key", pa.string()), ("actor", pa.string()), ("origin", pa.string())])
    con.register(name, pa.Table.from_pylist(rows, schema=schema))
