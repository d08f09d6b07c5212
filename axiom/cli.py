"""The `axiom` command: bring the system up, serve one process, run a Vision worker, migrate, regenerate schemas,
load, refresh and delete cubes, mint dev tokens."""

from __future__ import annotations

import argparse
import asyncio
import sys

from axiom.settings import Settings, SettingsError
from subgraphs.registry import SUBGRAPHS


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"axiom: configuration error: {exc}")


def cmd_up(args: argparse.Namespace) -> int:
    from axiom.supervisor import run_system

    return run_system(_settings(), seed_demo=not args.no_demo)


def cmd_serve(args: argparse.Namespace) -> int:
    from axiom.serve import serve

    serve(args.service, _settings())
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from subgraphs.vision.jobs.worker import run_worker, worker_is_live

    if args.check:
        return 0 if asyncio.run(worker_is_live(_settings())) else 1
    run_worker(_settings())
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    from axiom.migrate import upgrade

    settings = _settings()
    if not settings.database_url:
        sys.exit("axiom: DATABASE_URL is not set (`axiom up` starts an embedded PostgreSQL instead)")
    upgrade(settings.database_url, settings)
    print("migrations applied")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from axiom.schema_files import check_schema_files, write_schema_files

    if args.check:
        drift = check_schema_files()
        for line in drift:
            print(line)
        return 1 if drift else 0
    for path in write_schema_files():
        print(f"wrote {path}")
    return 0


def cmd_schema_diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from axiom.schema_diff import diff_schemas, report

    changes = diff_schemas(Path(args.old).read_text(), Path(args.new).read_text())
    print(report(changes), end="")
    return 1 if any(c.severity == "breaking" for c in changes) else 0


def cmd_schema_guard(args: argparse.Namespace) -> int:
    from pathlib import Path

    from axiom.schema_guard import BASELINE, CHANGES, CURRENT, UNRELEASED, guard

    baseline, current, changes = (
        Path(given) if given else default
        for given, default in ((args.baseline, BASELINE), (args.current, CURRENT), (args.changes, CHANGES))
    )
    unannounced = guard(baseline, current, changes)
    if not unannounced:
        print(f"{current}: no unannounced breaking change from {baseline}")
        return 0
    print(f"{current} breaks clients of {baseline} where {changes} does not say so:")
    for description in unannounced:
        print(f"  {description}")
    print(f"Avoid the change, or announce it: copy each line above under '{UNRELEASED}' in {changes}.")
    return 1


def cmd_token(args: argparse.Namespace) -> int:
    from axiom.auth import issue_token

    print(
        issue_token(
            _settings(),
            tenant_id=args.tenant,
            subject=args.subject,
            roles=args.role or ["analyst"],
            ttl_seconds=args.ttl,
        )
    )
    return 0


def cmd_cubes(args: argparse.Namespace) -> int:
    from pathlib import Path

    from subgraphs.vision.commands import CommandError, delete_cubes, load_cubes, refresh_cubes

    settings = _settings()
    try:
        if args.action == "load":
            status, lines = asyncio.run(
                load_cubes(
                    settings,
                    tenant_id=args.tenant,
                    datasource_id=args.datasource_id,
                    paths=[Path(p) for p in args.paths],
                )
            )
        elif args.action == "delete":
            status, lines = asyncio.run(delete_cubes(settings, tenant_id=args.tenant, names=args.names))
        else:
            status, lines = asyncio.run(refresh_cubes(settings, tenant_id=args.tenant, names=args.cube or []))
    except CommandError as exc:
        print(f"axiom cubes {args.action}: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="axiom", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start embedded servers (unless configured), the subgraphs and the gateway")
    up.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="serve one process with the current settings")
    serve.add_argument("service", choices=["gateway", *(spec.name for spec in SUBGRAPHS)])
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser(
        "worker",
        help="run a Vision worker: refreshes, the ETL schedule, scenario solves and "
        "causal discovery from the Redis job queue (run several to scale out)",
    )
    worker.add_argument("--check", action="store_true", help="exit 0 if a worker of this host is live (health check)")
    worker.set_defaults(func=cmd_worker)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    schema = sub.add_parser("schema", help="regenerate schema/ (subgraph SDLs, supergraph, client API)")
    schema.add_argument("--check", action="store_true", help="exit 1 if schema/ differs from the code")
    schema.set_defaults(func=cmd_schema)
    schema_sub = schema.add_subparsers(dest="schema_action")
    diff = schema_sub.add_parser(
        "diff",
        help="classify the changes from OLD to NEW (SDL files) as breaking, "
        "dangerous or safe; exit 1 if any is breaking",
    )
    diff.add_argument("old")
    diff.add_argument("new")
    diff.set_defaults(func=cmd_schema_diff)
    schema_guard = schema_sub.add_parser(
        "guard",
        help="exit 1 if the client API breaks clients of the baseline (the last release) where schema/CHANGES.md "
        "does not announce it",
    )
    schema_guard.add_argument("--baseline", help="default: schema/baseline/api.graphql")
    schema_guard.add_argument("--current", help="default: schema/api.graphql")
    schema_guard.add_argument("--changes", help="default: schema/CHANGES.md")
    schema_guard.set_defaults(func=cmd_schema_guard)

    cubes = sub.add_parser("cubes", help="Vision cubes: store cube files and build or refresh their views")
    cubes_sub = cubes.add_subparsers(dest="action", required=True)
    load = cubes_sub.add_parser("load", help="store cube XML files for a tenant and build their materialized views")
    load.add_argument("paths", nargs="*", help="cube files or folders of *.xml (default: the built-in cubes)")
    load.add_argument("--tenant", default="demo", help="tenant owning the cubes (default: demo)")
    load.add_argument("--datasource-id", required=True, help="the Weaver datasource holding the fact tables")
    load.set_defaults(func=cmd_cubes)
    refresh = cubes_sub.add_parser(
        "refresh",
        help="refresh cube views (building missing ones); all tenants by "
        "default, through Airflow when AIRFLOW_BASE_URL is set",
    )
    refresh.add_argument("--tenant", help="only this tenant's cubes")
    refresh.add_argument("--cube", action="append", help="only this cube (by name; repeatable; needs --tenant)")
    refresh.set_defaults(func=cmd_cubes)
    delete = cubes_sub.add_parser(
        "delete", help="delete a tenant's cubes with their views, refresh runs and glossary links"
    )
    delete.add_argument("names", nargs="+", help="cube names")
    delete.add_argument("--tenant", required=True, help="tenant owning the cubes")
    delete.set_defaults(func=cmd_cubes)

    token = sub.add_parser("token", help="print a signed JWT for development")
    token.add_argument("--tenant", default="demo")
    token.add_argument("--subject", default="dev-user")
    token.add_argument("--role", action="append", help="repeatable; default: analyst")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    token.set_defaults(func=cmd_token)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
