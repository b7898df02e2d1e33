"""The composition root: the one place that reads the settings and builds the hall.

`open_hall` builds the database, queue, alerts and services; `KioskRuntime` adds the
devices (real drivers, or the simulators at the far end of real links); the front
ends are built here too (`kiosk run` builds the Kivy app; the `kiosk` command hands
its subcommands a hall through `args.open_hall()`). Nothing below imports this.
"""
