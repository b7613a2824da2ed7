"""The audit commands of the CLI: `audit verify|export|prove` and `witness`."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

from service.console import CommandError, progress, stop_on_signals
from service.runtime import database_up
from service.settings import Settings


def _vkeys(settings: Settings, args: argparse.Namespace) -> tuple[str, list[str]]:
    from service.audit.keys import log_key_path, read_key_file, vkey_path_for

    log_vkey_file = Path(args.log_vkey) if args.log_vkey else vkey_path_for(log_key_path(settings))
    if not log_vkey_file.exists():
        raise CommandError(f"no log verifier key at {log_vkey_file} (give --log-vkey FILE)")
    return read_key_file(log_vkey_file), [read_key_file(Path(p)) for p in args.witness_vkey]


async def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from service.audit import verify as audit

    log_vkey, witnesses = _vkeys(settings, args)
    if args.from_file:
        progress(f"verifying the export {args.from_file} (no database)")
        try:
            report = audit.verify_export(
                Path(args.from_file), log_vkey, witnesses, allow_pending=args.allow_pending
            )
        except audit.AuditError as exc:
            raise CommandError(f"{args.from_file}: {exc}") from None
    else:
        async with database_up(settings) as db:
            progress("verifying the whole log from the database")
            report = await audit.verify_database(
                db.app_url, log_vkey, witnesses, allow_pending=args.allow_pending
            )
    for finding in report.findings:
        print(f"finding: {finding}", file=sys.stderr)
    erased = ", ".join(str(i) for i in report.erased) or "none"
    print(
        f"log size {report.size}, checkpoints {report.checkpoints}, "
        f"witnessed up to {report.witnessed_size}, erased payloads: {erased}"
    )
    if not report.ok:
        print(f"samverkan: audit FAILED; first bad: {report.first_bad}", file=sys.stderr)
        return 1
    print("audit OK: every leaf, root, signature and cosignature verifies")
    return 0


async def cmd_audit_export(settings: Settings, args: argparse.Namespace) -> int:
    from service.audit import verify as audit

    async with database_up(settings) as db:
        progress(f"exporting the log to {args.file}")
        count = await audit.export(db.app_url, Path(args.file))
    print(f"exported {count} log entries to {args.file}")
    return 0


async def cmd_audit_prove(settings: Settings, args: argparse.Namespace) -> int:
    from service.audit import verify as audit

    try:
        event_id = uuid.UUID(args.event_id)
    except ValueError:
        raise CommandError(f"{args.event_id!r} is not an event id (a UUID)") from None
    async with database_up(settings) as db:
        try:
            bundle = await audit.prove(db.app_url, event_id)
        except audit.AuditError as exc:
            raise CommandError(str(exc)) from None
    print(json.dumps(bundle, indent=2))
    return 0


async def cmd_witness(settings: Settings, args: argparse.Namespace) -> int:
    from service.audit.keys import read_key_file
    from service.audit.witness import run_witness

    async with database_up(settings) as db:
        stop = stop_on_signals()
        await run_witness(
            db.app_url,
            args.name,
            Path(args.key),
            Path(args.state),
            read_key_file(Path(args.log_vkey)),
            stop,
        )
    return 0
