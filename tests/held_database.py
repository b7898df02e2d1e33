"""Another process holding the hall database's write lock, as a backup, a second kiosk or
a stuck script would: a real second SQLite connection in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_write_lock(database: str | Path, seconds: float) -> subprocess.Popen:
    """Start the holder and return once it holds the lock; it lets go after `seconds`."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(database), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder
