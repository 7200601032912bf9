"""``sampark-server``: serve the API, seed the demo data, import contacts, migrate.

    sampark-server serve [--database-url URL] [--host H] [--port P] [--workers N]
                         [--access-log] [--ssl-certfile PEM --ssl-keyfile PEM]
    sampark-server seed-demo [--database-url URL] [--json] [--calling-window HH:MM-HH:MM]
                             [--retry-gap-seconds N]
    sampark-server import-contacts FILE.csv --campaign ID [--strict] [--database-url URL]
    sampark-server migrate [--database-url URL]

Without ``--database-url`` the URL comes from ``SAMPARK_SERVER_DATABASE_URL`` or is an SQLite
file in the data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from server import config, migrate
from server.db import make_engine


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sampark-server", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: CPU count)"
    )
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action="store_true", help="log every request (slower)")
    serve.add_argument("--ssl-certfile", type=Path, help="PEM certificate: serve HTTPS")
    serve.add_argument("--ssl-keyfile", type=Path, help="PEM private key for --ssl-certfile")
    seed = sub.add_parser("seed-demo", help="create the demo centre, campaign and users")
    seed.add_argument("--json", action="store_true", help="print credentials as JSON")
    seed.add_argument("--calling-window", default="09:00-21:00", help="HH:MM-HH:MM, IST")
    seed.add_argument("--sip-domain", default="127.0.0.1")
    seed.add_argument(
        "--retry-gap-seconds", type=int, default=None, help="redial gap (default 1800)"
    )
    imp = sub.add_parser("import-contacts", help="import a contacts CSV into a campaign")
    imp.add_argument("file", type=Path)
    imp.add_argument("--campaign", type=int, required=True)
    imp.add_argument("--strict", action="store_true", help="import nothing if any row is bad")
    sub.add_parser("migrate", help="apply database migrations")
    for p in (serve, seed, imp, *sub.choices.values()):
        if not any(a.dest == "database_url" for a in p._actions):
            p.add_argument("--database-url", default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.database_url or config.default_database_url()
    handler = {
        "serve": _serve,
        "seed-demo": _seed,
        "import-contacts": _import,
        "migrate": _migrate,
    }[args.command]
    return handler(args, url)


def _engine(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    migrate.upgrade(engine)
    return engine


def _migrate(_args: argparse.Namespace, url: str) -> int:
    _engine(url).dispose()
    print("database is at the newest schema revision")
    return 0


def _serve(args: argparse.Namespace, url: str) -> int:
    import uvicorn

    _engine(url).dispose()  # migrate once, before any worker starts
    os.environ[config.DATABASE_URL_ENV] = url
    uvicorn.run(
        "server.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers or os.cpu_count() or 1,
        log_level=args.log_level,
        access_log=args.access_log,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return 0


def _seed(args: argparse.Namespace, url: str) -> int:
    from server.seed import seed_demo

    match = re.fullmatch(r"(\d\d:\d\d)-(\d\d:\d\d)", args.calling_window)
    if not match:
        print("--calling-window must look like 09:00-21:00", file=sys.stderr)
        return 2
    if args.retry_gap_seconds is not None and args.retry_gap_seconds < 0:
        print("--retry-gap-seconds must be >= 0", file=sys.stderr)
        return 2
    engine = _engine(url)
    result = seed_demo(
        engine, (match[1], match[2]), args.sip_domain, retry_gap_seconds=args.retry_gap_seconds
    )
    engine.dispose()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"campaign {result['campaign_id']} in centre {result['centre_id']}")
        for user in result["users"]:
            print(f"{user['role']:<11} {user['username']:<12} {user['password']}")
    return 0


def _import(args: argparse.Namespace, url: str) -> int:
    from server.errors import ApiError
    from server.importer import import_csv

    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    engine = _engine(url)
    try:
        report = import_csv(engine, args.campaign, text, strict=args.strict)
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for row in report.rejected:
        print(f"line {row.line}: {'; '.join(row.reasons)}", file=sys.stderr)
    state = "imported" if report.committed else "nothing imported"
    print(f"{state}: {report.imported} contacts; {len(report.rejected)} rows rejected")
    return 0 if report.committed and not report.rejected else 1


if __name__ == "__main__":
    sys.exit(main())
