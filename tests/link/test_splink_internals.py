"""What `harmtrace.link.engine` takes from Splink beyond its public API, checked on the installed Splink.

The engine imports from `splink.internals`, reads and sets private attributes of the linker and its
settings, and patches one function while EM runs (its module docstring lists them). A Splink upgrade
may move or reshape any of them without notice; these tests fail first, each message naming the engine
function that depends on what changed and what to re-check there. The last tests run the engine on a
tiny DuckDB linker so that the patched and private paths are seen working, not only present.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from importlib.metadata import version
from typing import Any

import pyarrow as pa
import pytest
import splink.comparison_library as cl
from splink import Linker
from splink.internals import em_training_session
from splink.internals import expectation_maximisation as em
from splink.internals.comparison import Comparison
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level import ComparisonLevel
from splink.internals.exceptions import EMTrainingException, SplinkException
from splink.internals.settings import CoreModelSettings, Settings

from harmtrace.link import engine
from harmtrace.link.engine import (
    EM_FLOOR,
    FALLBACK_PRIOR,
    DuckDBBackend,
    _em_session,
    _usable_prior,
    label_counts,
    level_m,
    level_weights,
    settings,
    train,
)
from harmtrace.link.spec import BlockingRule, LinkageSpec
from tests.conftest import ROOT

SPLINK = version("splink")


def _needs(engine_function: str, what: str, recheck: str) -> str:
    return (
        f"Splink {SPLINK}: {what} is not what harmtrace.link.engine.{engine_function} relies on. "
        f"Re-check {engine_function}: {recheck}"
    )


def _resolve(dotted: str) -> Any:
    """The object at `dotted` (module path, then attributes), or a failure naming what is missing."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            found = getattr(found, name)
        return found
    raise ImportError(dotted)


# (callable, its leading parameters as the engine passes them, engine function, what to re-check)
CALLABLES = [
    (
        "splink.internals.expectation_maximisation.compute_proportions_for_new_parameters",
        ["df_params"],
        "_em_floor",
        "the function it wraps while EM runs still turns one iteration's counts into the records of "
        "new m and u probabilities; find where EM estimates them now and floor there",
    ),
    (
        "splink.internals.block_from_labels.block_from_labels",
        ["linker", "labels_table_name"],
        "label_counts",
        "how Splink pairs the records of labelled pairs (its estimate_m_from_pairwise_labels does)",
    ),
    (
        "splink.internals.comparison_vector_values.compute_comparison_vector_values_sql",
        ["columns_to_select_for_comparison_vector_values"],
        "label_counts",
        "how Splink computes comparison vectors (gamma columns) from blocked pairs",
    ),
    (
        "splink.internals.vertically_concatenate.enqueue_df_concat_with_tf",
        ["linker", "pipeline"],
        "label_counts",
        "how Splink queues the input records with their term frequencies",
    ),
    (
        "splink.internals.pipeline.CTEPipeline.enqueue_sql",
        ["self", "sql", "output_table_name"],
        "label_counts",
        "how SQL steps are queued in a pipeline",
    ),
    (
        "splink.internals.pipeline.CTEPipeline.enqueue_list_of_sqls",
        ["self", "sql_list"],
        "label_counts",
        "how block_from_labels' SQL steps are queued",
    ),
    (
        "splink.internals.database_api.DatabaseAPI.sql_pipeline_to_splink_dataframe",
        ["self", "pipeline"],
        "label_counts",
        "how a pipeline is run (linker._db_api)",
    ),
    (
        "splink.internals.splink_dataframe.SplinkDataFrame.as_record_list",
        ["self"],
        "label_counts",
        "how a result is read back as rows",
    ),
    (
        "splink.internals.splink_dataframe.SplinkDataFrame.query_sql",
        ["self", "sql"],
        "predict",
        "how the predicted pairs are selected ({this} names the table)",
    ),
    (
        "splink.internals.splink_dataframe.SplinkDataFrame.as_pyarrow_table",
        ["self"],
        "predict",
        "how the predicted pairs are read as an Arrow table",
    ),
    (
        "splink.internals.settings.CoreModelSettings.copy",
        ["self"],
        "_em_session",
        "the copy of the comparisons and prior it restores after a failed EM session",
    ),
]


