"""``liveswap web``: a dashboard of one home, read from its files; writes go through the desired state.

Starlette and uvicorn are base dependencies: ``pip install liveswap`` is enough (contract section 1).
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.web.actions import Guard, new_token
    from liveswap.web.app import create_app

__all__ = [
    "Guard", "create_app", "new_token",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "Guard": "actions", "create_app": "app", "new_token": "actions",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
