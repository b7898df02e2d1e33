"""Only here because pyproject.toml cannot both `find` packages and add one mapped
from another folder: the top-level `config/` ships as `kiosk.default_config`."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["kiosk", "kiosk.*", "devices", "devices.*", "screens", "screens.*"])
    + ["kiosk.default_config"],
)
