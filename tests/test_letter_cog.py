"""The letter check in Discord: /letter check, /letter paste, the message menu, files, sharing, cooldown."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

sys.path.insert(0, str(Path(__file__).parent))

import fixtures_files as fx

from bot.advice.files import LIMITS, FileProblem, extract_letter_file
from bot.advice.letters import Decision, Evidence, LetterLabel, LetterReport, analyze_letter
from bot.embeds import EMBED_TOTAL, FIELD_VALUE, FIELDS
from bot.problems import UserFacingError
from cogs.letters import (
    ANALYSE_MAX_CHARS,
    PASTE_MAX,
    TEXT_OPTION_MAX,
    LetterSource,
    ShareButton,
    ShareCache,
    ShareSummary,
    fit_lines,
    limit_text,
    share_embed,
    verdict_embed,
)

STRONG = (
    "I supervised Dr. Zephyrine Quattlebaum for twelve weeks on our busy inpatient cardiology service. "
    "She is the best resident I have supervised in fifteen years, clearly in the top 2% of the 120 trainees "
    "I have worked with. She independently managed a patient in cardiogenic shock overnight, started the "
    "correct vasopressor and called the cath lab before I arrived. I trusted her to run the unit without "
    "supervision. I recommend her without reservation."
)
NEGATIVE = (
    "Dr. Quillon Marrowgate rotated with us for four weeks. He required close supervision and frequent "
    "reminders to complete his notes. His fund of knowledge was below that expected of his level. I cannot "
    "recommend him without reservation."
)
EXPECTED_DECISION = {  # the wording the issue asks for, independent of the cog's tables
    "yes": "Yes",
    "maybe": "Maybe",
    "prefer_no": "Prefer no",
    "usually_no": "Usually no",
    "no": "No",
}
SHARE = "Share with this channel"


# --------------------------------------------------------------------------- helpers


def server(env):
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    return guild, channel


def final_message(result):
    """The message the user ends up seeing (deferred replies arrive as the original or a followup)."""
    return result.followups[-1] if result.followups else result.response


def the_embed(result) -> discord.Embed:
    message = final_message(result)
    assert message is not None and message.embeds, f"expected an embed, got {message!r}"
    return message.embeds[0]


def embed_text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    parts += [f"{f.name}\n{f.value}" for f in embed.fields]
    return "\n".join(parts)


def field(embed: discord.Embed, starts: str) -> str | None:
    return next((f.value for f in embed.fields if f.name.startswith(starts)), None)


def within_limits(embed: discord.Embed) -> None:
    assert len(embed) <= EMBED_TOTAL
    assert len(embed.fields) <= FIELDS
    assert all(len(f.value) <= FIELD_VALUE for f in embed.fields)


def callback_payloads(env) -> list[dict]:
    return [r.json for r in env.http_requests if r.method == "POST" and r.path.endswith("/callback")]


def loaded_share_button(env) -> type[ShareButton]:
    """The ShareButton class of the module the bot loaded (load_extension imports its own copy)."""
    return sys.modules[type(env.bot.get_cog("Letters")).__module__].ShareButton


def friendly_errors_only(env) -> None:
    """Refusals reach the tree's error handler (simcord records them): each must be an expected one."""
    errors = env.errors
    assert errors, "the refusal went through the error handler"
    for error in errors:
        original = getattr(error, "original", error)
        assert isinstance(original, UserFacingError | app_commands.CommandOnCooldown), repr(error)


def public_posts(channel) -> list[discord.Embed]:
    """Embeds anyone in the channel can see."""
    return [m.embeds[0] for m in channel.history() if m.embeds and not m.flags.ephemeral]


def share_button_id(message) -> str | None:
    for row in message.components:
        for item in row.get("components", []):
            if item.get("label") == SHARE:
                return item["custom_id"]
    return None


# --------------------------------------------------------------------------- /letter check (text)


async def test_slash_text_in_dm_gives_private_verdict_with_evidence(simcord_env):
    user = simcord_env.create_user("ana")
    result = await user.slash("letter check", text=STRONG)
    assert result.ephemeral
    embed = the_embed(result)
    report = analyze_letter(STRONG)
    assert embed.title.startswith("Strong")
    assert f"use it? {EXPECTED_DECISION[report.decision.value]}" in embed.title
    assert embed.colour.g > embed.colour.r, "a strong letter is shown in green"
    assert embed.footer.text == "Your letter text was not stored."
    helps = field(embed, "Phrases that help")
    assert helps is not None
    positive = [e for e in report.evidence if e.weight > 0]
    assert max(positive, key=lambda e: e.weight).quote in helps, "the strongest phrase is shown"
    shown = [line for line in helps.splitlines() if line.startswith("•")]
    more = helps.splitlines()[-1]
    hidden = int(more.split()[1]) if more.startswith("…and") else 0
    assert len(shown) + hidden == len(positive), "every helping phrase is shown or counted"
    assert STRONG not in embed_text(embed), "the letter itself is not echoed back"
    assert share_button_id(final_message(result)) is None, "no share button in DMs"
    within_limits(embed)


