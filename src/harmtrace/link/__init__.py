"""Linking records: victim records to persons, reports to incidents (names, keys, comparisons)."""
