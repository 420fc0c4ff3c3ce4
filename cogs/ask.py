"""/ask start (the guided checklist for one referee), /ask reply, /ask email and /today.

Thin glue: the steps, the reply reader and the e-mail drafts live in ``bot/advice``; progress is stored by
``db/ask.py``; every status change goes through :func:`bot.tracker.change_status`. Buttons are dynamic
items carrying the owner's id and the referee id, so they keep working after a restart; each press checks
the presser is the owner AND that the referee row is theirs. A pasted reply is read in memory only: its
label is kept, never its text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.advice.ask_script import (
    ASK_LINE,
    STEPS,
    RefereeLite,
    Step,
    graceful_exit_text,
    next_step,
    step_by_key,
    suggest_next_referee,
)
from bot.advice.emails import EMAIL_KINDS, Draft, EmailFacts, draft_email, group_bullets
from bot.advice.replies import ReplyReading, read_reply
from bot.advice.vocab import LABEL_ORDER, RefereeLabel, RefereeStatus
from bot.embeds import BRAND, FIELD_VALUE, MESSAGE, add_field, clip, safe
from bot.errors import GuardedModal, guarded
from bot.problems import NotYours, UserFacingError
from bot.tracker import change_status, name_suggestions, resolve_referee
from db import ask as progress_store
from db.referees import Referee, get_referee_by_id, list_referees

if TYPE_CHECKING:
    from bot.core import LorCoach

REPLY_MAX = 2000
MIN_BULLETS = 5
FOLLOW_UP_DAYS = 7
GONE = "That referee no longer exists. Run `/referee list` to see your writers."
OUTDATED = "That button is out of date. Run `/ask start` again to get a fresh checklist."

LABEL_MARKS = {
    RefereeLabel.strong: "🟢",
    RefereeLabel.unsure: "🟡",
    RefereeLabel.weak: "🟠",
    RefereeLabel.suspect_negative: "🔴",
}
READING_COLOURS = {
    "enthusiastic": discord.Colour.from_rgb(46, 160, 67),
    "hedged": discord.Colour.from_rgb(230, 160, 20),
    "declined": discord.Colour.from_rgb(209, 47, 47),
}
KIND_TITLES = {
    "strong-request": "Asking for a strong letter",
    "support-packet": "Support packet",
    "follow-up": "Polite follow-up",
    "update-request": "Asking for an updated letter",
    "feedback-request": "Asking for honest feedback",
}

# ----------------------------------------------------------------------------------- checklist state

#: How many steps (from the top) a referee's status already implies are done. The status may be set
#: elsewhere (/referee status, /today's "Mark as sent"), so the checklist never asks for a step twice.
_STEPS_IMPLIED = {
    RefereeStatus.not_asked: 0,
    RefereeStatus.asked: 2,
    RefereeStatus.agreed_strong: 4,
    RefereeStatus.agreed_hedged: 4,
    RefereeStatus.declined: 4,
    RefereeStatus.packet_sent: 5,
    RefereeStatus.uploaded: 7,
    RefereeStatus.assigned: 8,
}

#: The status each decision button records.
DECISIONS = {
    "agree_strong": RefereeStatus.agreed_strong,
    "agree_hedged": RefereeStatus.agreed_hedged,
    "decline": RefereeStatus.declined,
}


@dataclass
class Checklist:
    """One referee's checklist: stored progress merged with what the status implies."""

    referee: Referee
    done: set[str]
    reply_label: str | None

    @classmethod
    def of(cls, referee: Referee, progress: progress_store.AskProgress) -> Checklist:
        implied = {step.key for step in STEPS[: _STEPS_IMPLIED[referee.status]]}
        return cls(referee, progress.done_keys | implied, progress.reply_label)

    @property
    def ended_declined(self) -> bool:
        return self.referee.status == RefereeStatus.declined

    @property
    def current(self) -> Step | None:
        return None if self.ended_declined else next_step(self.done)

    def mark(self, step: Step) -> str:
        if step.key in self.done:
            return "✅"
        if self.current is not None and step.key == self.current.key:
            return "▶"
        return "➖" if self.ended_declined else "▫️"


def progress_lines(checklist: Checklist) -> str:
    return "\n".join(f"{checklist.mark(s)} {s.number}. {s.title}" for s in STEPS)


def code_block(text: str) -> str:
    """Text in a Discord code block (the drafts never contain a backtick fence)."""
    return f"```\n{text}\n```"


def lite(referee: Referee) -> RefereeLite:
    return RefereeLite(name=referee.name, label=referee.label, status=referee.status, circled=referee.circled)


def next_writer(referees: list[Referee], exclude_id: int) -> Referee | None:
    """The best unasked writer other than ``exclude_id`` (circled, then strong, then unsure)."""
    others = [r for r in referees if r.id != exclude_id]
    pick = suggest_next_referee([lite(r) for r in others])
    return next((r for r in others if pick is not None and r.name == pick.name), None)


