"""Shadow and canary rollouts: a candidate version beside the active one, judged on evidence.

* :mod:`.spec` -- the analysis a rollout is judged by (TOML file and CLI flags);
* :mod:`.figures` -- per-version figures over the same candles (reported; money is judged by
  :mod:`liveswap.judge` on paired batches);
* :mod:`.analysis` -- metrics, measurements and the verdict, with Argo Rollouts' semantics;
* :mod:`.hypothetical` -- a shadow's intents filled and settled as the active version's broker would
  (``shadow_fills``: on a venue, that venue broker's own plan on the book the feed saw).
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.rollout.analysis import AnalysisRun, Assessment, Verdict
    from liveswap.rollout.controller import RolloutController
    from liveswap.rollout.figures import Comparison, VersionFigures
    from liveswap.rollout.hypothetical import shadow_fills
    from liveswap.rollout.spec import AnalysisSpec, AnalysisSpecError, add_analysis_flags, spec_from_args

__all__ = [
    "AnalysisRun", "AnalysisSpec", "AnalysisSpecError", "Assessment", "Comparison", "RolloutController", "Verdict",
    "VersionFigures", "add_analysis_flags", "shadow_fills", "spec_from_args",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "AnalysisRun": "analysis", "AnalysisSpec": "spec", "AnalysisSpecError": "spec", "Assessment": "analysis",
    "Comparison": "figures", "RolloutController": "controller", "Verdict": "analysis", "VersionFigures": "figures",
    "add_analysis_flags": "spec", "shadow_fills": "hypothetical", "spec_from_args": "spec",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
