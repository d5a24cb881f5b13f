"""Batch issuance speed: 10,000 diplomas through the real batch path on PostgreSQL.

What is measured (one run, one machine):

1. **validate**: ``batch_create_from_csv`` on a 10,000-row UTF-8 CSV with Chinese
   names (decode, parse, JSON-Schema validation of every row, rows stored).
2. **worker**: ``batch_run`` in a separate worker process (``python bench/issuance.py
   --worker``, the same code the Celery task calls): every row becomes an Open
   Badges 3.0 ``AchievementCredential`` with two status entries, signed with
   ``eddsa-rdfc-2022``, stored, and its anchoring leaf queued, in chunks of
   ``BATCH_CHUNK_ROWS`` per transaction. Its wall time and peak RSS
   (``ru_maxrss``, the whole process including Django) are reported.
3. **didkit**: the same 10,000 diplomas (VC 1.1 form) signed by didkit's
   ``issue_credential`` with ``Ed25519Signature2018`` in a loop, in this process:
   signing only, nothing stored.

Targets (issue 3): at least 1,000 credentials/s end to end (validate + worker) and
a worker peak RSS under 300 MB on the 2-core CI machine.

Usage::

    .venv/bin/python bench/issuance.py [--rows 10000] [--database-url postgres://...] [--keep] [--profile]

The database (default ``postgres://postgres@127.0.0.1:5432/lianzheng_bench``) is
created and dropped by the script; it must not exist already.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lianzheng_bench"
TARGET_RATE = 1000.0
TARGET_RSS_MB = 300.0


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("PUBLIC_URL", "https://lianzheng.example")
    # batch_start sends its task on commit: an in-memory broker keeps it in this process.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("CONN_MAX_AGE", "0")
    import django

    django.setup()


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name or "/" in name:
        raise SystemExit(f"no database name in {database_url!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


def _database(database_url: str, action: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(database_url)
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        if action == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def make_csv(rows: int) -> bytes:
    """A graduating class: UTF-8 with BOM, Chinese names, every optional column filled."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student_number", "name", "major", "honours", "gpa", "date_of_award", "date_of_birth", "email"])
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    for n in range(rows):
        writer.writerow(
            [
                f"2024{n:06d}",
                f"{surnames[n % len(surnames)]}{'伟芳娜敏静丽强磊军洋'[n % 10]} Student {n}",
                "计算机科学与技术 Computer Science and Technology",
                "优秀毕业生 Outstanding Graduate" if n % 7 == 0 else "",
                f"{2 + (n % 200) / 100:.2f}",
                "2024-06-30",
                f"{2000 + n % 4}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "",  # no email: claim-link delivery is not part of this measurement
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def worker_main(database_url: str, batch_id: int, profile: bool) -> None:
    """The worker process: issue the batch and report time and peak RSS as JSON."""
    _setup_django(database_url)
    # A Celery worker has imported every app's tasks (and so web3, through
    # anchoring) before its first task: do the same before the clock starts.
    import anchoring.services  # noqa: F401
    import credentials.tasks  # noqa: F401
    from credentials.batches import batch_run

    t0 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        batch_run(batch_id=batch_id, notify=False)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(45)
    else:
        batch_run(batch_id=batch_id, notify=False)
    seconds = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb}))


