"""Shadow and canary rollouts: a candidate version beside the active one, judged on evidence.

* :mod:`.spec` -- the analysis a rollout is judged by (TOML file and CLI flags);
* :mod:`.figures` -- per-version figures over the same candles (reported; money is judged by
  :mod:`liveswap.judge` on paired batches);
* :mod:`.analysis` -- metrics, measurements and the verdict, with Argo Rollouts' semantics;
* :mod:`.hypothetical` -- a shadow's intents filled and settled by the paper model.
"""

from liveswap.rollout.analysis import AnalysisRun, Assessment, Verdict
from liveswap.rollout.figures import Comparison, VersionFigures
from liveswap.rollout.spec import AnalysisSpec, AnalysisSpecError

__all__ = ["AnalysisRun", "AnalysisSpec", "AnalysisSpecError", "Assessment", "Comparison", "Verdict",
           "VersionFigures"]
