"""沁心办 township hall kiosk: the core (config, store, queue, guides, services).

This package never imports Kivy, so everything in it runs and is tested headless.
"""

__version__ = "0.1.0"
