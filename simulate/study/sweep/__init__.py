"""Parameter sweeps: spec and checks, designs, where chunks run, parts and resume, indices."""

from simulate.study.sweep.loop import *  # noqa: F403
from simulate.study.sweep.loop import __all__  # noqa: F401
