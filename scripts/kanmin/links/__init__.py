"""Link checker for the reference URLs cited by the data (`kanmin linkcheck`).

Stages: inputs (table or list → Targets) → run.check_urls (→ RunReport, via schedule,
fetch, transport, safety, classify, cache, archive, accept) → report (files) / console.
"""
from .model import Result, RunReport, Settings, Target

__all__ = ["Result", "RunReport", "Settings", "Target", "check_urls"]


def __getattr__(name: str):
    """``check_urls`` is imported when first used: every ``kanmin`` command builds the parser,
    which imports ``links.cli``, and the HTTP stack (urllib3, 80 ms) is only for the link check."""
    if name == "check_urls":
        from .run import check_urls
        return check_urls
    raise AttributeError(name)