def describe_writer(referee: Referee) -> str:
    circled = " · circled" if referee.circled else ""
    return f"**{safe(referee.name)}** ({referee.label.title}{circled})"


# ----------------------------------------------------------------------------------- rendering


def checklist_embed(checklist: Checklist, suggestion: Referee | None) -> discord.Embed:
    """The checklist: progress on top, then what to do in the current step."""
    referee = checklist.referee
    kind = f" · {referee.kind.title}" if referee.kind else ""
    embed = discord.Embed(
        title=clip(f"Asking {safe(referee.name)} for a strong letter", 256),
        description=f"{referee.label.title}{kind} · status: **{referee.status.title}**\n\n"
        + progress_lines(checklist),
        colour=BRAND,
    )
    step = checklist.current
    if checklist.ended_declined:
        add_field(embed, "This writer said no", DECLINED_END)
        _add_suggestion(embed, suggestion)
    elif step is None:
        add_field(embed, "All steps done", ALL_DONE)
    else:
        add_field(embed, f"Step {step.number} of {len(STEPS)}: {step.title}", step.guidance)
        STEP_EXTRAS[step.key](embed, checklist, suggestion)
    embed.set_footer(text="Progress is saved. Run /ask start any time to pick up where you left off.")
    return embed


DECLINED_END = (
    "A clear no now is much better than a weak letter later. Thank them warmly and keep the relationship "
    "good; do not ask again. Put your effort into the next writer today."
)
ALL_DONE = (
    "This letter is uploaded and assigned. Check `/plan` to see how your letters cover your programs, "
    "and `/today` for the next writer to work on."
)


def _add_suggestion(embed: discord.Embed, suggestion: Referee | None) -> None:
    if suggestion is None:
        text = (
            "Nobody on your list is left to ask (only Strong or Unsure writers count). Add another "
            "supervisor who saw your clinical work with `/referee add`."
        )
    else:
        button = safe(clip(suggestion.name, 40))
        text = f"{describe_writer(suggestion)}: ask them today. Press **Ask {button} next**."
    add_field(embed, "Who to ask next", text)


