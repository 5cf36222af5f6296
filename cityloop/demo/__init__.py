"""The demo city and the simulator that drives it through the real actions."""
