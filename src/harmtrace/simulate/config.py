"""What a simulation is made of: the population's parameters and one style per source (list).

Both are typed, serialisable objects (pydantic): `simulation.yaml`, written beside every simulated
list, loads back into an equal `SimulationConfig`, so any simulation can be repeated exactly. Every
parameter and its default is described in `harmtrace.simulate.victims` and docs/simulate.md.
"""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harmtrace.choices import NAME_CLASSES
from harmtrace.errors import InputError
from harmtrace.simulate.syrian_places import GOVERNORATES

# What a person died of, as the simulator knows it; each source words these its own way.
CAUSES: Final = (
    "shelling",
    "airstrike",
    "shooting",
    "sniper",
    "detention",
    "execution",
    "explosion",
    "siege",
    "chemical",
    "clashes",
)
# The columns a source may have; `columns` maps each it has to its header.
COLUMN_FIELDS: Final = (
    "record_id",
    "name",
    "given_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "sex",
    "age",
    "sex_age",
    "status",
    "date",
    "place",
    "province",
    "cause",
)
# Fields that `missing_rate` (and `missing`) blank at random; the name and record id never are.
MISSABLE: Final = (
    "father_name",
    "grandfather_name",
    "sex",
    "age",
    "status",
    "date",
    "place",
    "province",
    "cause",
)
# How a Latin-script source writes the article of a family name: al-Homsi, Al-Homsi, Al Homsi,
# El-Homsi, Homsi (none), Alhomsi (glued), ash-Shami / al-Homsi (assimilated to sun letters).
ARTICLE_STYLES: Final = ("al-", "Al-", "Al ", "El-", "none", "glued", "assimilated")

ENGLISH_CAUSES: Final = {
    "shelling": "Shelling",
    "airstrike": "Warplane shelling",
    "shooting": "Shooting",
    "sniper": "Sniper",
    "detention": "Detention - torture",
    "execution": "Field execution",
    "explosion": "Explosion",
    "siege": "Siege",
    "chemical": "Chemical weapons",
    "clashes": "Clashes",
}
ARABIC_CAUSES: Final = {
    "shelling": "قصف مدفعي",
    "airstrike": "غارة جوية",
    "shooting": "إطلاق نار",
    "sniper": "قنص",
    "detention": "تحت التعذيب",
    "execution": "إعدام ميداني",
    "explosion": "تفجير",
    "siege": "حصار",
    "chemical": "سلاح كيميائي",
    "clashes": "اشتباكات",
}
_PCODES: Final = {g.pcode for g in GOVERNORATES}
# The fewest dead on a simulated mass-casualty town-day (the VDC counts behind the preset use 20+).
MASS_CASUALTY_MIN: Final = 20
# How a Latin-script list spells Arabic names (`transliteration`): the English spellings of the name
# table, or the conventions of French, Russian, Turkish, Chadian or Central Asian (Uzbek) documents.
TRANSLITERATION_STYLES: Final = ("english", "french", "russian", "turkish", "chadian", "central_asian")
# Styles whose letters (ş, ç, ğ, ü, ö, ı) Windows-1256 cannot encode.
_UNICODE_STYLES: Final = ("turkish",)


