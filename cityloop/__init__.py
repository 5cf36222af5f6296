"""CityLoop: open-source digital city management (数字化城市管理)."""

__version__ = "0.3.0"
