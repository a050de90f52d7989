"""Command line: ``nnplayground serve`` starts the web app; ``nnplayground train`` trains
in the terminal."""

from __future__ import annotations

import argparse
import os
import sys


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    # The app factory reads one Settings object from the environment; the flags feed it.
    os.environ["NNPG_HOST"] = args.host
    os.environ["NNPG_PORT"] = str(args.port)
    if args.data_dir:
        os.environ["NNPG_DATA_DIR"] = args.data_dir
    if args.access:
        os.environ["NNPG_ACCESS"] = args.access
    if args.users_file:
        os.environ["NNPG_USERS_FILE"] = args.users_file
    from .server.auth import AccessError, check_startup
    from .server.settings import Settings

    try:  # refused here with one clear line rather than a traceback from the factory
        check_startup(Settings.from_env())
    except AccessError as exc:
        print(f"nnplayground: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        "nnplayground.server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        workers=1,  # run state lives in memory: one worker process per server
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nnplayground", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the playground web app")
    serve.add_argument("--host", default=os.environ.get("NNPG_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("NNPG_PORT", "8000")))
    serve.add_argument("--data-dir", default=None, help="where runs and models are stored")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access", choices=["code", "users"], default=None,
                       help="sign-in for a class (required on any address but localhost)")
    serve.add_argument("--users-file", default=None,
                       help="with --access users: lines of name:password[:teacher]")
    serve.set_defaults(func=_serve)

    from .train_cli import add_train_parser

    add_train_parser(sub)

    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
