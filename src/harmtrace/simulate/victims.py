"""Simulated victim lists with known truth: overlapping, differently written lists of the same dead.

    from harmtrace.simulate import default_config, simulate_victims
    sim = simulate_victims(default_config(people=10_000, sources=3, seed=1))
    sim.lists["list_b"]          # a pyarrow Table: the list as the source would publish it
    sim.truth                    # source, record_id, person_id for every record of every list
    sim.capture_histories()      # people x sources, 0/1: the input of multiple systems estimation
    sim.record_classes           # source, record_id, class: each record's name classes
    sim.write("out/")            # CSV per list, a YAML mapping per list, truth.csv, people.csv ...

Every random draw comes from numpy streams seeded by `seed` (one per stage and per source), so one
seed gives the same files, byte for byte; adding a source leaves the people and the other lists as
they were. See docs/simulate.md for the model, the files and worked examples.

Population (`SimulationConfig`; defaults in brackets)
    people [10000]            number of people killed (listed or not: the true total)
    seed [0]                  seed of every random draw
    period_start [2011-03-15], period_end [2019-12-31]
                              dates of death are drawn in this period, most in 2012-2016
    family_share [0.3]        share of the dead killed together with relatives (same family and
                              father's names, same date, town and cause: the hard case for linkage)
    family_size_mean [3.5]    mean size of such a family group (2 + Poisson(mean - 2))
    child_share [0.22]        share of the dead under 18 (reached when family structure allows)
    single_male_share [0.85]  share of men among adults who die alone
    combatant_share [0.2]     share of combatants among adult men who die alone
    heterogeneity [0.8]       sd of each person's capture log-odds effect, shared by all sources
                              (0: every source captures at random within a governorate)
    family_correlation [0.7]  correlation of that effect between members of a family group
    mass_casualty_share [0]   share of the dead gathered into mass-casualty town-days of 20 or more
                              dead (`name_classes`)
    mass_casualty_size_mean [36]  mean dead of such a town-day (20 + exponential)
    common_name_boost [1]     common given names' weight among those dying alone on such a day, times
    sources [3 presets]       the lists, in order (`SourceStyle` below)

Source (`SourceStyle`): coverage
    name                      the list's name (file name and ingest source): list_a, list_b ...
    description [""]          free text
    coverage [0.5]            probability that the list records a person: its population-weighted
                              mean over governorates (presets: 0.6, 0.45, 0.35, 0.3, 0.25, 0.2)
    regional_spread [0.5]     sd (log-odds) of how coverage varies between governorates
    coverage_by_governorate [{}]  P-code -> probability, overriding the drawn regional values
    period_start, period_end [none]  the list records only deaths in this period
    depends_on [none], dependence [0]  log-odds added for people on the list `depends_on` (an
                              earlier source): > 0 lists copy each other, < 0 they split the work
Source: style
    script ["latin"]          "latin" or "arabic": the script of names, places and words
    columns                   field -> header of every column the list has; fields: record_id,
                              name, given_name, father_name, grandfather_name, family_name, sex,
                              age, sex_age (one cell "Adult - Male"), status, date, place, province,
                              cause
    name_parts ["given_father_family"]  which names it records: "full" (given, father, grandfather,
                              family), "given_father_family" or "given_family"
    spelling_consistency [0.85]  probability of writing a name or place in the source's own habitual
                              spelling; otherwise any real spelling, by weight
    articles [{"al-": 1}]     weights of the ways to write al- in Latin script: "al-", "Al-", "Al ",
                              "El-", "none", "glued" (Alhomsi), "assimilated" (ash-Shami)
    upper_case [false]        names in capitals
    sex_words [Male, Female]; status_words [Civilian, Non-civilian]; age_group_words [Child, Adult]
    cause_words [English words]  cause -> the source's word, for shelling, airstrike, shooting,
                              sniper, detention, execution, explosion, siege, chemical, clashes
    age_style ["years"]       "years", "range" ("30-39") or "group" (child / adult)
    date_format ["%Y-%m-%d"], month_format ["%Y-%m"]  how exact and month-only dates are written
    month_share [0.05]        share of records whose date is known only to the month
    place_level ["town"]      "town", "district" or "governorate": what the place column holds
    id_prefix [""]            record ids are prefix + number in file order (A-00001)
    encoding ["utf-8"]        "utf-8", "utf-8-sig" (with BOM, as Excel writes) or "cp1256"
Source: noise
    typo_rate [0.02]          per name part: probability of one typing error (replace, delete,
                              insert or swap a character, in the part's own script)
    date_shift_rate [0.05]    probability the date is off by 1 or 2 days
    missing_rate [0.03]       probability each of father_name, grandfather_name, sex, age, status,
                              date, place, province and cause is blank
    missing [{}]              per-field overrides of missing_rate
    duplicate_rate [0.02]     probability a listed person is listed a second time (another record,
                              written anew with its own noise)
    kunya_rate [0.005]        probability a man of 25 or more is listed as "Abu <son>" without his
                              father's and grandfather's names
    age_heaping [0.3]         probability an adult's age in years is rounded to a multiple of 5
Source: name classes (`name_writing`; all off by default, `config.with_name_classes(c, "realistic")`)
    transliteration [{"english": 1}]  weights of the spelling conventions of a Latin-script list, per
                              record: english, french, russian, turkish, chadian, central_asian
    dropped_part_rate [0]     a full-name cell drops the father's name ("given grandfather family")
    relational_rate [0]       share of adult women's and children's records written by a relation
                              ("Wife of ...", "Son of ...", "Umm ...", "Child of the X family")
    unidentified_rate [0]     a record is "Unidentified N" (N counting the list's unidentified)

The presets (`config.PRESETS`, used by `default_config` in turn): a Latin-script monitor (one name
cell, "Adult - Male"), an Arabic-script committee list (Arabic headers and words, four-part names,
BOM), a media compilation (first and last name, age ranges, US dates, governorate only), a hospital
register in capitals (district), a second Arabic list (Windows-1256, age group), and a Latin list
covering 2011-2015 only.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

from harmtrace.simulate import render
from harmtrace.simulate.capture import Captures, capture, in_period
from harmtrace.simulate.config import CAUSES, SimulationConfig, SourceStyle, default_config, dump_config
from harmtrace.simulate.name_classes import Relatives, mass_casualty_days, relatives
from harmtrace.simulate.name_writing import Context, write_classes
from harmtrace.simulate.population import ROLES, People, simulate_people
from harmtrace.simulate.spellings import Lexicon, lexicon
from harmtrace.simulate.syrian_places import GOVERNORATES

if TYPE_CHECKING:
    from harmtrace.ingest import ImportResult
    from harmtrace.store import Store

SEX_WORDS = ("male", "female")
STATUS_WORDS = ("civilian", "combatant")


@dataclass(frozen=True)
class Written:
    """The files of a simulation written to `folder`."""

    folder: Path
    lists: dict[str, Path]
    mappings: dict[str, Path]
    truth: Path
    people: Path
    config: Path
    summary: Path
    record_classes: Path


@dataclass(frozen=True)
class Simulation:
    """A simulated population, the lists that record part of it, and which record is whom.

    `people` has one row per person, listed or not; `lists` one table per source, columns headed as
    the source writes them; `truth` one row per record (source, record_id, person_id); `listed[s, i]`
    says whether source s lists person i; `target[s, g]` is the configured probability of source s
    listing someone who died in governorate g (GOVERNORATES order).
    """

    config: SimulationConfig
    people: pa.Table
    lists: dict[str, pa.Table]
    truth: pa.Table
    listed: np.ndarray
    target: np.ndarray
    duplicates: dict[str, int] = field(default_factory=dict)
    record_classes: pa.Table | None = None
    mass_casualty_day: np.ndarray | None = None

    def capture_histories(self) -> np.ndarray:
        """People x sources matrix of 0/1 (a person on no list has a row of zeros)."""
        return self.listed.T.astype(np.int8)

    def numpy(self, name: str) -> dict[str, np.ndarray]:
        """`people`, `truth` or a list by name as a dict of numpy arrays."""
        tables = {"people": self.people, "truth": self.truth, **self.lists}
        if name not in tables:
            raise KeyError(f"no table {name!r}; the tables are {', '.join(tables)}")
        table = tables[name]
        return {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}

    def mapping(self, source: str) -> dict[str, Any]:
        """The YAML mapping (as data) with which `harmtrace ingest victims` reads the list `source`."""
        return mapping_for(self._style(source), self.config.seed)

    def summary(self) -> list[dict[str, Any]]:
        """Per source: records, people listed, within-source duplicates, configured and realised coverage."""
        died_on = self.people.column("date_of_death").cast(pa.int32()).to_numpy()
        governorate = self.people.column("governorate_index").to_numpy()
        rows = []
        for s, style in enumerate(self.config.sources):
            inside = in_period(style, died_on)
            rows.append({
                "source": style.name,
                "script": style.script,
                "records": self.lists[style.name].num_rows,
                "people_listed": int(self.listed[s].sum()),
                "duplicates": self.duplicates[style.name],
                "coverage_configured": round(float(self.target[s][governorate[inside]].mean()), 4),
                "coverage_realised": round(float(self.listed[s][inside].mean()), 4),
            })  # fmt: skip
        return rows

    def write(self, folder: Path | str) -> Written:
        """Write every list (CSV) with its mapping (YAML), truth.csv, people.csv, simulation.yaml and
        summary.json into `folder` (created if needed)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        lists, mappings = {}, {}
        for style in self.config.sources:
            lists[style.name] = out / f"{style.name}.csv"
            lists[style.name].write_bytes(csv_bytes(self.lists[style.name], style.encoding))
            mappings[style.name] = out / f"{style.name}.yaml"
            mappings[style.name].write_text(mapping_yaml(self.mapping(style.name)), encoding="utf-8")
        names = ("truth.csv", "people.csv", "simulation.yaml", "summary.json", "record_classes.csv")
        written = Written(out, lists, mappings, *(out / name for name in names))
        written.truth.write_bytes(csv_bytes(self.truth, "utf-8"))
        if self.record_classes is not None:
            written.record_classes.write_bytes(csv_bytes(self.record_classes, "utf-8"))
        written.people.write_bytes(csv_bytes(self.people.drop_columns(["governorate_index"]), "utf-8"))
        written.config.write_text(dump_config(self.config), encoding="utf-8")
        summary = {"seed": self.config.seed, "people": self.config.people, "sources": self.summary()}
        written.summary.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return written

    def _style(self, source: str) -> SourceStyle:
        for style in self.config.sources:
            if style.name == source:
                return style
        raise KeyError(f"no source {source!r}; the sources are {', '.join(self.lists)}")