async def test_negative_letter_is_red_and_says_no(simcord_env):
    user = simcord_env.create_user("ben")
    embed = the_embed(await user.slash("letter check", text=NEGATIVE))
    assert analyze_letter(NEGATIVE).label is LetterLabel.negative
    assert embed.title.endswith("use it? No")
    assert embed.colour.r > embed.colour.g
    doubts = field(embed, "Phrases that raise doubt")
    assert doubts is not None and "close supervision" in doubts
    assert field(embed, "What to do next")


async def test_decision_comes_before_the_details(simcord_env):
    user = simcord_env.create_user("cal")
    embed = the_embed(await user.slash("letter check", text=NEGATIVE))
    assert "use it?" in embed.title.lower()
    names = [f.name for f in embed.fields]
    assert names.index("Phrases that raise doubt") < names.index("What to do next")


def test_markdown_and_mentions_from_the_letter_are_escaped():
    hostile = "**close supervision** @everyone <@123456789012345678> `code` ||spoiler||"
    report = LetterReport(
        label=LetterLabel.negative,
        decision=Decision.no,
        evidence=[Evidence(quote=hostile, category="hedge", rule_id="x", weight=-3, sentence="", why="")],
        missing=[],
        next_steps=[f"Ask {hostile} again."],
        whole_letter=False,
        checklist=[],
        word_count=9,
        summary=f"Negative: {hostile}.",
    )
    embed = verdict_embed(report, LetterSource(text="", origin="the text you typed"))
    text = embed_text(embed)
    assert "close supervision" in text
    for raw in ("**close", "@everyone", "<@123456789012345678>", "`code`", "||spoiler||"):
        assert raw not in text, raw
    summary = ShareSummary(1, LetterLabel.negative, Decision.no, (), (hostile,), datetime.now(UTC))
    owner = SimpleNamespace(mention="<@42>")
    shared = embed_text(share_embed(summary, owner))  # type: ignore[arg-type]
    assert "close supervision" in shared
    for raw in ("**close", "@everyone", "<@123456789012345678>", "`code`", "||spoiler||"):
        assert raw not in shared, raw


@pytest.mark.parametrize("text", [None, "   \n  "])
async def test_empty_text_gets_a_friendly_message(simcord_env, text):
    user = simcord_env.create_user("eli")
    options = {} if text is None else {"text": text}
    result = await user.slash("letter check", **options)
    assert result.ephemeral
    message = final_message(result)
    assert not message.embeds
    assert "text" in message.content and "file" in message.content and "/letter paste" in message.content
    friendly_errors_only(simcord_env)


async def test_text_option_is_capped_at_6000_characters(simcord_env):
    command = simcord_env.bot.tree.get_command("letter").get_command("check")
    payload = command.to_dict(simcord_env.bot.tree)
    text_option = next(o for o in payload["options"] if o["name"] == "text")
    assert text_option["max_length"] == TEXT_OPTION_MAX == 6000
    assert not text_option["required"]
    file_option = next(o for o in payload["options"] if o["name"] == "file")
    assert file_option["type"] == discord.AppCommandOptionType.attachment.value


def test_limit_text_cuts_at_a_word_and_says_what_was_read():
    text = "word " * 5000  # 25,000 characters
    cut, note = limit_text(text, 6000)
    assert len(cut) <= 6000 and cut.endswith("word")
    assert note is not None and f"{len(text.strip()):,}" in note and f"{len(cut):,}" in note
    same, none = limit_text("short letter", 6000)
    assert same == "short letter" and none is None


async def test_overlong_file_text_is_analysed_in_part_and_says_so(simcord_env):
    user = simcord_env.create_user("fay")
    filler = " ".join(["She attended the clinic and observed the consultants."] * 800)
    letter = (NEGATIVE + " " + filler).encode()
    assert len(letter) > ANALYSE_MAX_CHARS
    embed = the_embed(await user.slash("letter check", file=("long.txt", letter)))
    read = field(embed, "What I read")
    assert read is not None
    assert f"{len(letter.decode().strip()):,}" in read and "first" in read
    within_limits(embed)