class SourceStyle(BaseModel):
    """One simulated list: who it captures (coverage) and how it writes what it records (style, noise)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    # coverage
    coverage: float = Field(0.5, gt=0, lt=1)
    regional_spread: float = Field(0.5, ge=0)
    coverage_by_governorate: dict[str, float] = Field(default_factory=dict)
    period_start: date | None = None
    period_end: date | None = None
    depends_on: str | None = None
    dependence: float = 0.0
    # style
    script: Literal["latin", "arabic"] = "latin"
    columns: dict[str, str]
    name_parts: Literal["full", "given_father_family", "given_family"] = "given_father_family"
    spelling_consistency: float = Field(0.85, ge=0, le=1)
    articles: dict[str, float] = Field(default_factory=lambda: {"al-": 1.0})
    upper_case: bool = False
    sex_words: tuple[str, str] = ("Male", "Female")
    age_style: Literal["years", "range", "group"] = "years"
    age_group_words: tuple[str, str] = ("Child", "Adult")
    status_words: tuple[str, str] = ("Civilian", "Non-civilian")
    cause_words: dict[str, str] = Field(default_factory=lambda: dict(ENGLISH_CAUSES))
    date_format: str = "%Y-%m-%d"
    month_format: str = "%Y-%m"
    month_share: float = Field(0.05, ge=0, le=1)
    place_level: Literal["town", "district", "governorate"] = "town"
    id_prefix: str = ""
    encoding: Literal["utf-8", "utf-8-sig", "cp1256"] = "utf-8"
    # noise
    typo_rate: float = Field(0.02, ge=0, le=1)
    date_shift_rate: float = Field(0.05, ge=0, le=1)
    missing_rate: float = Field(0.03, ge=0, le=1)
    missing: dict[str, float] = Field(default_factory=dict)
    duplicate_rate: float = Field(0.02, ge=0, le=1)
    kunya_rate: float = Field(0.005, ge=0, le=1)
    age_heaping: float = Field(0.3, ge=0, le=1)
    # name classes real lists have (docs/simulate.md, "Name classes"); all off by default
    transliteration: dict[str, float] = Field(default_factory=lambda: {"english": 1.0})
    dropped_part_rate: float = Field(0.0, ge=0, le=1)
    relational_rate: float = Field(0.0, ge=0, le=1)
    unidentified_rate: float = Field(0.0, ge=0, le=1)

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        problems = [f"unknown column field {k!r} (known: {', '.join(COLUMN_FIELDS)})" for k in columns
                    if k not in COLUMN_FIELDS]  # fmt: skip
        if "record_id" not in columns or not {"name", "given_name"} & set(columns):
            problems.append("columns must include record_id and name (or given_name)")
        if len(set(columns.values())) < len(columns):
            problems.append("two columns share a header")
        return _valid(columns, problems)

    @field_validator("coverage_by_governorate")
    @classmethod
    def _regions(cls, coverage: dict[str, float]) -> dict[str, float]:
        problems = [f"unknown governorate P-code {k!r}" for k in coverage if k not in _PCODES]
        problems += [f"coverage of {k} must be between 0 and 1" for k, p in coverage.items() if not 0 < p < 1]
        return _valid(coverage, problems)

    @field_validator("articles")
    @classmethod
    def _articles(cls, articles: dict[str, float]) -> dict[str, float]:
        problems = [f"unknown article style {k!r} (known: {', '.join(ARTICLE_STYLES)})" for k in articles
                    if k not in ARTICLE_STYLES]  # fmt: skip
        if not articles or sum(articles.values()) <= 0 or min(articles.values()) < 0:
            problems.append("articles needs at least one style with a positive weight")
        return _valid(articles, problems)

    @field_validator("transliteration")
    @classmethod
    def _transliteration(cls, styles: dict[str, float]) -> dict[str, float]:
        problems = [f"unknown transliteration style {k!r} (known: {', '.join(TRANSLITERATION_STYLES)})"
                    for k in styles if k not in TRANSLITERATION_STYLES]  # fmt: skip
        if not styles or sum(styles.values()) <= 0 or min(styles.values()) < 0:
            problems.append("transliteration needs at least one style with a positive weight")
        return _valid(styles, problems)

    @field_validator("cause_words")
    @classmethod
    def _causes(cls, words: dict[str, str]) -> dict[str, str]:
        wrong = set(words) != set(CAUSES)
        return _valid(words, [f"cause_words must word every cause exactly: {', '.join(CAUSES)}"] * wrong)

    @field_validator("missing")
    @classmethod
    def _missing(cls, missing: dict[str, float]) -> dict[str, float]:
        problems = [
            f"unknown field {k!r} (known: {', '.join(MISSABLE)})" for k in missing if k not in MISSABLE
        ]
        return _valid(missing, problems + [f"rate of {k} must be between 0 and 1" for k, r in missing.items()
                                           if not 0 <= r <= 1])  # fmt: skip

    @model_validator(mode="after")
    def _check(self) -> SourceStyle:
        problems = []
        if self.period_start and self.period_end and self.period_end < self.period_start:
            problems.append("period_end is before period_start")
        if (self.depends_on is None) != (self.dependence == 0):
            problems.append("give depends_on and a non-zero dependence together")
        return _valid(self, problems + self._style_problems())

    def _style_problems(self) -> list[str]:
        styles = [k for k, w in self.transliteration.items() if w > 0]
        problems = []
        if self.script == "arabic" and styles != ["english"]:
            problems.append("transliteration styles apply to Latin-script lists only: keep {english: 1}")
        if self.encoding == "cp1256" and set(styles) & set(_UNICODE_STYLES):
            problems.append(f"{', '.join(_UNICODE_STYLES)} spellings need a Unicode encoding, not cp1256")
        return problems

    def transliterated(self) -> bool:
        """Does the list spell some names in a style other than English?"""
        return any(w > 0 for k, w in self.transliteration.items() if k != "english")

    def missing_share(self, field: str) -> float:
        return self.missing.get(field, self.missing_rate)


T = TypeVar("T")


def _valid(value: T, problems: list[str]) -> T:
    if problems:
        raise ValueError("; ".join(problems))
    return value


class SimulationConfig(BaseModel):
    """A whole simulation: the population and the sources that list it, in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    people: int = Field(10_000, ge=1)
    seed: int = Field(0, ge=0)
    period_start: date = date(2011, 3, 15)
    period_end: date = date(2019, 12, 31)
    family_share: float = Field(0.3, ge=0, lt=1)
    family_size_mean: float = Field(3.5, ge=2)
    child_share: float = Field(0.22, ge=0, le=1)
    single_male_share: float = Field(0.85, ge=0, le=1)
    combatant_share: float = Field(0.2, ge=0, le=1)
    heterogeneity: float = Field(0.8, ge=0)
    family_correlation: float = Field(0.7, ge=0, le=1)
    # mass-casualty town-days (docs/simulate.md, "Name classes"); off by default
    mass_casualty_share: float = Field(0.0, ge=0, lt=1)
    mass_casualty_size_mean: float = Field(36.0, ge=MASS_CASUALTY_MIN + 1)
    common_name_boost: float = Field(1.0, ge=1)
    sources: list[SourceStyle] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SimulationConfig:
        problems = []
        if self.period_end <= self.period_start:
            problems.append("period_end must be after period_start")
        problems += source_order_problems([s.model_dump() for s in self.sources])
        return _valid(self, problems)