def simulate_victims(config: SimulationConfig | None = None) -> Simulation:
    """Simulate the people and every source's list (see the module docstring for the parameters)."""
    config = config or default_config()
    lex = lexicon()
    people = simulate_people(config, lex, np.random.default_rng([config.seed, 1]))
    people, mass_day = mass_casualty_days(config, people, lex)
    captures = capture(config, people, lex, config.seed)
    person_ids = _person_ids(len(people))
    known = Known(people, relatives(people, lex, config.seed), mass_day, captures, person_ids)
    lists, truths, classes, duplicates = {}, [], [], {}
    for s, style in enumerate(config.sources):
        table, truth, record_classes, n_duplicates = simulate_list(config.seed, s, style, known, lex)
        lists[style.name], duplicates[style.name] = table, n_duplicates
        truths.append(truth)
        classes.append(record_classes)
    return Simulation(
        config=config,
        people=people_table(people, captures, config, lex, person_ids),
        lists=lists,
        truth=pa.concat_tables(truths),
        listed=captures.listed,
        target=captures.target,
        duplicates=duplicates,
        record_classes=pa.concat_tables(classes),
        mass_casualty_day=mass_day,
    )


@dataclass(frozen=True)
class Known:
    """What every list draws from: the people, their relatives, mass-casualty days and captures."""

    people: People
    relatives: Relatives
    mass_day: np.ndarray
    captures: Captures
    person_ids: pa.Array


