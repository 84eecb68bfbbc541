"""`harmtrace estimate` and `harmtrace simulate captures`, through the commands a user runs.

The end-to-end test: `harmtrace simulate captures --victim-lists` writes three victim lists of a
population of known size (invented names), which are ingested, linked and estimated; the estimate is
checked against the truth. On the simulation's own capture histories (perfect linkage) the interval
covers the truth. Through the pipeline, linkage misses some links (pairwise recall about 0.95 here,
some pairs never blocked together): each miss makes one person two, one of them listed once, and
that raises the estimate (1,733 against 1,541 from the true histories, for a truth of 1,500). The test
checks that direction and bounds it; the coverage of intervals over repeated simulations is the
benchmark's job, not a unit test's.
"""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harmtrace.cli import estimate as estimate_cli
from harmtrace.link.clusters import cluster_records
from harmtrace.link.identity import assign_persons
from harmtrace.store import open_store
from tests.conftest import run_cli
from tests.link.victim_rows import add_records, add_run, add_sources

PEOPLE, SEED = 1500, 4


def ok(db: Path, *args: str) -> Any:
    result = run_cli(db, *args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A store with three simulated lists ingested and linked, and the simulation's truth."""
    folder = tmp_path_factory.mktemp("estimate")
    db, out = folder / "store.duckdb", folder / "sim"
    ok(
        db,
        "simulate",
        "captures",
        str(out),
        "--n",
        str(PEOPLE),
        "--lists",
        "3",
        "--seed",
        str(SEED),
        "--victim-lists",
    )
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    for name in truth["list_names"]:
        ok(
            db,
            "ingest",
            "victims",
            str(out / f"{name}.csv"),
            "--mapping",
            str(out / f"{name}.yaml"),
            "--source",
            name,
        )
    ok(db, "link", "victims")
    return db, truth


def test_pipeline_estimate_is_near_the_known_total(linked: tuple[Path, dict[str, Any]]) -> None:
    db, truth = linked
    captures = Path(truth["record_truth"]).parent / "captures.csv"
    perfect = json.loads(ok(db, "estimate", "--histories", str(captures), "--json"))
    low, high = perfect["total"]["interval"]
    assert low < truth["population"] < high, "with perfect linkage the interval covers the truth"
    result = json.loads(ok(db, "estimate", "--json"))
    total = result["total"]
    assert result["lists"] == ["list_a", "list_b", "list_c"]
    # missed links split persons: a few more observed than the truth, and a higher estimate
    assert truth["observed"] <= total["observed"] < 1.05 * truth["observed"]
    assert perfect["total"]["estimate"] < total["estimate"] < 1.2 * truth["population"]
    assert total["interval"][0] < total["estimate"] < total["interval"][1]
    assert total["unobserved"] == pytest.approx(total["estimate"] - total["observed"])
    assert total["model"] == total["candidates"][0]["model"] and len(total["candidates"]) == 8
    assert [s["name"] for s in result["sources"]] == truth["list_names"]
    assert result["checks"] == []


def test_text_names_the_model_and_its_neighbours(linked: tuple[Path, dict[str, Any]]) -> None:
    db, _ = linked
    text = ok(db, "estimate")
    assert "Capture histories (1 = on the list;" in text
    assert "Models for the total, best 6 of 8 by AIC:" in text and "<- chosen" in text
    assert text.splitlines()[0].startswith(
        "Multiple systems estimate (log-linear models ranked by AIC) from 3"
    )


def test_lcmcr_shows_its_diagnostics(linked: tuple[Path, dict[str, Any]]) -> None:
    db, truth = linked
    args = ["--method", "lcmcr", "--iterations", "600", "--burn-in", "300", "--chains", "2", "--seed", "3"]
    result = json.loads(ok(db, "estimate", *args, "--json"))
    total = result["total"]
    assert abs(total["estimate"] - truth["population"]) < 0.2 * truth["population"]
    diagnostics = total["diagnostics"]
    assert set(diagnostics) == {"r_hat", "effective_sample_size", "chains", "converged", "iterations",
                                "thin", "rounds", "seconds", "time_limited"}  # fmt: skip
    assert diagnostics["converged"] and diagnostics["iterations"] == 600 * 2 ** (diagnostics["rounds"] - 1)
    text = ok(db, "estimate", *args)
    assert "LCMCR convergence: R-hat" in text and "converged after" in text


def test_lcmcr_says_when_it_stopped_unconverged(linked: tuple[Path, dict[str, Any]]) -> None:
    """--max-seconds 0: the 100 iterations asked for and no more; too few to converge, and it says so."""
    db, _ = linked
    args = ["--method", "lcmcr", "--iterations", "100", "--burn-in", "0", "--thin", "1", "--chains", "2"]
    result = json.loads(ok(db, "estimate", *args, "--max-seconds", "0", "--json"))
    diagnostics = result["total"]["diagnostics"]
    assert not diagnostics["converged"] and diagnostics["iterations"] == 100 and diagnostics["rounds"] == 1
    assert any("time limit" in w for w in result["total"]["warnings"])
    text = ok(db, "estimate", *args, "--max-seconds", "0")
    assert "NOT converged" in text and "WARNING: the chains have not converged" in text
    refused = run_cli(db, "estimate", *args, "--max-seconds", "-1")
    assert refused.exit_code == 2 and "--max-seconds" in refused.output


def test_strata_add_up_to_the_persons(linked: tuple[Path, dict[str, Any]]) -> None:
    db, _ = linked
    result = json.loads(ok(db, "estimate", "--strata", "sex", "--json"))
    assert sum(s["observed"] for s in result["strata"]) == result["total"]["observed"]
    assert [s["stratum"] for s in result["strata"]][:2] == ["female", "male"]
    summed = result["strata_sum"]
    assert summed["observed"] == result["total"]["observed"]
    assert summed["interval"][0] < summed["estimate"] < summed["interval"][1]


def test_linkage_draws_move_the_estimate(linked: tuple[Path, dict[str, Any]]) -> None:
    db, _ = linked
    result = json.loads(ok(db, "estimate", "--linkage-draws", "4", "--seed", "2", "--json"))
    draws, total = result["linkage"], result["total"]
    assert draws["draws"] == 4 and draws["draws_failed"] == 0 and draws["pairs_drawn_from"] > 0
    assert abs(draws["observed"]["q50"] - total["observed"]) < 0.03 * total["observed"]
    assert draws["estimate"]["q0"] <= draws["estimate"]["q50"] <= draws["estimate"]["q100"]
    assert draws["estimate_without_draws"] == total["estimate"]
    assert "Linkage uncertainty (2 draws" in ok(db, "estimate", "--linkage-draws", "2")


def test_two_lists_warn_and_unknown_lists_are_named(linked: tuple[Path, dict[str, Any]]) -> None:
    db, _ = linked
    result = json.loads(ok(db, "estimate", "--sources", "list_a,list_b", "--json"))
    assert [c["code"] for c in result["checks"]] == ["two_lists"]
    assert result["total"]["model"] == "[1,2]"
    refused = run_cli(db, "estimate", "--sources", "list_a,list_z")
    assert refused.exit_code == 1
    assert "no victim list named 'list_z'; the lists are list_a, list_b, list_c" in refused.output


def partial_store(db: Path) -> None:
    """Three lists of 2011-2014 deaths; list_c records only 2011-2012. Each person's records are
    linked by a pair at probability 0.99 (invented people, no names needed)."""
    rng = np.random.default_rng(5)
    records, pairs, victim = [], [], 0
    for i in range(600):
        died = date(2011, 1, 1) + timedelta(days=int(rng.integers(0, 4 * 365)))
        on = rng.random(3) < (0.5, 0.4, 0.4 if died.year <= 2012 else 0.0)
        ids = []
        for s in np.flatnonzero(on).tolist():
            victim += 1
            ids.append(victim)
            records.append(
                {
                    "victim_id": victim,
                    "source_id": s + 1,
                    "date_start": died,
                    "date_end": died,
                    "date_precision": "day",
                    "record_id": f"R{i}-{s}",
                }
            )
        pairs += [(a, b, 0.99) for a, b in itertools.pairwise(ids)]
    with open_store(db, create=True) as store:
        add_sources(store, "list_a", "list_b", "list_c")
        add_records(store, records)
        run = add_run(store, pairs)
        clusters = cluster_records(store, run, 0.9)
        assign_persons(store, run, clusters.representative_of(), clusters.probability_of())


def test_a_list_covering_part_of_the_period_is_refused_until_asked(tmp_path: Path) -> None:
    db = tmp_path / "partial.duckdb"
    partial_store(db)
    refused = run_cli(db, "estimate")
    assert refused.exit_code == 1
    assert "Error: Cannot estimate: 1 problem(s):" in refused.output
    assert "List list_c covers 2011-0" in refused.output
    assert "(its records' first and last dates)" in refused.output
    assert "--allow-partial-coverage" in refused.output
    window = json.loads(ok(db, "estimate", "--from", "2011-01-01", "--to", "2012-12-31", "--json"))
    assert [c["code"] for c in window["checks"]] == []
    mixed = json.loads(ok(db, "estimate", "--allow-partial-coverage", "--json"))
    assert [(c["code"], c["severity"]) for c in mixed["checks"]] == [("partial_coverage", "warning")]
    declared = run_cli(db, "estimate", "--coverage", "list_c:2011-01-01:2012-12-31")
    assert declared.exit_code == 1 and "(declared)" in declared.output


def test_capture_histories_csv_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "caps"
    db = tmp_path / "unused.duckdb"
    text = ok(
        db,
        "simulate",
        "captures",
        str(out),
        "--n",
        "4000",
        "--lists",
        "4",
        "--capture",
        "0.35",
        "--seed",
        "9",
        "--dependence",
        "1:2:3",
    )
    assert "Population 4,000:" in text and "harmtrace estimate --histories" in text
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((out / "captures.csv").open(encoding="utf-8")))
    assert list(rows[0]) == ["list_1", "list_2", "list_3", "list_4", "count"]
    assert sum(int(r["count"]) for r in rows) == truth["observed"]
    assert truth["dependence"] == [{"lists": [0, 1], "odds_ratio": 3.0}]
    result = json.loads(ok(db, "estimate", "--histories", str(out / "captures.csv"), "--json"))
    assert result["total"]["observed"] == truth["observed"]
    low, high = result["total"]["interval"]
    assert low < truth["population"] < high, (low, high, result["total"]["model"])
    assert "12" in result["total"]["model"], "the dependence of lists 1 and 2 is found"


