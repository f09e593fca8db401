"""``liveswap web``: a dashboard of one home, read from its files; writes go through the desired state.

Starlette and uvicorn are base dependencies: ``pip install liveswap`` is enough (contract section 1).
"""