@pytest.mark.parametrize("dotted, leading, function, recheck", CALLABLES, ids=[c[0] for c in CALLABLES])
def test_the_internal_functions_the_engine_calls_keep_their_place_and_parameters(
    dotted: str, leading: list[str], function: str, recheck: str
) -> None:
    try:
        found = _resolve(dotted)
    except (ImportError, AttributeError) as exc:
        pytest.fail(_needs(function, f"{dotted} (missing: {exc})", recheck))
    parameters = list(inspect.signature(found).parameters)
    assert parameters[: len(leading)] == leading, _needs(
        function, f"the parameters of {dotted} {parameters} (expected to start {leading})", recheck
    )


# (method reached through the public API, the keywords the engine passes, engine function)
KEYWORDS = [
    (
        "splink.internals.linker_components.training.LinkerTraining.estimate_parameters_using_expectation_maximisation",
        {"blocking_rule", "estimate_without_term_frequencies", "max_pairs", "record_sample_proportion"},
        "_em_session",
    ),
    (
        "splink.internals.linker_components.training.LinkerTraining.estimate_u_using_random_sampling",
        {"max_pairs", "seed"},
        "train",
    ),
    (
        "splink.internals.linker_components.training.LinkerTraining.estimate_probability_two_random_records_match",
        {"deterministic_matching_rules", "recall"},
        "train",
    ),
    (
        "splink.internals.linker_components.inference.LinkerInference.predict",
        {"threshold_match_probability", "warning_mode"},
        "predict",
    ),
    (
        "splink.internals.linker_components.table_management.LinkerTableManagement.register_table",
        {"input_table", "table_name", "overwrite"},
        "label_counts",
    ),
    (
        "splink.internals.duckdb.database_api.DuckDBAPI.register",
        {"table", "dataset_display_name"},
        "DuckDBBackend",
    ),
]


@pytest.mark.parametrize(
    "dotted, keywords, function", KEYWORDS, ids=[k[0].rsplit(".", 1)[1] for k in KEYWORDS]
)
def test_the_public_calls_the_engine_makes_take_its_keywords(
    dotted: str, keywords: set[str], function: str
) -> None:
    parameters = set(inspect.signature(_resolve(dotted)).parameters)
    assert keywords <= parameters, _needs(
        function, f"{dotted} lacks the keywords {sorted(keywords - parameters)}", "the call and its arguments"
    )


# (class, property, the engine sets it too, engine functions)
PROPERTIES = [
    (Settings, "_probability_two_random_records_match", True, "_usable_prior"),
    (Settings, "_columns_to_select_for_comparison_vector_values", False, "label_counts"),
    (Settings, "comparisons", False, "label_counts, level_weights, level_m"),
    (Comparison, "_gamma_column_name", False, "label_counts"),
    (ComparisonLevel, "_log2_bayes_factor", False, "level_weights"),
    (ComparisonLevel, "comparison_vector_value", False, "level_weights"),
    (ComparisonLevel, "is_null_level", False, "level_m"),
    (ComparisonLevel, "m_probability", False, "level_m"),
]


@pytest.mark.parametrize(
    "cls, name, settable, function", PROPERTIES, ids=[f"{p[0].__name__}.{p[1]}" for p in PROPERTIES]
)
def test_the_private_properties_the_engine_reads_are_there(
    cls: type, name: str, settable: bool, function: str
) -> None:
    found = inspect.getattr_static(cls, name, None)
    what = f"{cls.__module__}.{cls.__name__}.{name}"
    assert isinstance(found, property), _needs(function, f"{what} (no longer a property)", "what it reads")
    assert not settable or found.fset is not None, _needs(function, f"{what} (no setter)", "how it sets it")


