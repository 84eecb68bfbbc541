"""Figures from the store: casualty windows (later: control and distance, protected sites, estimation)."""