def simulate_list(
    seed: int, s: int, style: SourceStyle, known: Known, lex: Lexicon
) -> tuple[pa.Table, pa.Table, pa.Table, int]:
    """One source's list (columns as it writes them), its truth rows, its records' name classes, and
    its number of duplicates."""
    t = render.tables(lex, style.script)
    prefs = render.habits(t, np.random.default_rng([seed, 4, s]))
    rng = np.random.default_rng([seed, 3, s])
    person, duplicate = render.records_of(style, known.captures.listed[s], rng)
    fields, kunya = render.render(style, known.people, person, lex, prefs, rng)
    ctx = Context(
        style, known.people, known.relatives, person, lex, t, prefs, np.random.default_rng([seed, 9, s])
    )
    fields, classes = write_classes(ctx, fields, kunya, known.mass_day)
    table = pa.table({header: fields[f] for f, header in style.columns.items()})
    truth = pa.table({
        "source": pa.array([style.name] * len(person), pa.string()),
        "record_id": fields["record_id"],
        "person_id": known.person_ids.take(pa.array(person)),
    })  # fmt: skip
    return table, truth, classes.table(style.name, fields["record_id"]), int(duplicate.sum())


def _person_ids(n: int) -> pa.Array:
    return render.record_ids("P", n)


def people_table(
    people: People, captures: Captures, config: SimulationConfig, lex: Lexicon, person_ids: pa.Array
) -> pa.Table:
    """The truth about everyone: canonical names (Latin and Arabic), facts, and which lists have them."""
    governorate = lex.town_adm1[people.town]
    columns: dict[str, Any] = {
        "person_id": person_ids,
        "family_id": people.family_id,
        "role": pa.array(list(ROLES)).take(pa.array(people.role)),
        "sex": pa.array(list(SEX_WORDS)).take(pa.array(people.sex)),
        "age": people.age.astype(np.int32),
        "status": pa.array(list(STATUS_WORDS)).take(pa.array(people.combatant.astype(np.int8))),
        "date_of_death": pa.array(people.died_on).cast(pa.date32()),
        "governorate": pa.array([g.pcode for g in GOVERNORATES]).take(pa.array(governorate)),
        "governorate_index": governorate,
        "town": lex.town_latin.first().take(pa.array(people.town)),
        "town_ar": lex.town_arabic.first().take(pa.array(people.town)),
        "cause": pa.array(list(CAUSES)).take(pa.array(people.cause)),
        **_canonical_names(people, lex),
    }
    for s, style in enumerate(config.sources):
        columns[f"on_{style.name}"] = captures.listed[s]
    return pa.table(columns)


