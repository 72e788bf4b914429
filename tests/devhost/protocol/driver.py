"""The episode driver bound to the protocol tests' sample app."""

from __future__ import annotations

from typing import Any

from tests.devhost.protocol.sample_app import FUNCTIONS, handle
from tests.support.episodes import T0, EpisodeRun, brief

__all__ = ["T0", "Run", "brief"]


class Run(EpisodeRun):
    """An `EpisodeRun` of one of the sample app's orchestrators."""

    def __init__(self, orchestrator: str, **options: Any) -> None:
        super().__init__(orchestrator, handle, FUNCTIONS, **options)