def test_the_em_patch_point_is_looked_up_when_em_runs() -> None:
    """`_em_floor` replaces the module attribute: EM sees it only if it calls the function through the
    module's globals, and the floor applies only if its records carry m_probability and u_probability."""
    loop = em.expectation_maximisation.__code__.co_names
    assert "compute_proportions_for_new_parameters" in loop, _needs(
        "_em_floor",
        "expectation_maximisation() no longer calls compute_proportions_for_new_parameters by name",
        "where EM's new m and u come from now; patching the module attribute has no effect",
    )
    sql = em.compute_proportions_for_new_parameters_sql("t")
    for column in ("m_probability", "u_probability"):
        assert column in sql, _needs("_em_floor", f"EM's new parameters without {column}", "the keys floored")


def test_em_sessions_still_raise_and_filter_as_the_engine_expects() -> None:
    source = inspect.getsource(em_training_session)
    assert issubclass(EMTrainingException, SplinkException) and "raise EMTrainingException(" in source, (
        _needs(
            "_em_session", "EMTrainingException (no longer raised by an EM session)", "which errors it skips"
        )
    )
    assert "core_model_settings.comparisons = " in source, _needs(
        "_em_session",
        "an EM session no longer takes its blocked comparisons out of core_model_settings in place",
        "whether a failed session still leaves the model without them (the copy it restores)",
    )


def test_comparisons_of_either_kind_are_splink_comparison_creators() -> None:
    assert issubclass(cl.CustomComparison, ComparisonCreator), _needs(
        "Comparison", "splink.comparison_library.CustomComparison's base", "the Comparison type of settings"
    )
    assert issubclass(cl.NameComparison, ComparisonCreator) and hasattr(
        cl.NameComparison, "create_comparison_levels"
    ), _needs("Comparison", "NameComparison.create_comparison_levels", "victim_model._renamed too")


def test_only_the_engine_reaches_into_splink() -> None:
    """No other module of harmtrace imports `splink.internals` or touches the private attributes the
    engine does (the one place to re-check after an upgrade)."""
    private = {
        "_settings_obj",
        "_db_api",
        "_log2_bayes_factor",
        "_gamma_column_name",
        "_probability_two_random_records_match",
        "_columns_to_select_for_comparison_vector_values",
    }
    found = []
    for path in sorted((ROOT / "src" / "harmtrace").rglob("*.py")):
        if path.name == "engine.py" and path.parent.name == "link":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            hits = [n for n in names if n.startswith("splink.internals")]
            if isinstance(node, ast.Attribute) and node.attr in private:
                hits.append(node.attr)
            found += [f"{path.relative_to(ROOT)}:{node.lineno}: {hit}" for hit in hits]
    assert not found, "Splink internals outside harmtrace.link.engine (move them there):\n" + "\n".join(found)


# --- the engine on a tiny DuckDB linker ------------------------------------------------------------

NAMES = ["ahmad", "omar", "hasan", "ali", "samir", "karim"]
TOWNS = ["aleppo", "idlib", "homs"]