def source_order_problems(sources: list[Any]) -> list[str]:
    """Names unique, and each `depends_on` naming a source listed before (checked on raw data too)."""
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        return []
    names = [s.get("name") for s in sources]
    problems = []
    if len(set(names)) < len(names):
        problems.append(f"source names must be unique: {', '.join(map(str, names))}")
    for i, s in enumerate(sources):
        parent = s.get("depends_on")
        if parent is not None and parent not in names[:i]:
            problems.append(f"{s.get('name')} depends on {parent!r}, which is not a source listed before it")
    return problems


# --- presets -------------------------------------------------------------------------------------------

PRESETS: Final[tuple[dict[str, Any], ...]] = (
    {
        "description": "Latin-script monitor: one name cell (given, father, family), sex and age group "
        "in one cell, exact dates, town and province",
        "coverage": 0.6,
        "columns": {
            "record_id": "ID",
            "name": "Name",
            "sex_age": "Sex/Age",
            "status": "Status",
            "date": "Date of death",
            "place": "Place of death",
            "province": "Province",
            "cause": "Cause of death",
        },
        "name_parts": "given_father_family",
        "articles": {"al-": 0.75, "none": 0.15, "Al ": 0.1},
        "id_prefix": "A-",
    },
    {
        "description": "Arabic-script list of a local committee: Arabic headers and words, four-part "
        "names with part columns, age in years, day/month/year dates, UTF-8 with BOM",
        "coverage": 0.45,
        "script": "arabic",
        "columns": {
            "record_id": "الرقم",
            "name": "الاسم الكامل",
            "given_name": "الاسم",
            "father_name": "اسم الأب",
            "grandfather_name": "اسم الجد",
            "family_name": "الكنية",
            "sex": "الجنس",
            "age": "العمر",
            "status": "الصفة",
            "date": "تاريخ الوفاة",
            "place": "مكان الوفاة",
            "province": "المحافظة",
            "cause": "سبب الوفاة",
        },
        "name_parts": "full",
        "sex_words": ("ذكر", "أنثى"),
        "status_words": ("مدني", "عسكري"),
        "age_group_words": ("طفل", "بالغ"),
        "cause_words": dict(ARABIC_CAUSES),
        "date_format": "%d/%m/%Y",
        "month_format": "%m/%Y",
        "month_share": 0.08,
        "missing": {"grandfather_name": 0.2},
        "id_prefix": "B-",
        "encoding": "utf-8-sig",
    },
    {
        "description": "Latin-script list compiled from media reports: first and last name only, age "
        "ranges, US-style dates, many known only to the month, governorate only",
        "coverage": 0.35,
        "columns": {
            "record_id": "record",
            "name": "full_name",
            "given_name": "first_name",
            "family_name": "last_name",
            "sex": "gender",
            "age": "age_range",
            "date": "death_date",
            "province": "governorate",
            "cause": "cause",
        },
        "name_parts": "given_family",
        "spelling_consistency": 0.7,
        "articles": {"Al-": 0.5, "El-": 0.2, "none": 0.3},
        "sex_words": ("M", "F"),
        "age_style": "range",
        "date_format": "%m/%d/%Y",
        "month_format": "%B %Y",
        "month_share": 0.25,
        "place_level": "governorate",
        "missing_rate": 0.08,
        "date_shift_rate": 0.1,
        "id_prefix": "C",
    },
    {
        "description": "Hospital register in capitals: four-part names with part columns, age in years, "
        "district, no status",
        "coverage": 0.3,
        "columns": {
            "record_id": "Reg No",
            "name": "Patient name",
            "given_name": "First",
            "father_name": "Father",
            "grandfather_name": "Grandfather",
            "family_name": "Surname",
            "sex": "Sex",
            "age": "Age",
            "date": "Date",
            "place": "District",
            "province": "Governorate",
            "cause": "Cause",
        },
        "name_parts": "full",
        "articles": {"Al ": 0.6, "glued": 0.2, "none": 0.2},
        "upper_case": True,
        "date_format": "%d-%m-%Y",
        "month_format": "%m-%Y",
        "place_level": "district",
        "id_prefix": "H",
    },
    {
        "description": "Second Arabic-script list: three-part names in one cell, age group (child or "
        "adult), Windows-1256 encoding",
        "coverage": 0.25,
        "script": "arabic",
        "columns": {
            "record_id": "رقم",
            "name": "الاسم",
            "sex": "الجنس",
            "age": "الفئة العمرية",
            "date": "التاريخ",
            "place": "المكان",
            "province": "المحافظة",
            "cause": "طريقة الوفاة",
        },
        "name_parts": "given_father_family",
        "sex_words": ("ذكر", "أنثى"),
        "age_style": "group",
        "age_group_words": ("طفل", "بالغ"),
        "status_words": ("مدني", "عسكري"),
        "cause_words": dict(ARABIC_CAUSES),
        "date_format": "%Y/%m/%d",
        "month_format": "%Y/%m",
        "id_prefix": "E-",
        "encoding": "cp1256",
    },
    {
        "description": "Latin-script list covering only 2011-2015: given, father and family name, "
        "assimilated articles (ash-Shami)",
        "coverage": 0.2,
        "period_start": date(2011, 3, 15),
        "period_end": date(2015, 12, 31),
        "columns": {
            "record_id": "id",
            "name": "victim",
            "sex": "sex",
            "age": "age",
            "status": "status",
            "date": "date",
            "place": "town",
            "province": "province",
            "cause": "cause",
        },
        "articles": {"assimilated": 0.6, "al-": 0.4},
        "id_prefix": "F",
    },
)


