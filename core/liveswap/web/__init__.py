"""``liveswap web``: a dashboard of one home, read from its files; writes go through the desired state.

Needs the optional extra: ``pip install 'liveswap[web]'`` (Starlette + uvicorn).
"""
