"""Packaged default configuration (installed as `kiosk.default_config`): data, not code."""
