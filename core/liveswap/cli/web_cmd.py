"""``liveswap web [--port P] [--bind ADDR]``: serve the dashboard of a home until Ctrl-C.

It only reads the home's files (status, control, the journal read-only, logs), so it works with
or without a running host and never disturbs one. Its write actions need the token it prints.
"""

from __future__ import annotations

import argparse
import importlib.util

from liveswap.cli.common import CommandError, add_home
from liveswap.settings import load_settings, settings_error

INSTALL_HINT = ("the dashboard needs Starlette and uvicorn, which every install of liveswap has: this environment "
                "lost them (pip install --force-reinstall liveswap)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("web", help="a web dashboard of the home (127.0.0.1 by default); actions need its token")
    add_home(p)
    p.add_argument("--port", type=_port, default=8765, help="TCP port (default 8765; 0 picks a free one)")
    p.add_argument("--bind", default="127.0.0.1", metavar="ADDR",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=web)


def _port(text: str) -> int:
    """A TCP port, 0-65535 (a usage error otherwise, not a traceback from bind)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: 0-65535 (0 picks a free one)")
    return port


def web(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        raise CommandError(INSTALL_HINT)
    import socket

    import uvicorn

    from liveswap.web import Guard, create_app, new_token

    try:
        settings = load_settings(args.home)
    except ValueError as exc:
        raise CommandError(settings_error(exc)) from None
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.bind, args.port))
    except OSError as exc:
        sock.close()
        raise CommandError(f"cannot listen on {args.bind}:{args.port}: {exc.strerror}") from None
    port = sock.getsockname()[1]
    token = new_token()
    host = f"[{args.bind}]" if ":" in args.bind else args.bind
    shown = "127.0.0.1" if args.bind in ("0.0.0.0", "::") else host
    print(f"liveswap dashboard of {settings.home}", flush=True)
    print(f"  open:  http://{shown}:{port}/#token={token}", flush=True)
    print(f"  token: {token}  (needed for actions; sent as the X-Liveswap-Token header)", flush=True)
    if args.bind not in ("127.0.0.1", "localhost", "::1"):
        print(f"  warning: listening on {args.bind}: other machines can read this dashboard", flush=True)
    app = create_app(settings, Guard.for_address(token, args.bind, port))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
