"""Invented towns: a larger simulation covers more places, at the default size's density of strikes."""

from __future__ import annotations

from collections import Counter

from harmtrace.names import name_key, skeleton
from harmtrace.simulate.invented_towns import (
    BASE_INCIDENTS,
    CENTRES,
    CITY_WEIGHT,
    EXTENTS,
    town_point,
    towns_for,
)
from harmtrace.simulate.reports import ReportsConfig, simulate_reports
from harmtrace.simulate.syrian_places import TOWNS


def test_the_default_size_keeps_the_real_towns_only() -> None:
    assert towns_for(BASE_INCIDENTS) == TOWNS == towns_for(10)


def test_town_weight_grows_with_the_incidents() -> None:
    base = sum(t.weight for t in TOWNS)
    for incidents in (2000, 20_000):
        towns = towns_for(incidents)
        total = sum(t.weight for t in towns)
        assert base * incidents / BASE_INCIDENTS <= total < base * incidents / BASE_INCIDENTS + CITY_WEIGHT
        assert all(t.weight < CITY_WEIGHT for t in towns[len(TOWNS) :]), "villages, not cities"


def test_invented_towns_are_written_both_ways_and_lie_in_their_governorate() -> None:
    invented = towns_for(5000)[len(TOWNS) :]
    assert len({t.arabic for t in invented}) == len(invented)
    one_skeleton = 0
    for town in invented[:200]:
        assert len(town.english) >= 2
        one_skeleton += len({skeleton(name_key(s)) for s in (town.arabic, *town.english)}) == 1
        lat, lon = town_point(town)
        centre, (half_lat, half_lon) = CENTRES[town.adm1], EXTENTS[town.adm1]
        assert abs(lat - centre[0]) <= half_lat and abs(lon - centre[1]) <= half_lon
    # as for the real towns (87% of them): most spellings meet on one skeleton, some do not
    assert one_skeleton >= 160, "the spellings of a town meet across scripts, as real ones mostly do"
    assert "SY01" not in {t.adm1 for t in invented}, "the capital's districts are all listed already"


def test_strikes_per_town_and_day_stay_as_at_the_default_size() -> None:
    def crowding(incidents: int) -> float:
        sim = simulate_reports(ReportsConfig(incidents=incidents, seed=4))
        waves = Counter((i.day, i.town) for i in sim.incidents)
        return sum(n for n in waves.values() if n > 1) / incidents

    default, larger = crowding(1000), crowding(8000)
    assert abs(larger - default) < 0.05, (default, larger)
