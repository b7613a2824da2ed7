"""The operator commands of the CLI: `backup`, `restore` and `erase`."""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

from service.console import CommandError, progress
from service.runtime import database_up
from service.settings import Settings


async def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    from service.admin.erasure import ErasureError, erase

    try:
        event_id = uuid.UUID(args.event_id)
    except ValueError:
        raise CommandError(f"{args.event_id!r} is not an event id (a UUID)") from None
    async with database_up(settings) as db:
        try:
            index = await erase(
                db.app_url, event_id, args.reason, args.erased_by, args.authorised_by
            )
        except ErasureError as exc:
            raise CommandError(str(exc)) from None
    print(
        f"erased the personal data of log entry {index}; the read models re-fold it, "
        "and its commitment keeps the tree verifiable"
    )
    return 0


async def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from service.admin import backup
    from service.audit.keys import log_key_path, vkey_path_for

    async with database_up(settings, migrate=False) as db:
        try:
            result = await backup.backup(
                db.admin_url,
                Path(args.file),
                log_vkey=vkey_path_for(log_key_path(settings)),
                pg_bin=Path(args.pg_bin) if args.pg_bin else None,
                progress=progress,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
    print(
        f"backup written: {result.file} ({result.bytes:,} bytes, {result.entries} archive "
        f"entries, {result.seconds:.1f} s); {result.state.describe()}"
    )
    if result.vkey_file is not None:
        print(f"the log's verifier key (public) is copied to {result.vkey_file}")
    print(
        "keys are not in the backup: keep the log's signing key "
        f"({log_key_path(settings)}) and each witness's key file and state directory "
        "in your key backup (ops/README.md)"
    )
    return 0


async def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from service.admin import backup
    from service.audit.keys import log_key_path

    async with database_up(settings, migrate=False) as db:
        try:
            result = await backup.restore(
                db.admin_url,
                Path(args.file),
                log_key=log_key_path(settings),
                pg_bin=Path(args.pg_bin) if args.pg_bin else None,
                progress=progress,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
    state = result.state
    print(f"restored in {result.seconds:.1f} s: {state.describe()}")
    if state.unsequenced:
        print(f"the worker sequences the {state.unsequenced} waiting event(s) before new ones")
    if result.key_ok:
        progress(result.key_line)
    else:
        print(
            f"warning: {result.key_line}; put the log's original signing key there "
            "(or set SAMVERKAN_LOG_KEY) before starting the workers, or the witnesses will "
            "refuse every new checkpoint",
            file=sys.stderr,
        )
    print("next: samverkan audit verify --witness-vkey ... , then start the workers")
    return 0