def source_name(index: int) -> str:
    """list_a, list_b, ... list_z, list_aa ..."""
    letters = string.ascii_lowercase
    return "list_" + (letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26])


def preset_source(index: int) -> SourceStyle:
    """The `index`-th default source: the presets in turn, then again with a lower coverage."""
    preset = dict(PRESETS[index % len(PRESETS)])
    if index >= len(PRESETS):
        preset["coverage"] = 0.2
        preset["period_start"] = preset["period_end"] = None
        preset["id_prefix"] = f"{source_name(index).upper()}-"
    return SourceStyle(name=source_name(index), **preset)


def default_config(
    people: int = 10_000, sources: int = 3, seed: int = 0, **overrides: Any
) -> SimulationConfig:
    """The default simulation: `sources` lists in the preset styles (the first three: one Latin-script
    monitor, one Arabic-script list, one media compilation)."""
    styles = [preset_source(i) for i in range(sources)]
    return build_config({"people": people, "seed": seed, "sources": styles, **overrides})


# --- name classes --------------------------------------------------------------------------------------

# The settings `with_name_classes(config, "realistic")` applies; counts behind them in docs/simulate.md.
REALISTIC_POPULATION: Final[dict[str, Any]] = {
    "mass_casualty_share": 0.035,  # VDC 2011-2012: 641 of 18,575 records on area-days with 20+ dead
    "mass_casualty_size_mean": 36.0,  # those 641 records on 18 area-days
    "common_name_boost": 2.0,  # assumed: the VDC lists have too few named mass-casualty days to measure
}
REALISTIC_SOURCE: Final[dict[str, Any]] = {
    "unidentified_rate": 0.084,  # VDC sample: 2,808 of 33,353 names "Unidentified" / "Unknown"
    "relational_rate": 0.072,  # 478 of the 6,626 records of women and children named by a relation
    "kunya_rate": 0.023,  # 528 of 26,706 adult men "Abu ...", about 87% of them 25 or older
    "dropped_part_rate": 0.05,  # assumed: one list cannot show it (docs/simulate.md)
}
REALISTIC_TRANSLITERATION: Final = {"english": 0.8, "french": 0.07, "turkish": 0.05, "russian": 0.03,
                                    "chadian": 0.025, "central_asian": 0.025}  # fmt: skip
