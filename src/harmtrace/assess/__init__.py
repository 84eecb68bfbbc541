"""Assessment of incidents: source independence, grades, attribution, declared strikes."""
