"""Link checker for the reference URLs cited by the data (`kanmin linkcheck`).

Stages: inputs (table or list → Targets) → run.check_urls (→ RunReport, via schedule,
fetch, transport, safety, classify, cache, archive, accept) → report (files) / console.
"""
from .model import Result, RunReport, Settings, Target
from .run import check_urls

__all__ = ["Result", "RunReport", "Settings", "Target", "check_urls"]