def _extra_prepare(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    referee = checklist.referee
    count = len(referee.bullets)
    if count < MIN_BULLETS:
        text = (
            f"⚠️ You have {count} bullet{'s' if count != 1 else ''} for this writer. Aim for 5-7 before you "
            "ask: add them with `/referee bullets`."
        )
    else:
        text = f"✅ You have {count} bullets for this writer. Press **Bullets ready** when you are happy."
    if referee.label in (RefereeLabel.weak, RefereeLabel.suspect_negative):
        text += (
            f"\n⚠️ You labelled this writer **{referee.label.title}**. Ask your Strong and Unsure writers "
            "first; a weak letter can hurt more than a missing one."
        )
    add_field(embed, "Your bullets", text)


def _extra_ask(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    add_field(
        embed,
        "Copy this line",
        code_block(ASK_LINE)
        + "\nPress **Draft the email** for a full message, then **I sent it** once sent.",
    )


def _extra_read_reply(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    add_field(
        embed,
        "When they answer",
        "Press **Paste their reply**. It is read in memory and never stored; only the verdict is kept.",
    )


def _extra_decide(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    label = checklist.reply_label
    if label == "enthusiastic":
        add_field(embed, "Their reply read as: Enthusiastic", "Press **Mark agreed (strong)** and carry on.")
        return
    if label == "hedged":
        note = graceful_exit_text(checklist.referee.name)
        add_field(embed, "Their reply read as: Hedged", "Send this graceful-exit note (edit freely):")
        add_field(embed, "Graceful exit", code_block(clip(note, FIELD_VALUE - 10)))
        add_field(
            embed,
            "Then",
            "If they now promise a strong, detailed letter, press **Paste their new reply**. Otherwise mark "
            "them **agreed (hedged)** (a backup letter only) or **declined**.",
        )
    elif label == "declined":
        add_field(
            embed, "Their reply read as: Declined", "Press **Mark declined**, then ask the next writer."
        )
    else:
        add_field(embed, "No reply read yet", "Paste their reply, or record the outcome with a button below.")
    _add_suggestion(embed, suggestion)


def _extra_packet(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    groups = group_bullets([(b.area.value, b.text) for b in checklist.referee.bullets])
    if groups:
        lines = []
        for title, items in groups:
            lines.append(f"**{title}**")
            lines.extend(f"• {safe(item)}" for item in items)
        text = "\n".join(lines)
    else:
        text = "⚠️ No bullets yet: add 5-7 with `/referee bullets` before you send the packet."
    add_field(embed, "Your bullets by area (they go into the packet)", text)
    add_field(
        embed,
        "Send",
        "☐ CV ☐ personal statement draft ☐ target specialty + sample programs ☐ bullets by area\n"
        "Optional: ☐ peer comparison with a number ☐ what US residency asks of interns\n"
        "Press **Draft the packet email**, send it with the attachments, then **Packet sent**.",
    )


def _extra_follow_up(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    add_field(
        embed,
        "Buttons",
        f"**Remind me in {FOLLOW_UP_DAYS} days** sends you a DM then. **Draft follow-up email** writes the "
        "reminder for you. Press **Next step** once the letter is in (or you have followed up).",
    )


def _extra_review(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    add_field(
        embed,
        "Check (form, not content)",
        "☐ official letterhead ☐ a recent date ☐ signature, title and contact details "
        "☐ your name exactly as in ERAS\nThen press **Letter uploaded**.",
    )


def _extra_assign(embed: discord.Embed, checklist: Checklist, suggestion: Referee | None) -> None:
    add_field(
        embed,
        "Plan it",
        "Use `/plan` to see which letters should go to which programs (at most 4 each, usually 3), then "
        "press **Assigned**.",
    )


STEP_EXTRAS = {
    "prepare": _extra_prepare,
    "ask": _extra_ask,
    "read_reply": _extra_read_reply,
    "decide": _extra_decide,
    "packet": _extra_packet,
    "follow_up": _extra_follow_up,
    "review": _extra_review,
    "assign": _extra_assign,
}


def checklist_view(checklist: Checklist, suggestion: Referee | None) -> discord.ui.View:
    """The buttons for the current step (plus "ask the next writer" after a no or a hedge)."""
    owner, ref = checklist.referee.user_id, checklist.referee.id
    view = discord.ui.View(timeout=None)
    step = checklist.current
    buttons: list[discord.ui.Item[Any]] = []
    if step is not None:
        buttons = _step_buttons(step, checklist, owner, ref)
    show_next = checklist.ended_declined or (
        step is not None and step.key == "decide" and checklist.reply_label in ("hedged", "declined")
    )
    if show_next and suggestion is not None:
        buttons.append(OpenButton(owner, suggestion.id, label=f"Ask {clip(suggestion.name, 60)} next"))
    for button in buttons:
        view.add_item(button)
    return view


def _done(step: str, owner: int, ref: int, label: str) -> StepButton:
    return StepButton("done", owner, ref, step, label=label, style=discord.ButtonStyle.success)


def _step_buttons(step: Step, checklist: Checklist, owner: int, ref: int) -> list[discord.ui.Item[Any]]:
    if step.key == "decide":
        return _decide_buttons(checklist, owner, ref)
    by_step: dict[str, list[discord.ui.Item[Any]]] = {
        "prepare": [_done("prepare", owner, ref, "Bullets ready")],
        "ask": [
            EmailButton(owner, ref, "strong-request", label="Draft the email"),
            _done("ask", owner, ref, "I sent it"),
        ],
        "read_reply": [
            StepButton("paste", owner, ref, "read_reply", label="Paste their reply", style=_PRIMARY)
        ],
        "packet": [
            EmailButton(owner, ref, "support-packet", label="Draft the packet email"),
            _done("packet", owner, ref, "Packet sent"),
        ],
        "follow_up": [
            StepButton("remind", owner, ref, "follow_up", label=f"Remind me in {FOLLOW_UP_DAYS} days"),
            EmailButton(owner, ref, "follow-up", label="Draft follow-up email"),
            _done("follow_up", owner, ref, "Next step"),
        ],
        "review": [_done("review", owner, ref, "Letter uploaded")],
        "assign": [_done("assign", owner, ref, "Assigned")],
    }
    return by_step[step.key]


_PRIMARY = discord.ButtonStyle.primary


def _decide_buttons(checklist: Checklist, owner: int, ref: int) -> list[discord.ui.Item[Any]]:
    label = checklist.reply_label
    strong = StepButton("agree_strong", owner, ref, "decide", label="Mark agreed (strong)", style=_PRIMARY)
    hedged = StepButton("agree_hedged", owner, ref, "decide", label="Mark agreed (hedged)")
    declined = StepButton("decline", owner, ref, "decide", label="Mark declined")
    paste_label = "Paste their new reply" if label == "hedged" else "Paste another reply"
    paste = StepButton("paste", owner, ref, "decide", label=paste_label)
    if label == "enthusiastic":
        return [strong, paste]
    if label == "hedged":
        return [hedged, declined, paste]
    if label == "declined":
        return [declined, paste]
    return [paste, strong, hedged, declined]


def reading_embed(reading: ReplyReading, who: str | None = None) -> discord.Embed:
    """What a reply means: the call, the phrases behind it and what to do."""
    title = (
        f"{safe(who)}'s reply: {reading.label.capitalize()}"
        if who
        else f"Reply reads as: {reading.label.capitalize()}"
    )
    embed = discord.Embed(
        title=clip(title, 256), description=safe(reading.summary, 4000), colour=READING_COLOURS[reading.label]
    )
    lines = [f"• “{safe(clip(ev.quote, 120))}” — {ev.why}" for ev in reading.evidence[:8]]
    add_field(
        embed, "What decided it", "\n".join(lines) or "No clear phrase either way: read as hedged to be safe."
    )
    add_field(embed, "What to do", reading.advice)
    embed.set_footer(text="The reply was read in memory and not stored.")
    return embed


# ----------------------------------------------------------------------------------- e-mails


def email_facts(
    referee: Referee, *, specialty: str | None = None, deadline: date | None = None
) -> EmailFacts:
    """Only facts the user gave us: the referee record, their bullets, and the command's options."""
    return EmailFacts(
        referee_name=referee.name,
        referee_title=referee.title,
        institution=referee.institution,
        how_known=referee.how_known,
        specialty=specialty,
        deadline=deadline,
        bullets=[(b.area.value, b.text) for b in referee.bullets],
        last_worked=referee.last_worked,
    )


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs of ``text``; a paragraph longer than ``limit`` becomes lines, a long line is cut."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            out.append(paragraph)
            continue
        for line in paragraph.split("\n"):
            out.extend(line[i : i + limit] for i in range(0, max(len(line), 1), limit))
    return out


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at paragraph (then line) boundaries."""
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        joined = f"{current}\n\n{piece}" if current else piece
        if len(joined) <= limit:
            current = joined
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def email_messages(draft: Draft, referee_name: str) -> list[str]:
    """The draft as message texts of at most 2000 characters: a header, then the e-mail in code blocks."""
    header = f"**{KIND_TITLES.get(draft.kind, draft.kind)}: e-mail to {safe(clip(referee_name, 80))}**\n"
    if draft.missing:
        header += "Fill these in before sending: " + ", ".join(f"`{m}`" for m in draft.missing) + "\n"
    else:
        header += "Everything in it comes from your records; read it once before sending.\n"
    header += "Copy the block below, or open the attached .txt file.\n"
    fence = len(code_block(""))
    text = draft.as_text()
    if len(header) + fence + len(text) <= MESSAGE:
        return [header + code_block(text)]
    reserve = len("(part 10 of 10)\n")
    parts = split_text(text, MESSAGE - fence - max(len(header), reserve) - reserve)
    total = len(parts)
    messages = []
    for number, part in enumerate(parts, 1):
        lead = header if number == 1 else ""
        messages.append(f"{lead}(part {number} of {total})\n{code_block(part)}")
    return messages


def email_file(draft: Draft, referee_name: str) -> discord.File:
    slug = re.sub(r"[^a-z0-9]+", "-", referee_name.casefold()).strip("-")[:40] or "referee"
    data = (draft.as_text() + "\n").encode("utf-8")
    return discord.File(io.BytesIO(data), filename=f"{draft.kind}-{slug}.txt")


# ----------------------------------------------------------------------------------- /today


TODAY_START = (
    "Write down everyone who could write you a letter, label each one, and ask one of them today. "
    "Start with the four people who know your clinical work best."
)
WHO_FIRST = (
    "• Supervisors who watched you look after patients, most recent first (US rotations count most).\n"
    "• People who can compare you with other trainees they have supervised.\n"
    "• Skip the famous name who barely knows you: detail beats rank.\n"
    "• List doubtful writers too, labelled honestly, so you remember not to lean on them."
)
LABEL_GUIDE = (
    "**Strong**: has praised your work specifically · **Unsure**: seemed positive, but you can't tell · "
    "**Weak**: barely saw your work · **Suspect negative**: any sign they might hold back or criticise."
)
ADD_EXAMPLES = (
    "`/referee add name:Dr Amal Haddad label:Strong kind:US clinical`\n"
    "`/referee add name:Dr Lucas Berg label:Unsure kind:Home-country clinical`\n"
    "`/referee add name:Prof Mei Tanaka label:Unsure kind:Research`\n"
    "`/referee add name:Dr Omar Farouk label:Weak`\n"
    "Then circle your top 3 with `/referee circle` and run `/today` again: I'll pick the one to email today."
)


@dataclass(frozen=True)
class TodayPick:
    referee: Referee
    reason: str


def pick_for_today(referees: list[Referee]) -> TodayPick | None:
    """Circled Unsure first, then any Unsure not asked yet; otherwise the best Strong one not asked."""
    fresh = [r for r in referees if r.status == RefereeStatus.not_asked]
    unsure = [r for r in fresh if r.label == RefereeLabel.unsure]
    circled = [r for r in unsure if r.circled]
    if circled:
        return TodayPick(
            circled[0], "circled but Unsure: find out now whether they can write a strong letter"
        )
    if unsure:
        return TodayPick(unsure[0], "Unsure: one direct question settles it")
    strong = sorted((r for r in fresh if r.label == RefereeLabel.strong), key=lambda r: not r.circled)
    if strong:
        return TodayPick(strong[0], "no Unsure writer is waiting, so ask your best Strong one not yet asked")
    return None


def lines_within(lines: list[str], limit: int, more: str) -> str:
    """As many lines as fit in ``limit`` characters, then "…and N more (``more``)" if some were left out."""
    for count in range(len(lines), -1, -1):
        shown = lines[:count]
        if count < len(lines):
            shown = [*shown, f"…and {len(lines) - count} more ({more})"]
        text = "\n".join(shown)
        if len(text) <= limit:
            return text
    return clip(f"{len(lines)} writers ({more})", limit)


def today_embed(referees: list[Referee], pick: TodayPick | None) -> discord.Embed:
    if not referees:
        embed = discord.Embed(title="Today: start your writer list", description=TODAY_START, colour=BRAND)
        add_field(embed, "1. Who to add first", WHO_FIRST)
        add_field(embed, "2. Label each one", LABEL_GUIDE)
        add_field(embed, "3. Add your first four", ADD_EXAMPLES)
        return embed
    counts = {label: sum(r.label == label for r in referees) for label in LABEL_ORDER}
    summary = " · ".join(f"{counts[label]} {label.title}" for label in LABEL_ORDER if counts[label])
    embed = discord.Embed(
        title="Today",
        description=f"{len(referees)} writer{'s' if len(referees) != 1 else ''}: {summary}.",
        colour=BRAND,
    )
    _add_writer_fields(embed, referees)
    _add_top_three(embed, referees)
    _add_pick(embed, pick)
    return embed


def _writer_line(referee: Referee) -> str:
    circled = " ⭕" if referee.circled else ""
    return f"{LABEL_MARKS[referee.label]} {safe(clip(referee.name, 60))}{circled} · {referee.status.title}"


def _add_writer_fields(embed: discord.Embed, referees: list[Referee]) -> None:
    for label in LABEL_ORDER:
        group = [r for r in referees if r.label == label]
        if group:
            value = lines_within([_writer_line(r) for r in group], 900, "see /referee list")
            add_field(embed, f"{label.title} ({len(group)})", value)
    unsure = [r for r in referees if r.label == RefereeLabel.unsure]
    if unsure:
        waiting = sum(r.status == RefereeStatus.not_asked for r in unsure)
        add_field(
            embed,
            "Re-check your Unsure writers",
            f"{len(unsure)} Unsure ({waiting} not asked yet). Unsure means you don't know yet: ask each one "
            "directly whether they can write a *strong* letter, then relabel them with the answer "
            "(`/referee edit` with `label:`).",
        )


def _add_top_three(embed: discord.Embed, referees: list[Referee]) -> None:
    circled = [r for r in referees if r.circled]
    if circled:
        text = "\n".join(f"⭕ {describe_writer(r)} · {r.status.title}" for r in circled)
        if len(circled) < 3:
            text += "\nCircle up to 3 with `/referee circle`."
    else:
        text = "None circled yet. Circle your 3 most likely Strong writers with `/referee circle`."
    add_field(embed, "Your top 3", text)


def _add_pick(embed: discord.Embed, pick: TodayPick | None) -> None:
    if pick is None:
        add_field(
            embed,
            "Email today",
            "Everyone Strong or Unsure has been asked. Chase replies with `/ask start`, or add another "
            "writer with `/referee add`.",
        )
        return
    add_field(
        embed,
        clip(f"Email today: {safe(pick.referee.name)}", 256),
        f"{describe_writer(pick.referee)}: {pick.reason}. Open an e-mail and start with this line, then "
        "send it today:\n" + code_block(ASK_LINE) + "\nPress **Mark as sent** once it has gone.",
    )


def today_view(owner: int, pick: TodayPick | None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if pick is not None:
        ref = pick.referee.id
        view.add_item(EmailButton(owner, ref, "strong-request", label="Draft the email"))
        view.add_item(TodaySentButton(owner, ref))
        view.add_item(OpenButton(owner, ref, label="Open checklist"))
    return view


# ----------------------------------------------------------------------------------- buttons

_OWNER = r"(?P<owner>[0-9]{1,20})"
_REF = r"(?P<ref>[0-9]{1,18})"  # at most 18 digits: always fits SQLite's integer


def _ask_cog(interaction: discord.Interaction) -> Ask:
    cog = interaction.client.get_cog(Ask.__cog_name__)  # type: ignore[attr-defined]
    if not isinstance(cog, Ask):
        raise UserFacingError(OUTDATED)
    return cog


class StepButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"ask:(?P<action>[a-z_]{{1,16}}):{_OWNER}:{_REF}:(?P<step>[a-z_]{{1,16}})",
):
    """A checklist button: finish a step, record a decision, paste a reply or set a reminder."""

    def __init__(
        self,
        action: str,
        owner_id: int,
        referee_id: int,
        step_key: str,
        *,
        label: str = "Continue",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        custom_id = f"ask:{action}:{owner_id}:{referee_id}:{step_key}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action, self.owner_id, self.referee_id, self.step_key = action, owner_id, referee_id, step_key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> StepButton:
        return cls(match["action"], int(match["owner"]), int(match["ref"]), match["step"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        await _ask_cog(interaction).step_action(interaction, self.referee_id, self.action, self.step_key)


class EmailButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"askmail:{_OWNER}:{_REF}:(?P<kind>[a-z-]{{1,20}})",
):
    """Send a ready e-mail draft for this referee as a new private message."""

    def __init__(self, owner_id: int, referee_id: int, kind: str, *, label: str = "Draft the email") -> None:
        custom_id = f"askmail:{owner_id}:{referee_id}:{kind}"
        super().__init__(discord.ui.Button(label=label, emoji="✉️", custom_id=custom_id))
        self.owner_id, self.referee_id, self.kind = owner_id, referee_id, kind

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> EmailButton:
        return cls(int(match["owner"]), int(match["ref"]), match["kind"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        await _ask_cog(interaction).send_email(interaction, self.referee_id, self.kind)


class OpenButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"askopen:{_OWNER}:{_REF}"):
    """Open a referee's checklist in a new private message."""

    def __init__(self, owner_id: int, referee_id: int, *, label: str = "Open checklist") -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"askopen:{owner_id}:{referee_id}"))
        self.owner_id, self.referee_id = owner_id, referee_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> OpenButton:
        return cls(int(match["owner"]), int(match["ref"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        await _ask_cog(interaction).open_checklist(interaction, self.referee_id)


class TodaySentButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"today:sent:{_OWNER}:{_REF}"):
    """/today's "Mark as sent": the referee is now asked; /today is refreshed with the next pick."""

    def __init__(self, owner_id: int, referee_id: int) -> None:
        custom_id = f"today:sent:{owner_id}:{referee_id}"
        super().__init__(
            discord.ui.Button(label="Mark as sent", style=discord.ButtonStyle.success, custom_id=custom_id)
        )
        self.owner_id, self.referee_id = owner_id, referee_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> TodaySentButton:
        return cls(int(match["owner"]), int(match["ref"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        await _ask_cog(interaction).mark_sent_today(interaction, self.referee_id)


class ReplyModal(GuardedModal, title="Paste their reply"):
    """The writer's answer, read in memory; only the verdict is stored."""

    reopen = "`/ask reply` (or **Paste their reply** on your `/ask start` checklist)"

    reply_text: discord.ui.TextInput[ReplyModal] = discord.ui.TextInput(
        label="What did they say? (not stored)",
        custom_id="reply_text",
        style=discord.TextStyle.paragraph,
        placeholder="Paste their e-mail or write down what they said, word for word.",
        min_length=1,
        max_length=REPLY_MAX,
    )

    def __init__(self, cog: Ask, owner_id: int, referee_id: int) -> None:
        super().__init__(custom_id=f"{owner_id}:{referee_id}", timeout=1800)
        self.cog, self.owner_id, self.referee_id = cog, owner_id, referee_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        await self.cog.reply_pasted(interaction, self.referee_id, self.reply_text.value)


# ----------------------------------------------------------------------------------- the cog


def parse_deadline(text: str | None, today: date) -> date | None:
    if text is None or not text.strip():
        return None
    cleaned = text.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            raise ValueError
        deadline = date.fromisoformat(cleaned)
    except ValueError:
        raise UserFacingError("Write the deadline as YYYY-MM-DD, for example 2025-09-24.") from None
    if deadline < today:
        raise UserFacingError(f"That deadline ({deadline.isoformat()}) has already passed. Check the date.")
    return deadline


EMAIL_CHOICES = [app_commands.Choice(name=f"{kind}: {KIND_TITLES[kind]}", value=kind) for kind in EMAIL_KINDS]


class Ask(commands.Cog):
    """Asking a writer for a strong letter, step by step, and the daily routine."""

    ask = app_commands.Group(name="ask", description="Ask a writer for a strong letter, step by step")

    def __init__(self, bot: LorCoach) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(StepButton, EmailButton, OpenButton, TodaySentButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(StepButton, EmailButton, OpenButton, TodaySentButton)

    # ------------------------------------------------------------------ loading
    async def _referee(self, user_id: int, referee_id: int) -> Referee:
        """The referee if it belongs to ``user_id`` (never trust an id from a custom_id)."""
        referee = await get_referee_by_id(self.bot.db, user_id, referee_id)
        if referee is None:
            raise UserFacingError(GONE)
        return referee

    async def _checklist(self, referee: Referee) -> tuple[Checklist, Referee | None]:
        progress = await progress_store.get_progress(self.bot.db, referee.user_id, referee.id)
        checklist = Checklist.of(referee, progress)
        suggestion = None
        if checklist.ended_declined or (checklist.current and checklist.current.key == "decide"):
            suggestion = next_writer(await list_referees(self.bot.db, referee.user_id), referee.id)
        return checklist, suggestion

    async def _render(self, referee: Referee) -> dict[str, Any]:
        checklist, suggestion = await self._checklist(referee)
        return {
            "embed": checklist_embed(checklist, suggestion),
            "view": checklist_view(checklist, suggestion),
        }

    # ------------------------------------------------------------------ public API (also used by /plan)
    async def open_checklist(self, interaction: discord.Interaction, referee_id: int) -> None:
        """Show the caller's checklist for one of their referees, privately."""
        referee = await self._referee(interaction.user.id, referee_id)
        await self._send(interaction, **await self._render(referee))

    async def send_email(
        self,
        interaction: discord.Interaction,
        referee_id: int,
        kind: str,
        *,
        specialty: str | None = None,
        deadline: date | None = None,
    ) -> None:
        """A ready e-mail for one of the caller's referees: code block(s) plus a .txt attachment."""
        if kind not in EMAIL_KINDS:
            raise UserFacingError(OUTDATED)
        referee = await self._referee(interaction.user.id, referee_id)
        draft = draft_email(kind, email_facts(referee, specialty=specialty, deadline=deadline))
        messages = email_messages(draft, referee.name)
        await self._send(interaction, messages[0], file=email_file(draft, referee.name))
        for extra in messages[1:]:
            await interaction.followup.send(extra, ephemeral=True)

    # ------------------------------------------------------------------ button actions
    async def step_action(
        self, interaction: discord.Interaction, referee_id: int, action: str, key: str
    ) -> None:
        referee = await self._referee(interaction.user.id, referee_id)
        try:
            step = step_by_key(key)
        except KeyError:
            raise UserFacingError(OUTDATED) from None
        if action == "paste" and key in ("read_reply", "decide"):
            await self._ask_for_reply(interaction, referee)
        elif action == "remind" and key == "follow_up":
            await self._remind(interaction, referee)
        elif action == "done":
            await self._finish_step(interaction, referee, step)
        elif action in DECISIONS and key == "decide":
            await self._decide(interaction, referee, DECISIONS[action])
        else:
            raise UserFacingError(OUTDATED)

    async def _stale_note(self, referee: Referee, step: Step) -> str | None:
        """Why a button for ``step`` no longer applies (done already, or not the current step); else None."""
        checklist, _ = await self._checklist(referee)
        if step.key in checklist.done:
            return f"Step {step.number} is already done; here is where you are now."
        if checklist.current is None or checklist.current.key != step.key:
            return "That button is from an older checklist; here is where you are now."
        return None

    async def _finish_step(self, interaction: discord.Interaction, referee: Referee, step: Step) -> None:
        note = await self._stale_note(referee, step)
        if note is None:
            await self._mark(referee, [step.key])
            if step.status_on_complete is not None:
                referee = await change_status(self.bot, referee.user_id, referee.id, step.status_on_complete)
            note = f"✅ Step {step.number} done: {step.title[0].lower()}{step.title[1:]}."
        await interaction.response.edit_message(content=note, **await self._render(referee))

    async def _decide(
        self, interaction: discord.Interaction, referee: Referee, status: RefereeStatus
    ) -> None:
        note = await self._stale_note(referee, step_by_key("decide"))
        if note is None:
            await self._mark(referee, ["decide"])
            referee = await change_status(self.bot, referee.user_id, referee.id, status)
            note = f"Marked **{safe(referee.name)}** as {status.title.lower()}."
        await interaction.response.edit_message(content=note, **await self._render(referee))

    async def _ask_for_reply(self, interaction: discord.Interaction, referee: Referee) -> None:
        checklist, _ = await self._checklist(referee)
        if checklist.current is None or checklist.current.key not in ("read_reply", "decide"):
            raise UserFacingError(
                "This writer's reply is already recorded. Use `/ask reply` to read another message."
            )
        await interaction.response.send_modal(ReplyModal(self, interaction.user.id, referee.id))

    async def _mark(self, referee: Referee, keys: list[str]) -> None:
        await progress_store.mark_done(self.bot.db, referee.user_id, referee.id, keys, now=self.bot.now())

    async def _remind(self, interaction: discord.Interaction, referee: Referee) -> None:
        from bot.scheduler import schedule_reminder  # imported late: the reminders feature owns it

        due = self.bot.now() + timedelta(days=FOLLOW_UP_DAYS)
        text = (
            f"Follow up with {referee.name} about your letter. If nothing is uploaded yet, send one short, "
            f"kind reminder: /ask email referee:{referee.name} kind:follow-up"
        )
        await schedule_reminder(self.bot, referee.user_id, due, text, kind="follow_up", referee_id=referee.id)
        when = f"{discord.utils.format_dt(due, 'F')} ({discord.utils.format_dt(due, 'R')})"
        await self._send(interaction, f"⏰ I'll remind you by DM on {when} to follow up with this writer.")

    async def reply_pasted(self, interaction: discord.Interaction, referee_id: int, text: str) -> None:
        """Read the pasted reply, keep only its label, and move the checklist to the decision."""
        referee = await self._referee(interaction.user.id, referee_id)
        reading = read_reply(text)
        await progress_store.record_reply(
            self.bot.db, referee.user_id, referee.id, reading.label, now=self.bot.now()
        )
        rendered = await self._render(referee)
        embeds = [reading_embed(reading, clip(referee.name, 60)), rendered["embed"]]
        if interaction.message is not None:
            await interaction.response.edit_message(content=None, embeds=embeds, view=rendered["view"])
        else:
            await self._send(interaction, embeds=embeds, view=rendered["view"])

    async def mark_sent_today(self, interaction: discord.Interaction, referee_id: int) -> None:
        referee = await self._referee(interaction.user.id, referee_id)
        if referee.status != RefereeStatus.not_asked:
            note = f"**{safe(referee.name)}** is already marked {referee.status.title.lower()}."
        else:
            await self._mark(referee, ["ask"])
            await change_status(self.bot, referee.user_id, referee.id, RefereeStatus.asked)
            note = (
                f"✅ Marked **{safe(referee.name)}** as asked. When they answer, run `/ask start` and paste "
                "their reply."
            )
        referees = await list_referees(self.bot.db, interaction.user.id)
        pick = pick_for_today(referees)
        await interaction.response.edit_message(
            content=note, embed=today_embed(referees, pick), view=today_view(interaction.user.id, pick)
        )

    # ------------------------------------------------------------------ helpers
    async def _send(
        self, interaction: discord.Interaction, content: str | None = None, **kwargs: Any
    ) -> None:
        """A private answer, whether or not the interaction was already acknowledged."""
        if interaction.response.is_done():
            await interaction.followup.send(content or discord.utils.MISSING, ephemeral=True, **kwargs)
        else:
            await interaction.response.send_message(content, ephemeral=True, **kwargs)

    async def _resolve(self, interaction: discord.Interaction, name: str) -> Referee:
        return await resolve_referee(self.bot.db, interaction.user.id, name)

    async def referee_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        referees = await name_suggestions(self.bot.db, interaction.user.id, current)
        return [
            app_commands.Choice(
                name=clip(f"{r.name} · {r.label.title} · {r.status.title}", 100), value=r.name[:100]
            )
            for r in referees
        ]

    # ------------------------------------------------------------------ commands
    @ask.command(
        name="start", description="The step-by-step checklist for asking one writer for a strong letter"
    )
    @app_commands.describe(referee="One of your referees (start typing a name)")
    async def start(self, interaction: discord.Interaction, referee: app_commands.Range[str, 1, 100]) -> None:
        found = await self._resolve(interaction, referee)
        await self.open_checklist(interaction, found.id)

    @ask.command(name="reply", description="Read a writer's answer: enthusiastic, hedged or declined")
    @app_commands.describe(text="What the writer said, word for word (not stored)")
    async def reply(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, REPLY_MAX]
    ) -> None:
        reading = read_reply(text)
        embed = reading_embed(reading)
        add_field(
            embed, "Next", "Track this writer with `/ask start`: paste the reply there to record the outcome."
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @ask.command(name="email", description="A ready-to-send e-mail for one of your writers")
    @app_commands.describe(
        referee="One of your referees (start typing a name)",
        kind="Which e-mail",
        specialty="Your target specialty, e.g. Internal Medicine",
        deadline="When letters must be in ERAS (YYYY-MM-DD)",
    )
    @app_commands.choices(kind=EMAIL_CHOICES)
    async def email(
        self,
        interaction: discord.Interaction,
        referee: app_commands.Range[str, 1, 100],
        kind: app_commands.Choice[str],
        specialty: app_commands.Range[str, 1, 80] | None = None,
        deadline: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        found = await self._resolve(interaction, referee)
        due = parse_deadline(deadline, self.bot.now().date())
        await self.send_email(interaction, found.id, kind.value, specialty=specialty, deadline=due)

    start.autocomplete("referee")(referee_autocomplete)
    email.autocomplete("referee")(referee_autocomplete)

    @app_commands.command(
        name="today", description="Your daily routine: your writers, your top 3, one to email"
    )
    async def today(self, interaction: discord.Interaction) -> None:
        referees = await list_referees(self.bot.db, interaction.user.id)
        pick = pick_for_today(referees)
        await interaction.response.send_message(
            embed=today_embed(referees, pick), view=today_view(interaction.user.id, pick), ephemeral=True
        )


async def setup(bot: LorCoach) -> None:
    await bot.add_cog(Ask(bot))
