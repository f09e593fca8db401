"""When ``--wait`` returns: the one place the host decides ``observed_generation``.

``liveswap ... --wait`` (:mod:`liveswap.home.wait`) follows status.json until it shows
``observed_generation >= G``, or a refusal of G. The host reports, through :class:`Progress`:

* the newest generation whose control.json was validated and applied (pause, markets, params and
  risk are in force from the next batch; a file refused as a whole is refused at once);
* held one short of the oldest generation with **work** still under way: the swap it asked for
  (being prepared off the trading path, committed at a batch boundary) or its candidate (being
  loaded and started). A swap or a candidate that takes effect or is refused ends its work.

So ``--wait`` for G returns once G is applied *and* every swap and candidate asked for by G or
before it is over -- or at once when G is refused (its reason is in ``control_refusals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Progress", "Work"]


@dataclass(frozen=True, slots=True)
class Work:
    """A generation's swap or candidate, still under way."""

    generation: int
    part: Literal["swap", "candidate"]


class Progress:
    """The applied generation and the work still under way; :attr:`observed` is what status shows."""

    def __init__(self) -> None:
        self._applied: int | None = None
        self._under_way: set[Work] = set()

    def applied(self, generation: int) -> None:
        """control.json of ``generation`` was validated and applied (its work may still run)."""
        self._applied = generation

    def start(self, work: Work) -> None:
        self._under_way.add(work)

    def finish(self, work: Work) -> bool:
        """``work`` took effect or was refused; False if it was not under way (already finished)."""
        if work not in self._under_way:
            return False
        self._under_way.discard(work)
        return True

    def under_way(self, work: Work) -> bool:
        return work in self._under_way

    @property
    def observed(self) -> int | None:
        """``observed_generation``: the applied generation, short of any work still under way
        (None: no generation applied by this run yet)."""
        if self._applied is None:
            return None
        return min([self._applied, *(w.generation - 1 for w in self._under_way)])