def _canonical_names(people: People, lex: Lexicon) -> dict[str, pa.Array]:
    given_latin, given_arabic = lex.given_latin.first(), lex.given_arabic.first()
    article = pc.if_else(pa.array(lex.family_article), pa.scalar("al-"), pa.scalar(""))
    family_latin = pc.binary_join_element_wise(article, lex.family_latin.first(), "")
    parts = {
        "given_name": given_latin.take(pa.array(people.given)),
        "father_name": given_latin.take(pa.array(people.father)),
        "grandfather_name": given_latin.take(pa.array(people.grandfather)),
        "family_name": family_latin.take(pa.array(people.family)),
    }
    arabic = [
        given_arabic.take(pa.array(items)) for items in (people.given, people.father, people.grandfather)
    ] + [lex.family_arabic.first().take(pa.array(people.family))]
    return {
        **parts,
        "name": pc.binary_join_element_wise(*parts.values(), " "),
        "name_ar": pc.binary_join_element_wise(*arabic, " "),
    }


# --- files -----------------------------------------------------------------------------------------------


def csv_bytes(table: pa.Table, encoding: str) -> bytes:
    """The table as CSV in `encoding` (blank cells for missing values)."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(quoting_style="needed"))
    data = buffer.getvalue()
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + data
    if encoding == "cp1256":
        return data.decode("utf-8").encode("cp1256")
    return data


def mapping_yaml(mapping: dict[str, Any]) -> str:
    return yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False, width=110)


def mapping_for(style: SourceStyle, seed: int) -> dict[str, Any]:
    """A `harmtrace ingest victims` mapping (docs/mapping.md) for a list written in `style`."""
    c, arabic = style.columns, style.script == "arabic"
    fields: dict[str, Any] = {"record_id": {"column": c["record_id"], "required": True}}
    if "name" in c:
        fields["name_ar" if arabic else "name"] = c["name"]
    fields.update({part: c[part] for part in ("given_name", "father_name", "grandfather_name", "family_name")
                   if part in c})  # fmt: skip
    if "sex" in c:
        fields["sex"] = {"column": c["sex"], "values": dict(zip(style.sex_words, SEX_WORDS, strict=True))}
    if "age" in c:
        fields.update(_age_fields(style, c["age"]))
    if "sex_age" in c:
        fields.update(_sex_age_fields(style, c["sex_age"]))
    if "status" in c:
        fields["status"] = {
            "column": c["status"],
            "values": dict(zip(style.status_words, STATUS_WORDS, strict=True)),
        }
    if "date" in c:
        fields["date"] = {"column": c["date"], "formats": [style.date_format, style.month_format]}
    if "place" in c:
        fields["place_of_death_ar" if arabic else "place_of_death"] = c["place"]
    if "province" in c:
        fields["province"] = c["province"]
    if "cause" in c:
        fields["cause"] = {"column": c["cause"], "values": {style.cause_words[k]: k for k in CAUSES}}
    source = {"name": style.name, "notes": f"simulated by harmtrace simulate victims (seed {seed}); "
              "invented people, not real victims"}  # fmt: skip
    return {"version": 1, "kind": "victims", "source": source, "fields": fields}


def _age_fields(style: SourceStyle, column: str) -> dict[str, Any]:
    if style.age_style == "group":
        words = dict(zip(style.age_group_words, ("child", "adult"), strict=True))
        return {"age_group": {"column": column, "values": words}}
    if style.age_style == "range":
        return {"age": {"column": column, "range_separator": "-"}}
    return {"age": column}


def _sex_age_fields(style: SourceStyle, column: str) -> dict[str, Any]:
    """Sex and age group both read from one cell ("Adult - Male", "Child", "Female")."""
    sex_of: dict[str, str] = {}
    group_of: dict[str, str] = {}
    for group, group_word in zip(("child", "adult", "unknown"), (*style.age_group_words, None), strict=True):
        for sex, sex_word in zip(("male", "female", "unknown"), (*style.sex_words, None), strict=True):
            label = " - ".join(w for w in (group_word, sex_word) if w)
            if label:
                sex_of[label], group_of[label] = sex, group
    return {"sex": {"column": column, "values": sex_of}, "age_group": {"column": column, "values": group_of}}


def import_lists(store: Store, written: Written) -> list[ImportResult]:
    """Import every written list into `store` as victim records, through its mapping."""
    from harmtrace.ingest import get_format, import_file

    return [
        import_file(store, get_format("victims", written.mappings[name]), path, source=name)
        for name, path in written.lists.items()
    ]


def simulate_victim_lists(
    folder: Path | str, *, people: int = 10_000, sources: int = 3, seed: int = 0
) -> Written:
    """Simulate `sources` victim lists of the same `people` dead (the default styles: a Latin-script
    monitor, an Arabic-script list, a media compilation) and write them to `folder` with one mapping
    each and the truth, for trying linkage and estimation where the true numbers are known."""
    return simulate_victims(default_config(people=people, sources=sources, seed=seed)).write(Path(folder))
