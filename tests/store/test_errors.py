"""A statement DuckDB refuses reaches the user once wrapped, by the store: a `QueryFailed` (a
StoreError) naming DuckDB's reason, the statement and its tables, never the values it was given."""

from __future__ import annotations

import duckdb
import pytest

from harmtrace.errors import QueryFailed, StoreError
from harmtrace.store import Store
from harmtrace.store.failures import SHOWN_CHARS, query_failed, table_names


def test_a_bad_statement_names_duckdbs_reason_the_statement_and_its_table(store: Store) -> None:
    with pytest.raises(QueryFailed) as caught:
        store.rows("SELECT nme FROM victim_record WHERE victim_id = ?", [7])
    message = str(caught.value)
    assert message.startswith(
        'DuckDB refused a statement on table victim_record: Binder Error: Referenced column "nme"'
    )
    assert message.endswith("\n  statement: SELECT nme FROM victim_record WHERE victim_id = ?")
    assert caught.value.tables == ("victim_record",)
    assert isinstance(caught.value, StoreError) and isinstance(caught.value.__cause__, duckdb.BinderException)


def test_scalar_names_every_table_of_a_statement_duckdb_cannot_parse(store: Store) -> None:
    with pytest.raises(QueryFailed) as caught:
        store.scalar("SELEC count(*) FROM report JOIN source USING (source_id)")
    assert caught.value.tables == ("report", "source")
    assert str(caught.value).startswith("DuckDB refused a statement on tables report, source: Parser Error:")


def test_the_values_a_statement_was_given_are_not_echoed(store: Store) -> None:
    with pytest.raises(QueryFailed) as given:
        store.scalar("SELECT CAST(? AS INTEGER)", ["Ahmad Khalil"])
    with pytest.raises(QueryFailed) as written:
        store.rows("SELECT CAST('Ahmad Khalil' AS INTEGER), $who AS asked", {"who": "Huda"})
    for caught in (given, written):
        assert "Conversion Error" in str(caught.value) and "Ahmad" not in str(caught.value)
        assert "Ahmad" in str(caught.value.__cause__)  # DuckDB's own error still holds it
    assert "CAST('...' AS INTEGER)" in written.value.statement
    with pytest.raises(QueryFailed) as spanning:
        store.rows("SELECT 'Ahmad\nKhalil'::INTEGER")
    assert "Ahmad" not in str(spanning.value) and spanning.value.statement == "SELECT '...'::INTEGER"


def test_a_long_statement_is_shown_by_its_start(store: Store) -> None:
    columns = ", ".join(f"c{i}" for i in range(100))
    with pytest.raises(QueryFailed) as caught:
        store.rows(f"SELECT {columns} FROM report\nWHERE report_id = 1")
    assert caught.value.statement == f"SELECT {columns} FROM report"[:SHOWN_CHARS] + " ..."


def test_tables_are_named_without_ctes_functions_or_distinct_from_operands() -> None:
    sql = (
        "WITH w AS (SELECT * FROM report WHERE a IS DISTINCT FROM b) "
        "SELECT * FROM w, range(3) JOIN ht_work.main.checked USING (x)"
    )
    assert table_names(sql) == ("ht_work.main.checked", "report")  # read by the fallback: DuckDB binds USING


def test_a_value_duckdb_echoes_without_quotes_is_left_out_too() -> None:
    exc = duckdb.InvalidInputException(
        "Invalid Input Error: no match for Huda Khalil in list [Huda Khalil, x]"
    )
    failed = query_failed("SELECT * FROM person WHERE name = $who", {"who": ["Huda Khalil", "m"]}, exc)
    assert str(failed).startswith(
        "DuckDB refused a statement on table person: Invalid Input Error: no match for ..."
    )
    assert "Huda" not in str(failed) and "list [..., x]" in str(failed)