def _records() -> pa.Table:
    """Thirty records of eighteen people: each of the first twelve twice (once per source)."""
    people = [(NAMES[i % 6], TOWNS[i % 3], i // 6) for i in range(18)]
    rows = [(p, "a") for p in people] + [(p, "b") for p in people[:12]]
    return pa.table(
        {
            "unique_id": list(range(1, len(rows) + 1)),
            "source_dataset": [s for _, s in rows],
            "name": [f"{n}{k}" if k else n for (n, _, k), _ in rows],
            "town": [t for (_, t, _), _ in rows],
        }
    )


SPEC = LinkageSpec(
    config="plain",
    blocking_rules=(BlockingRule(("town",)),),
    training_rules=(BlockingRule(("town",)), BlockingRule(("name",))),
    prior_rules=(BlockingRule(("name", "town")),),
    linkable="true",
    u_max_pairs=1e4,
)


def _comparisons() -> list[cl.CustomComparison]:
    return [
        cl.CustomComparison(
            [
                {"sql_condition": f"{c}_l IS NULL OR {c}_r IS NULL", "is_null_level": True},
                {"sql_condition": f"{c}_l = {c}_r", "label_for_charts": "same"},
                {"sql_condition": "ELSE", "label_for_charts": "different"},
            ],
            output_column_name=c,
        )
        for c in ("name", "town")
    ]


@pytest.fixture
def backend() -> Any:
    made = DuckDBBackend(threads=1)
    yield made
    made.close()


def test_training_goes_through_the_floored_em_step(
    backend: DuckDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While `train` runs, Splink's EM calls the floored step: an m of 0.0 from Splink's own step (what a
    small list gives for a veto level) reaches EM as EM_FLOOR, and the step is Splink's own again after."""
    original = em.compute_proportions_for_new_parameters
    seen: list[dict[str, Any]] = []

    def zero_first(df_params: Any) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = original(df_params)
        levels = [
            r for r in records if r.get("output_column_name") != "_probability_two_random_records_match"
        ]
        if levels and not seen:
            levels[0]["m_probability"] = 0.0
            seen.append(levels[0])
        return records

    monkeypatch.setattr(em, "compute_proportions_for_new_parameters", zero_first)
    model = train(SPEC, _comparisons(), backend.register(_records()))
    assert seen, _needs(
        "_em_floor", "EM never called compute_proportions_for_new_parameters", "the patch point"
    )
    assert set(seen[0]) >= {"m_probability", "u_probability"}, _needs(
        "_em_floor", f"EM's records {sorted(seen[0])}", "the keys"
    )
    assert seen[0]["m_probability"] == EM_FLOOR, _needs(
        "_em_floor", "EM's step as patched", "that the floor wraps it"
    )
    assert em.compute_proportions_for_new_parameters is zero_first, (
        "_em_floor did not restore the step it patched"
    )
    assert [c["output_column_name"] for c in model.splink["comparisons"]] == ["name", "town"]


def test_the_private_paths_of_the_engine_work_on_a_linker(backend: DuckDBBackend) -> None:
    """`label_counts`, `_usable_prior`, `_em_session`, `level_weights` and `level_m` on a tiny linker."""
    frame = backend.register(_records())
    linker = Linker(frame, settings(SPEC, _comparisons()), log_level=None)
    labels = pa.table({"unique_id_l": [1, 2, 3], "unique_id_r": [19, 20, 4]})
    counts = label_counts(linker, labels)
    assert counts == {"name": {1: 2, 0: 1}, "town": {1: 2, 0: 1}}, _needs(
        "label_counts", f"gammas {counts}", "its pipeline"
    )

    linker._settings_obj._probability_two_random_records_match = 0.0
    _usable_prior(linker)
    assert linker._settings_obj._probability_two_random_records_match == FALLBACK_PRIOR

    before = [c.output_column_name for c in linker._settings_obj.comparisons]
    assert isinstance(linker._settings_obj.core_model_settings, CoreModelSettings)
    _em_session(linker, BlockingRule(("town",), "1 = 0"))  # no pair: Splink's EMTrainingException
    assert [c.output_column_name for c in linker._settings_obj.comparisons] == before, _needs(
        "_em_session", "a failed EM session's settings", "the copy it restores"
    )

    model = engine.TrainedModel(SPEC, linker.misc.save_model_to_json())
    weights, ms = level_weights(model, frame), level_m(model, frame)
    assert {name: sorted(levels) for name, levels in weights.items()} == {
        "name": [-1, 0, 1],
        "town": [-1, 0, 1],
    }
    assert weights["name"][-1] == 0.0 and ms["name"][0] is None, _needs(
        "level_m", "the NULL level", "its reading"
    )