async def test_both_text_and_file_says_the_file_was_used(simcord_env):
    user = simcord_env.create_user("gus")
    result = await user.slash("letter check", text=STRONG, file=("neg.txt", NEGATIVE.encode()))
    embed = the_embed(result)
    assert embed.title.endswith("use it? No"), "the negative file was checked, not the strong text"
    read = field(embed, "What I read")
    assert "both" in read and "file" in read and "ignored" in read


# --------------------------------------------------------------------------- /letter paste (modal)


async def test_paste_opens_a_modal_and_submitting_it_checks_privately(simcord_env):
    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("hal"))
    shown = await member.slash(channel, "letter paste")
    assert shown.modal is not None
    inputs = [c for row in shown.modal["components"] for c in row.get("components", [row.get("component")])]
    box = next(c for c in inputs if c and c.get("custom_id") == "letter_text")
    assert box["max_length"] == PASTE_MAX and box["style"] == discord.TextStyle.paragraph.value
    done = await member.submit_modal(shown, {"letter_text": NEGATIVE})
    assert done.ephemeral
    embed = the_embed(done)
    assert embed.title.endswith("use it? No")
    assert "pasted" in field(embed, "What I read")
    assert share_button_id(final_message(done)) is not None, "in a server the owner may share"


# --------------------------------------------------------------------------- context menu


async def test_context_menu_checks_any_message_privately(simcord_env):
    guild, channel = server(simcord_env)
    author = guild.add_member(simcord_env.create_user("ida"))
    checker = guild.add_member(simcord_env.create_user("jon"))
    message = await author.send(channel, STRONG)
    result = await checker.context_menu(channel, "Check letter strength", message)
    assert result.ephemeral
    embed = the_embed(result)
    assert embed.title.startswith("Strong")
    assert "message" in field(embed, "What I read")


async def test_context_menu_on_a_message_without_text(simcord_env):
    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("kim"))
    message = await member.send(channel, "", attachments=[("letter.pdf", fx.make_pdf())])
    result = await member.context_menu(channel, "Check letter strength", message)
    assert result.ephemeral
    content = final_message(result).content
    assert "no text" in content and "attachments" in content
    friendly_errors_only(simcord_env)


# --------------------------------------------------------------------------- files


async def test_pdf_attachment_defers_and_shows_upload_readiness(simcord_env):
    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("lea"))
    result = await member.slash(channel, "letter check", file=("Carter_LOR.pdf", fx.make_pdf()))
    assert result.ephemeral
    first = callback_payloads(simcord_env)[-1]
    assert first["type"] == 5, "a file check is deferred (thinking) first"
    assert first["data"]["flags"] & 64, "and the thinking state is private"
    embed = the_embed(result)
    readiness = field(embed, "Upload readiness")
    assert readiness is not None
    expected = extract_letter_file("Carter_LOR.pdf", fx.make_pdf()).readiness
    for item in expected:
        assert item.label in readiness
    assert "Carter" in field(embed, "What I read") and "PDF" in field(embed, "What I read")
    within_limits(embed)


