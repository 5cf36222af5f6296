"""Analytics: hourly and daily roll-ups kept by the worker, hotspots against each place's own history,
and recurrence after cleanup (清理-回潮)."""
