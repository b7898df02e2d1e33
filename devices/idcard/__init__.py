"""idcard device package (see settings.py for its config section)."""