async def test_pdf_letter_age_is_judged_by_the_bots_clock(simcord_env):
    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("lea"))
    today = simcord_env.bot.now().date()
    days = next(n for n in range(3, 40) if 4 <= (today + timedelta(days=n)).day <= 28)
    soon = today + timedelta(days=days)
    months = soon.year * 12 + soon.month - 1 - 19
    written = date(months // 12, months % 12 + 1, soon.day)  # 18 months old today, 19 months old on `soon`
    lines = [f"Date: {written:%B} {written.day}, {written:%Y}" if line.startswith("Date:") else line
             for line in fx.LETTER_LINES]
    pdf = fx.make_pdf([lines])

    result = await member.slash(channel, "letter check", file=("Carter_LOR.pdf", pdf))
    assert "over a year" in field(the_embed(result), "Upload readiness")

    for _ in range(days):  # the bot's clock moves on, a day at a time; the file is the same
        await simcord_env.advance_time(86400)
    result = await member.slash(channel, "letter check", file=("Carter_LOR.pdf", pdf))
    readiness = field(the_embed(result), "Upload readiness")
    assert "more than 18 months" in readiness and "over a year" not in readiness


async def test_docx_attachment_is_read_without_pdf_readiness(simcord_env):
    user = simcord_env.create_user("max")
    data = fx.make_docx(NEGATIVE.split(". "), header="Department of Medicine, Lakeside Hospital")
    result = await user.slash("letter check", file=("letter.docx", data))
    assert result.ephemeral
    embed = the_embed(result)
    assert field(embed, "Upload readiness") is None
    assert embed.title.endswith("use it? No")
    read = field(embed, "What I read")
    assert "DOCX" in read and "PDF" in read  # the extractor's note: ERAS takes PDFs only


def _bomb() -> bytes:
    return fx.declare_huge_member(fx.make_docx(["Hello"]))


BAD_FILES = {
    "encrypted": ("locked.pdf", lambda: fx.encrypt_pdf(fx.make_pdf(), "secret")),
    "corrupt": ("broken.pdf", lambda: fx.make_pdf()[:200]),
    "scanned": ("scan.pdf", fx.image_only_pdf),
    "zip_bomb": ("bomb.docx", _bomb),
    "renamed_image": ("photo.pdf", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
async def test_bad_files_get_the_extractors_friendly_message(simcord_env, case):
    filename, build = BAD_FILES[case]
    data = build()
    with pytest.raises(FileProblem) as expected:
        extract_letter_file(filename, data)
    user = simcord_env.create_user("ned")
    result = await user.slash("letter check", file=(filename, data))
    assert result.ephemeral
    message = final_message(result)
    assert not message.embeds
    assert message.content == expected.value.user_message
    friendly_errors_only(simcord_env)


class DownloadSpy:
    """Records which attachments were downloaded, then downloads them as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        original = discord.Attachment.read

        async def read(attachment: discord.Attachment, *args, **kwargs) -> bytes:
            self.names.append(attachment.filename)
            return await original(attachment, *args, **kwargs)

        monkeypatch.setattr(discord.Attachment, "read", read)


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, ["image", ".pdf, .docx or .txt"]),
        ("letter.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, [".doc", ".docx"]),
        ("notes.rtf", b"{\\rtf1 hello}", [".rtf", ".pdf, .docx or .txt"]),
        ("empty.txt", b"", ["empty"]),
        ("huge.pdf", b"%PDF-1.4\n" + b"0" * (LIMITS.max_upload_bytes + 1), ["MB", "8 MB"]),
    ],
)
async def test_wrong_type_empty_and_too_large_are_refused_before_download(
    simcord_env, monkeypatch, filename, data, words
):
    spy = DownloadSpy(monkeypatch)
    user = simcord_env.create_user("oli")
    result = await user.slash("letter check", file=(filename, data))
    assert result.ephemeral
    content = final_message(result).content
    for word in words:
        assert word in content
    assert spy.names == [], "the file must not be downloaded"
    friendly_errors_only(simcord_env)


async def test_a_good_file_is_downloaded_once(simcord_env, monkeypatch):
    spy = DownloadSpy(monkeypatch)
    user = simcord_env.create_user("pia")
    await user.slash("letter check", file=("letter.txt", STRONG.encode()))
    assert spy.names == ["letter.txt"]


# --------------------------------------------------------------------------- sharing


async def test_owner_can_share_verdict_and_phrases_but_not_the_letter(simcord_env):
    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("quinn"))
    result = await member.slash(channel, "letter check", text=NEGATIVE)
    private = final_message(result)
    assert share_button_id(private) is not None
    assert public_posts(channel) == []
    shared = await member.click(private, label=SHARE)
    public = public_posts(channel)
    assert len(public) == 1
    post = public[0]
    assert post.title.endswith("use it? No")
    text = embed_text(post)
    assert "close supervision" in text
    assert NEGATIVE not in text and "frequent reminders to complete his notes" not in text
    assert member.mention in post.description
    assert any(m.ephemeral and "Shared" in m.content for m in shared.followups)
    assert share_button_id(final_message(result)) is None, "the button goes away once used"


async def test_another_member_cannot_press_the_owners_share_button(simcord_env):
    guild, channel = server(simcord_env)
    owner = guild.add_member(simcord_env.create_user("rae"))
    attacker = guild.add_member(simcord_env.create_user("sid"))
    result = await owner.slash(channel, "letter check", text=NEGATIVE)
    custom_id = share_button_id(final_message(result))
    owner_id, key = int(custom_id.split(":")[2]), custom_id.split(":")[3]
    button = loaded_share_button(simcord_env)
    view = discord.ui.View(timeout=None)
    view.add_item(button(owner_id, key))
    public_copy = await simcord_env.bot.get_channel(channel.id).send("replayed", view=view)
    refused = await attacker.click(public_copy, label=SHARE)
    assert refused.ephemeral and "someone else" in final_message(refused).content
    assert public_posts(channel) == [], "nothing was posted"
    # a forged custom_id naming the attacker as owner still finds no summary of theirs
    forged = discord.ui.View(timeout=None)
    forged.add_item(button(attacker.id, key))
    forged_copy = await simcord_env.bot.get_channel(channel.id).send("forged", view=forged)
    refused_again = await attacker.click(forged_copy, label=SHARE)
    assert refused_again.ephemeral and "someone else" in final_message(refused_again).content
    assert public_posts(channel) == [], "nothing was posted"
    # the real owner can still share afterwards
    await owner.click(final_message(result), label=SHARE)
    posts = public_posts(channel)
    assert len(posts) == 1 and "close supervision" in embed_text(posts[0])
    assert simcord_env.errors == [], "button refusals are answered, never left unhandled"


async def test_the_rule_book_is_compiled_at_start_up_not_in_the_first_check(simcord_env):
    from bot import create_bot
    from bot.advice.letters import load_rules

    load_rules.cache_clear()
    await simcord_env.restart_bot(create_bot())
    assert load_rules.cache_info().currsize == 1, "starting the bot compiles the letter rules"
    hits = load_rules.cache_info().hits
    user = simcord_env.create_user("ida")
    result = await user.slash("letter check", text=NEGATIVE)
    assert result.response.embeds
    assert load_rules.cache_info().misses == 1 and load_rules.cache_info().hits > hits


async def test_share_expires_after_ten_minutes_and_after_restart(simcord_env):
    from bot import create_bot

    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("tam"))
    first = final_message(await member.slash(channel, "letter check", text=NEGATIVE))
    await simcord_env.advance_time(601)
    late = await member.click(first, label=SHARE)
    assert "expired" in final_message(late).content
    second = final_message(await member.slash(channel, "letter check", text=NEGATIVE))
    await simcord_env.restart_bot(create_bot())
    after_restart = await member.click(second, label=SHARE)
    assert "expired" in final_message(after_restart).content
    assert public_posts(channel) == []
    assert simcord_env.errors == [], "button refusals are answered, never left unhandled"


async def test_share_falls_back_to_a_public_reply_when_the_bot_cannot_post(simcord_env):
    guild = simcord_env.create_guild()
    bot_member = guild.me
    channel = guild.create_text_channel(
        "no-bot-posts", overwrites={bot_member: discord.PermissionOverwrite(send_messages=False)}
    )
    member = guild.add_member(simcord_env.create_user("uma"))
    result = await member.slash(channel, "letter check", text=NEGATIVE)
    shared = await member.click(final_message(result), label=SHARE)
    public = [m for m in shared.followups if not m.ephemeral]
    assert len(public) == 1 and "close supervision" in embed_text(public[0].embeds[0])


def test_share_cache_expires_and_is_bounded():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cache = ShareCache(max_entries=3)

    def summary(owner: int) -> ShareSummary:
        expires = now + timedelta(minutes=10)
        return ShareSummary(owner, LetterLabel.generic, Decision.maybe, ("a",), (), expires)

    keys = [cache.put(summary(n), now) for n in range(4)]
    assert len(cache) == 3 and cache.get(keys[0], now) is None
    assert cache.get(keys[3], now).owner_id == 3
    assert cache.get(keys[3], now + timedelta(minutes=11)) is None
    assert len(cache) == 0


# --------------------------------------------------------------------------- cooldown and privacy of replies


async def test_cooldown_is_shared_by_every_way_of_checking(simcord_env):
    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("val"))
    message = await member.send(channel, STRONG)
    for _ in range(3):
        assert the_embed(await member.slash(channel, "letter check", text=STRONG))
    assert the_embed(await member.context_menu(channel, "Check letter strength", message))
    assert (await member.slash(channel, "letter paste")).modal is not None
    blocked = await member.slash(channel, "letter check", text=STRONG)
    assert blocked.ephemeral and "again in" in final_message(blocked).content
    other = guild.add_member(simcord_env.create_user("wes"))
    assert the_embed(await other.slash(channel, "letter check", text=STRONG)), "the budget is per user"
    await simcord_env.advance_time(61)
    assert the_embed(await member.slash(channel, "letter check", text=STRONG))
    friendly_errors_only(simcord_env)


async def test_replies_are_ephemeral_in_a_server_and_in_dms(simcord_env):
    guild, channel = server(simcord_env)
    user = simcord_env.create_user("xia")
    member = guild.add_member(user)
    in_server = await member.slash(channel, "letter check", text=STRONG)
    in_dm = await user.slash("letter check", text=STRONG)
    in_server_file = await member.slash(channel, "letter check", file=("a.txt", STRONG.encode()))
    for result in (in_server, in_dm, in_server_file):
        assert result.ephemeral and final_message(result).ephemeral
    assert all(p["data"]["flags"] & 64 for p in callback_payloads(simcord_env)), "every answer is private"
    assert public_posts(channel) == []


def test_verdict_embed_stays_within_discord_limits_for_a_huge_report():
    sentences = [
        f"Dear Program Director, he required close supervision on day {n} and his fund of knowledge was "
        "below expectations, though he was punctual, hardworking and sincere. Sincerely, John Roe, MD"
        for n in range(400)
    ]
    report = analyze_letter("\n".join(sentences))
    readiness = extract_letter_file("Carter_LOR.pdf", fx.make_pdf()).readiness
    source = LetterSource(text="", origin="the file x.pdf (PDF)", notes=["x" * 3000], readiness=readiness)
    embed = verdict_embed(report, source)
    within_limits(embed)
    names = [f.name for f in embed.fields]
    for section in ("Phrases that raise doubt", "What to do next", "Upload readiness", "What I read"):
        assert any(name.startswith(section) for name in names), f"{section} was squeezed out"
    if report.whole_letter:
        assert "Structure checklist" in names
    assert embed.footer.text == "Your letter text was not stored."


def test_fit_lines_keeps_whole_lines_and_counts_the_rest():
    lines = [f"line {n} " + "z" * 90 for n in range(30)]
    out = fit_lines(lines, 1024)
    assert len(out) <= 1024
    kept = out.splitlines()
    assert kept[-1].startswith("…and ") and int(kept[-1].split()[1]) == 30 - (len(kept) - 1)
    assert all(line in lines for line in kept[:-1])


async def test_an_engine_failure_is_an_error_not_a_fake_verdict(simcord_env, monkeypatch):
    import bot.advice.letters as engine

    def broken(text: str):
        raise ValueError("engine bug")

    monkeypatch.setattr(engine, "read_letter", broken)
    user = simcord_env.create_user("zed")
    result = await user.slash("letter check", text=STRONG)
    message = final_message(result)
    assert result.ephemeral and not message.embeds
    assert "went wrong" in message.content and "reference" in message.content
    assert [type(e.original) for e in simcord_env.errors] == [RuntimeError]


def test_fit_lines_shows_the_start_of_a_single_overlong_line():
    out = fit_lines(["a" * 5000, "short"], 300)
    assert len(out) <= 300
    first, last = out.splitlines()
    assert first.startswith("aaa") and first.endswith("…") and last == "…and 1 more"


async def test_share_failure_is_explained_and_can_be_retried(simcord_env):
    guild, channel = server(simcord_env)
    member = guild.add_member(simcord_env.create_user("ari"))
    private = final_message(await member.slash(channel, "letter check", text=NEGATIVE))
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, code=50013, times=1)
    simcord_env.inject_error("POST", "/webhooks/*/*", status=403, code=50013, times=1)
    failed = await member.click(private, label=SHARE)
    assert any(m.ephemeral and "couldn't post" in m.content for m in failed.followups)
    assert public_posts(channel) == []
    retried = await member.click(private, label=SHARE)
    assert any("Shared" in m.content for m in retried.followups)
    assert len(public_posts(channel)) == 1


async def test_a_check_arriving_while_others_run_is_acknowledged_before_the_work(simcord_env):
    """simcord runs one operation at a time, so 'others running' is set on the cog the bot really uses."""
    cog = simcord_env.bot.get_cog("Letters")
    threshold = sys.modules[type(cog).__module__].BUSY_CHECKS
    user = simcord_env.create_user("quinn")
    calm = await user.slash("letter check", text=STRONG)
    assert callback_payloads(simcord_env)[-1]["type"] == 4, "answered in one go when the bot is quiet"
    cog.running = threshold
    try:
        busy = await user.slash("letter check", text=STRONG)
    finally:
        cog.running = 0
    first = callback_payloads(simcord_env)[-1]
    assert first["type"] == 5 and first["data"]["flags"] & 64, "acknowledged first, privately"
    assert busy.ephemeral
    assert the_embed(busy).title == the_embed(calm).title  # the same verdict, delivered after the ack
