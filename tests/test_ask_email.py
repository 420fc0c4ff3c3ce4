"""/ask email (every kind, code block + .txt, missing facts), /ask reply, and the reply reader's eval set."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.advice.emails import EMAIL_KINDS
from bot.advice.vocab import Area
from db.referees import Bullet, add_referee, set_bullets

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval" / "replies-dev.jsonl"
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9 ,:\-]*\]")
FENCE = re.compile(r"```\n(.*?)\n```", re.S)


async def full_referee(env, user) -> int:
    bot = env.bot
    referee = await add_referee(
        bot.db,
        user.id,
        name="Dr Nadia Salem",
        label="strong",
        now=bot.now(),
        title="Professor of Medicine",
        institution="Alexandria University Hospital",
        how_known="during my internal medicine internship in 2023",
        last_worked=date(2023, 11, 30),
    )
    bullets = [
        Bullet(area=Area.clinical_judgment, text="Caught a missed pulmonary embolism on a night admission"),
        Bullet(
            area=Area.communication, text="Explained a new diabetes diagnosis to a family in two languages"
        ),
    ]
    await set_bullets(bot.db, user.id, referee.id, bullets, now=bot.now())
    return referee.id


def code_text(messages) -> str:
    """The text inside every code block, in order, joined the way the draft was split."""
    return "\n\n".join(block for m in messages for block in FENCE.findall(m.content))


def listed_missing(content: str) -> set[str]:
    line = next((ln for ln in content.splitlines() if ln.startswith("Fill these in")), "")
    return set(re.findall(r"`(\[[^`]+\])`", line))


async def read_attachment(message) -> str:
    (attachment,) = message.attachments
    assert attachment.filename.endswith(".txt")
    return (await attachment.read()).decode("utf-8")


# ---------------------------------------------------------------- /ask email
@pytest.mark.parametrize("kind", EMAIL_KINDS)
async def test_every_email_kind_comes_as_code_block_and_txt_with_missing_facts_listed(simcord_env, kind):
    user = simcord_env.create_user("ana")
    await full_referee(simcord_env, user)
    deadline = (simcord_env.bot.now().date() + timedelta(days=60)).isoformat()
    res = await user.slash(
        "ask email", referee="Dr Nadia Salem", kind=kind, specialty="Internal Medicine", deadline=deadline
    )
    assert res.ephemeral
    messages = [res.response, *res.followups]
    assert all(len(m.content) <= 2000 for m in messages)
    text = await read_attachment(res.response)
    assert code_text(messages) == text.rstrip("\n")
    found = set(PLACEHOLDER.findall(text))
    assert listed_missing(res.response.content) == found
    # facts we gave are used, never replaced by a placeholder
    assert "[INSTITUTION]" not in found and "[YOUR SPECIALTY]" not in found and "[DEADLINE]" not in found
    assert "Dear Dr Nadia Salem," in text or "Dear Professor" in text
    assert "[YOUR NAME]" in found  # the applicant's name is never guessed from a Discord profile


async def test_facts_the_user_never_gave_are_listed_not_invented(simcord_env):
    user = simcord_env.create_user("ben")
    bot = simcord_env.bot
    await add_referee(bot.db, user.id, name="Dr Bare", label="unsure", now=bot.now())
    res = await user.slash("ask email", referee="Dr Bare", kind="strong-request")
    missing = listed_missing(res.response.content)
    assert {"[YOUR SPECIALTY]", "[INSTITUTION]", "[DEADLINE]", "[YOUR NAME]"} <= missing
    assert missing == set(PLACEHOLDER.findall(await read_attachment(res.response)))


async def test_a_long_support_packet_is_split_into_messages_under_2000(simcord_env):
    user = simcord_env.create_user("cy")
    bot = simcord_env.bot
    referee = await add_referee(bot.db, user.id, name="Dr Long", label="strong", now=bot.now())
    areas = list(Area)
    bullets = [
        Bullet(area=areas[i % len(areas)], text=f"Case {i}: " + "managed a complex admission overnight " * 5)
        for i in range(10)
    ]
    await set_bullets(bot.db, user.id, referee.id, bullets, now=bot.now())
    res = await user.slash("ask email", referee="Dr Long", kind="support-packet")
    messages = [res.response, *res.followups]
    assert len(messages) >= 2
    assert all(len(m.content) <= 2000 and m.ephemeral and FENCE.search(m.content) for m in messages)
    words = " ".join(code_text(messages).split())  # parts are cut at line breaks: compare the words
    assert words == " ".join((await read_attachment(res.response)).split())


async def test_a_name_with_backticks_cannot_break_the_code_block(simcord_env):
    user = simcord_env.create_user("dee")
    bot = simcord_env.bot
    await add_referee(bot.db, user.id, name="Dr ```Evil``` Name", label="strong", now=bot.now())
    res = await user.slash("ask email", referee="Dr ```Evil``` Name", kind="follow-up")
    assert res.response.content.count("```") == 2


async def test_bad_or_past_deadlines_are_refused_politely(simcord_env):
    user = simcord_env.create_user("eve")
    await full_referee(simcord_env, user)
    bad = await user.slash("ask email", referee="Dr Nadia Salem", kind="follow-up", deadline="24/09/2025")
    assert "YYYY-MM-DD" in bad.response.content
    past = (simcord_env.bot.now().date() - timedelta(days=1)).isoformat()
    old = await user.slash("ask email", referee="Dr Nadia Salem", kind="follow-up", deadline=past)
    assert "already passed" in old.response.content
    assert len(simcord_env.errors) == 2


async def test_draft_button_in_the_checklist_sends_the_strong_request(simcord_env):
    user = simcord_env.create_user("fin")
    await full_referee(simcord_env, user)
    res = await user.slash("ask start", referee="Dr Nadia Salem")
    step2 = await user.click(res.response, label="Bullets ready")
    mail = await user.click(step2.response, label="Draft the email")
    assert mail.ephemeral and "Alexandria University Hospital" in await read_attachment(mail.response)
    assert "strong letter" in mail.response.content


# ---------------------------------------------------------------- /ask reply
async def test_ask_reply_shows_label_phrases_and_advice_privately_in_a_server(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("gil"))
    res = await member.slash(
        channel, "ask reply", text="Sure, I can write you a letter. Remind me what you did?"
    )
    assert res.ephemeral
    embed = res.response.embeds[0]
    assert "Hedged" in embed.title
    fields = {f.name: f.value for f in embed.fields}
    assert "“" in fields["What decided it"]
    assert "strong" in fields["What to do"]


async def test_ask_reply_reads_a_clear_no_as_declined(simcord_env):
    user = simcord_env.create_user("hana")
    res = await user.slash("ask reply", text="I'm sorry, I won't be able to write a letter for you.")
    assert "Declined" in res.response.embeds[0].title


# ---------------------------------------------------------------- the eval set through the CLI
def test_reply_eval_set_through_the_cli_is_accurate_and_never_calls_a_hedge_enthusiastic(tmp_path):
    items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "reply", "--jsonl"],
        input="".join(json.dumps({"id": i["id"], "text": i["text"]}) + "\n" for i in items),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    got = {o["id"]: o["label"] for o in map(json.loads, proc.stdout.splitlines())}
    assert set(got) == {i["id"] for i in items}
    correct = sum(got[i["id"]] == i["label"] for i in items)
    assert correct / len(items) >= 0.92
    assert not [i["id"] for i in items if i["label"] == "hedged" and got[i["id"]] == "enthusiastic"]