def test_simulate_captures_refuses_bad_options(tmp_path: Path) -> None:
    db = tmp_path / "unused.duckdb"
    bad = run_cli(db, "simulate", "captures", str(tmp_path / "x"), "--dependence", "2:1:3")
    assert bad.exit_code == 2 and "need 1 <= A < B <= 3" in bad.output
    bad = run_cli(db, "simulate", "captures", str(tmp_path / "x"), "--heterogeneity", "0.5")
    assert bad.exit_code == 2 and "expected WEIGHT:PROBS" in bad.output


def test_the_vdc_files_are_one_source(shared_data: Path, tmp_path: Path) -> None:
    """The real VDC list alone: estimation must refuse, saying why (a 2,000-row slice keeps it fast;
    the slice stays in the test's temporary folder)."""
    source = shared_data / "vdc_victims_romansul" / "vdc_victims_sample_33k.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    slice_ = tmp_path / "vdc_slice.csv"
    slice_.write_text("".join(lines[:2001]), encoding="utf-8")
    db = tmp_path / "vdc.duckdb"
    mapping = Path(estimate_cli.__file__).parents[3] / "examples" / "mappings" / "vdc_victims.yaml"
    ok(db, "ingest", "victims", str(slice_), "--mapping", str(mapping))
    refused = run_cli(db, "estimate")
    assert refused.exit_code == 1
    assert "Only 1 list (VDC) records these persons" in refused.output
    assert "Several exports or files of one organisation's database are one list" in refused.output


def test_histories_refuse_options_that_need_the_store(tmp_path: Path) -> None:
    db = tmp_path / "unused.duckdb"
    ok(db, "simulate", "captures", str(tmp_path / "caps"), "--n", "500", "--seed", "1")
    refused = run_cli(
        db, "estimate", "--histories", str(tmp_path / "caps" / "captures.csv"), "--strata", "year"
    )
    assert refused.exit_code == 1
    assert "--histories gives capture histories only" in refused.output and "--strata" in refused.output
