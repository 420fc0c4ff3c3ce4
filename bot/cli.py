"""Command line: ``python -m bot`` (or ``lor-coach``).

- no argument / ``run``: run the bot (needs DISCORD_TOKEN)
- ``sync``: push the slash commands to Discord now
- ``check FILE|-``: judge a letter (``--json`` for the report, ``--jsonl`` for batch evaluation)
- ``reply FILE|-``: read a referee's reply (same flags)

``--jsonl`` reads ``{"id": ..., "text": ...}`` lines on stdin and writes one JSON line per input with at
least ``{"id", "label"}``: a stable contract used to evaluate the classifiers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

TOKEN_HELP = """\
LOR Coach needs a Discord bot token to connect, and none was found.

  DISCORD_TOKEN is the secret token of your Discord application's bot user.
  Put it in a file named .env next to where you run the bot (see .env.example):

      DISCORD_TOKEN=your-token-here

  or set it in the environment. To get one: open https://discord.com/developers/applications,
  create (or pick) an application, open "Bot", press "Reset Token" and copy it.
  Never share or commit the token.
"""

REJECTED_HELP = """\
Discord rejected the bot token (login failed). It may be mistyped, revoked or reset.

  Get a fresh one: https://discord.com/developers/applications -> your app -> Bot -> Reset Token,
  then update DISCORD_TOKEN in .env (see .env.example).
"""


def _settings_or_exit(out: TextIO) -> Any:
    from pydantic import ValidationError

    from bot.settings import load_settings

    try:
        return load_settings()
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])).upper() for e in exc.errors())
        out.write(f"The configuration is not valid ({fields}). Check .env against .env.example.\n")
        raise SystemExit(2) from None


def _token_or_exit(settings: Any, out: TextIO) -> str:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        out.write(TOKEN_HELP)
        raise SystemExit(2)
    return token


async def _run_bot(token: str, settings: Any, *, sync_only: bool) -> int:
    import discord

    from bot import create_bot
    from db.database import DatabaseUnavailable

    bot = create_bot(settings, sync_mode="force" if sync_only else "auto")
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        except (NotImplementedError, RuntimeError):
            pass
    try:
        async with bot:
            if sync_only:
                await bot.login(token)  # setup_hook runs here and force-syncs
                print(f"Commands synced ({bot.synced_scope}).")
                return 0
            await bot.start(token)
    except discord.LoginFailure:
        sys.stderr.write(REJECTED_HELP)
        return 2
    except DatabaseUnavailable as problem:  # already logged; say it once more without a traceback
        sys.stderr.write(f"{problem}\n")
        return 2
    except discord.HTTPException as error:
        if not sync_only:
            raise
        sys.stderr.write(f"Discord refused the command sync (HTTP {error.status}): {error.text}\n")
        return 1
    return 0


def cmd_run(args: argparse.Namespace, *, sync_only: bool = False) -> int:
    settings = _settings_or_exit(sys.stderr)
    token = _token_or_exit(settings, sys.stderr)
    from bot.logs import setup_logging

    setup_logging(settings.log_level)
    try:
        return asyncio.run(_run_bot(token, settings, sync_only=sync_only))
    except KeyboardInterrupt:
        return 0


# ---------------------------------------------------------------- check / reply
def _read_input(source: str) -> tuple[str, str]:
    """(text, filename) from a path or ``-`` (stdin)."""
    if source == "-":
        return sys.stdin.read(), "stdin.txt"
    path = Path(source)
    data = path.read_bytes()
    if path.suffix.lower() in {".pdf", ".docx"}:
        from bot.advice.files import FileProblem, extract_letter_file

        try:
            return extract_letter_file(path.name, data).text, path.name
        except FileProblem as problem:
            raise SystemExit(f"{path.name}: {problem.user_message}") from None
    return data.decode("utf-8", errors="replace"), path.name


def _jsonl(stdin: TextIO, stdout: TextIO, judge: Callable[[str], dict[str, Any]]) -> int:
    for number, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            ident, text = item.get("id"), item.get("text")
            if not isinstance(text, str):
                raise ValueError("'text' must be a string")
        except (ValueError, AttributeError) as exc:
            stdout.write(json.dumps({"id": None, "line": number, "error": f"bad input line: {exc}"}) + "\n")
            continue
        stdout.write(json.dumps({"id": ident, **judge(text)}, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def _judge_letter(text: str) -> dict[str, Any]:
    from bot.advice.letters import analyze_letter

    report = analyze_letter(text)
    data = report.model_dump(mode="json")
    return {"label": data["label"], "decision": data["decision"], **data}


def _judge_reply(text: str) -> dict[str, Any]:
    from bot.advice.replies import read_reply

    data = read_reply(text).model_dump(mode="json")
    return {"label": data["label"], **data}


def cmd_check(args: argparse.Namespace) -> int:
    if args.jsonl:
        return _jsonl(sys.stdin, sys.stdout, _judge_letter)
    from bot.advice.letters import analyze_letter, render_text

    text, _ = _read_input(args.source)
    report = analyze_letter(text)
    print(
        json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
        if args.json
        else render_text(report)
    )
    return 0


def cmd_reply(args: argparse.Namespace) -> int:
    if args.jsonl:
        return _jsonl(sys.stdin, sys.stdout, _judge_reply)
    from bot.advice.replies import read_reply

    text, _ = _read_input(args.source)
    reading = read_reply(text)
    if args.json:
        print(json.dumps(reading.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print(f"{reading.label.upper()}: {reading.summary}\n")
        for ev in reading.evidence:
            print(f'  - "{ev.quote}" ({ev.category}): {ev.why}')
        print(f"\nWhat to do: {reading.advice}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lor-coach", description="LOR Coach: run the bot or use its advice."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    sub.add_parser("sync", help="push the slash commands to Discord now")
    for name, what in (("check", "judge a letter excerpt"), ("reply", "read a referee's reply")):
        p = sub.add_parser(name, help=what)
        p.add_argument("source", nargs="?", default="-", help="a .txt/.pdf/.docx file, or - for stdin")
        fmt = p.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="print the full result as JSON")
        fmt.add_argument(
            "--jsonl", action="store_true", help='batch: {"id","text"} lines in, one result per line out'
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in (None, "run"):
            return cmd_run(args)
        if args.command == "sync":
            return cmd_run(args, sync_only=True)
        if args.command == "check":
            return cmd_check(args)
        return cmd_reply(args)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
            return 2
        return int(exc.code or 0)
    except FileNotFoundError as exc:
        sys.stderr.write(f"No such file: {exc.filename}\n")
        return 2