# Knobs left out of simulation.yaml while at their defaults: a default run writes the file it always did.
_NAME_CLASS_KNOBS: Final = {
    "mass_casualty_share": 0.0, "mass_casualty_size_mean": 36.0, "common_name_boost": 1.0,
    "transliteration": {"english": 1.0}, "dropped_part_rate": 0.0, "relational_rate": 0.0,
    "unidentified_rate": 0.0,
}  # fmt: skip


def with_name_classes(config: SimulationConfig, name_classes: str) -> SimulationConfig:
    """`config` with the name classes of `name_classes` ("none": as given; "realistic": the rates
    measured on real lists, `REALISTIC_*`) on every source."""
    if name_classes not in NAME_CLASSES:
        raise InputError(f"unknown name classes {name_classes!r} (known: {', '.join(NAME_CLASSES)})")
    if name_classes == "none":
        return config
    data = {**config.model_dump(), **REALISTIC_POPULATION}
    for source in data["sources"]:
        source.update(REALISTIC_SOURCE)
        if source["script"] == "latin":
            source["transliteration"] = dict(REALISTIC_TRANSLITERATION)
    return build_config(data)


def build_config(data: dict[str, Any], where: str = "the simulation settings") -> SimulationConfig:
    """A checked config; every problem is reported at once as an InputError."""
    try:
        return SimulationConfig.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(k) for k in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()]
        # when a source is invalid the whole-config checks do not run: run the ordering check here
        order = source_order_problems(data.get("sources", []))
        problems += [f"sources: {p}" for p in order if not any(p in q for q in problems)]
        lines = "\n".join(f"  - {p}" for p in problems)
        raise InputError(f"{len(problems)} problem(s) in {where}:\n{lines}") from exc


def load_config(path: Path) -> SimulationConfig:
    """Read a config written by `dump_config` (or by hand) from YAML."""
    if not path.is_file():
        raise InputError(
            f"{path}: no such simulation config; write one with `harmtrace simulate victims --out`."
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InputError(f"{path}: a simulation config is a YAML mapping with `people:` and `sources:` keys.")
    return build_config(data, where=str(path))


def dump_config(config: SimulationConfig) -> str:
    """The config as YAML that `load_config` reads back to an equal object."""
    data = _without_default_knobs(config.model_dump(mode="json"))
    data["sources"] = [_without_default_knobs(s) for s in data["sources"]]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _without_default_knobs(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _NAME_CLASS_KNOBS or v != _NAME_CLASS_KNOBS[k]}
