"""Device ports: one sub-package per device kind, each with a small interface,
a real driver and a simulator that speaks the real protocol from the far end of a
real link. Sub-packages keep heavy imports (pyserial, escpos, cv2) out of their
`__init__` and `settings` modules so the config can be loaded cheaply.
"""
