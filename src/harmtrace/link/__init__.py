"""Linking records (names, keys, comparisons): victim records to persons, reports to incidents, and victim
records to the reports of the events they died in (`ties`)."""
