"""`make bench`: fill benchmark data once, then measure every benchmark module.

Each module ``bench/bench_*.py`` defines ``run(*, fill: bool) -> list[Result]``. Data is kept
in its own database (var/bench.sqlite3, or DATABASE_URL: a PostgreSQL database is created when
it does not exist yet) between runs; ``--fill`` refills.

    make bench                       # every benchmark
    make bench BENCH_ARGS="providers" # only bench_providers
    make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_5m \
        BENCH_ARGS="--questions 5000000 desk dashboards"
    make bench BENCH_ARGS="--providers 600000 providers"
"""

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench.harness import print_table, refresh_statistics, trivial_floor

    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("only", nargs="*", help="benchmark names, e.g. providers")
    parser.add_argument("--fill", action="store_true", help="refill the benchmark data")
    parser.add_argument(
        "--questions",
        type=int,
        default=None,
        help="support questions of the benchmark desk (default 500,000)",
    )
    parser.add_argument(
        "--providers",
        type=int,
        default=None,
        help="providers of the registry benchmark (default 60,000)",
    )
    args = parser.parse_args()
    if args.providers is not None:
        from bench import bench_providers

        bench_providers.TOTAL = args.providers
    if args.questions is not None:
        from bench import bench_desk

        bench_desk.QUESTIONS = args.questions
    create_database()

    Path(settings.BASE_DIR / "var").mkdir(exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    settings.DEBUG = False
    names = sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    results = []
    settle = autovacuum_is_off()
    for name in names:
        if args.only and name not in args.only:
            continue
        module = importlib.import_module(f"bench.bench_{name}")
        if settle:
            # What autovacuum does between a fill (or an earlier module's writes, such as the
            # digest's first run) and the requests of a live server.
            refresh_statistics()
        print(f"… {name}", flush=True)
        results.extend(module.run(fill=args.fill))
    print_table(results, trivial_floor())
    return 0 if all(r.within_budget for r in results) else 1


def autovacuum_is_off() -> bool:
    """A PostgreSQL server without autovacuum (some development setups) never sets the
    visibility map or the planner statistics after bulk writes; the benchmark then vacuums
    before each module, as a production server's autovacuum would have."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        off = cursor.fetchone()[0] == "off"
    if off:
        print("… autovacuum is off on this server: VACUUM ANALYZE before each module", flush=True)
    return off


def create_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL when it does not exist yet."""
    from django.db import connection
    from django.db.utils import OperationalError

    if connection.vendor != "postgresql":
        return
    try:
        connection.ensure_connection()
    except OperationalError:
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        print(f"… created database {name}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