def didkit_loop(rows: int) -> float:
    """Seconds didkit takes to sign ``rows`` diplomas (VC 1.1 form) one after another."""
    import didkit

    from credentials import diplomas

    jwk = didkit.generate_ed25519_key()
    did = didkit.key_to_did("key", jwk)
    achievement = diplomas.Achievement(
        id="https://lianzheng.example/achievements/bachelor",
        kind="bachelor",
        name="Bachelor's Degree",
        description="Awarded on completion of an undergraduate programme of study.",
        criteria="Completion of all required courses and credits of the programme, and a graduation thesis.",
        degree_type="Bachelor",
        field_of_study="",
    )
    issuer = diplomas.Issuer(id=did, name="Bench University")
    text = make_csv(rows)[3:].decode("utf-8")
    recipients = [{k: v for k, v in r.items() if v} for r in csv.DictReader(io.StringIO(text))]

    async def run() -> float:
        vm = await didkit.key_to_verification_method("key", jwk)
        options = json.dumps({"proofPurpose": "assertionMethod", "verificationMethod": vm, "type": "Ed25519Signature2018"})
        t0 = time.perf_counter()
        for n, recipient in enumerate(recipients):
            doc = diplomas.achievement_credential(
                credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
                issuer=issuer,
                achievement=achievement,
                recipient=recipient,
                valid_from="2024-06-30T08:00:00Z",
                status_entries=[],
            )
            # VC 1.1 form: didkit 0.3 knows neither VC 2.0 nor OB 3.0.3's awardedDate.
            doc["@context"] = ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context.json"]
            doc["issuanceDate"] = doc.pop("validFrom")
            doc.pop("awardedDate", None)
            signed = await didkit.issue_credential(json.dumps(doc), options, json.dumps(jwk) if isinstance(jwk, dict) else jwk)
            if n == 0 and "proof" not in json.loads(signed):
                raise SystemExit("didkit returned no proof")
        return time.perf_counter() - t0

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    parser.add_argument("--profile", action="store_true", help="cProfile the worker (to stderr)")
    parser.add_argument("--no-didkit", action="store_true")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        worker_main(args.database_url, args.worker, args.profile)
        return 0

    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("LIANZHENG_MASTER_KEY", secrets.token_hex(32))
    _database(args.database_url, "create")
    try:
        _setup_django(args.database_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from credentials.batches import batch_create_from_csv, batch_start
        from credentials.models import Batch, Credential
        from credentials.services import organisation_onboard
        from identity.services import Actor

        organisation = organisation_onboard(slug="bench-u", name_en="Bench University", name_zh="基准大学")
        template = organisation.templates.get(slug="bachelor")
        data = make_csv(args.rows)

        t0 = time.perf_counter()
        batch = batch_create_from_csv(organisation=organisation, template=template, data=data, filename="class.csv", actor=Actor.system())
        validate_s = time.perf_counter() - t0
        if batch.state != Batch.State.READY:
            raise SystemExit(f"the bench CSV did not validate: {batch.errors or batch.rows.exclude(errors=[]).first().errors}")
        batch_start(batch=batch, actor=Actor.system())

        worker_env = {**os.environ}
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", str(batch.pk), "--database-url", args.database_url]
            + (["--profile"] if args.profile else []),
            env=worker_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit("the worker failed")
        if args.profile:
            sys.stderr.write(proc.stderr)
        worker = json.loads(proc.stdout.strip().splitlines()[-1])
        batch.refresh_from_db()
        issued = Credential.objects.filter(batch=batch).count()
        if batch.state != Batch.State.DONE or issued != args.rows:
            raise SystemExit(f"batch ended {batch.state} with {issued} credentials")
        from anchoring.models import AnchorLeaf

        leaves = AnchorLeaf.objects.filter(ref__in=Credential.objects.filter(batch=batch).values("public_id")).count()
        if leaves != args.rows:
            raise SystemExit(f"{leaves} anchoring leaves for {args.rows} credentials")

        didkit_s = None if args.no_didkit else didkit_loop(args.rows)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _database(args.database_url, "drop")

    n = args.rows
    total_s = validate_s + worker["seconds"]
    rows = [
        ("validate (CSV → rows)", validate_s, n / validate_s, None),
        ("worker: sign eddsa-rdfc-2022 + store + leaf", worker["seconds"], n / worker["seconds"], worker["rss_mb"]),
        ("end to end (validate + worker)", total_s, n / total_s, None),
    ]
    if didkit_s is not None:
        rows.append(("didkit Ed25519Signature2018 loop (sign only)", didkit_s, n / didkit_s, None))
    print(f"\nBatch issuance of {n} diplomas on PostgreSQL, one worker process\n")
    print(f"{'step':48} {'seconds':>9} {'creds/s':>9} {'peak RSS MB':>12}")
    print("-" * 81)
    for name, seconds, rate, rss in rows:
        print(f"{name:48} {seconds:9.2f} {rate:9.0f} {'' if rss is None else f'{rss:.0f}':>12}")
    print()
    rate_ok = n / total_s >= TARGET_RATE
    rss_ok = worker["rss_mb"] < TARGET_RSS_MB
    print(f"target ≥ {TARGET_RATE:.0f} credentials/s end to end: {'met' if rate_ok else 'MISSED'} ({n / total_s:.0f}/s)")
    print(f"target worker peak RSS < {TARGET_RSS_MB:.0f} MB: {'met' if rss_ok else 'MISSED'} ({worker['rss_mb']:.0f} MB)")
    if didkit_s is not None:
        print(f"our worker (signing, storing, queueing) vs didkit signing alone: {didkit_s / worker['seconds']:.1f}×")
    return 0 if rate_ok and rss_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
