"""Only the package layout lives here (the metadata is in pyproject.toml): pyproject's
``packages.find`` cannot add directories from outside ``backend/``, and the page's frontend/
and static/ stay at the repository's top level, mapped into the package so that a
non-editable ``pip install .`` serves the page (found with importlib.resources)."""

from setuptools import find_packages, setup

WEB = {"nnplayground.frontend": "frontend", "nnplayground.static": "static"}

setup(
    packages=[*find_packages("backend"), *WEB],
    package_dir={"": "backend", **WEB},
)
