"""Reminders end to end: commands, DMs, restarts, Discord failures, nudges, follow-ups, buttons (simcord)."""

from __future__ import annotations

import asyncio
import itertools
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import discord
from sqlite_rows import rows

from bot import create_bot
from bot.advice.vocab import RefereeStatus
from bot.problems import UserFacingError
from bot.scheduler import BURST, RATE, RESTART_DELAY, get_scheduler, schedule_reminder
from bot.tracker import change_status
from cogs.reminders import ReminderAction
from db import reminders as store
from db.dm_channels import remember_dm_channel
from db.referees import add_referee, get_referee_by_id, toggle_circle

HOUR = 3600
DAY = 86400
STAMP = re.compile(r"<t:(\d+):F> \(<t:\1:R>\)")


# ---------------------------------------------------------------- helpers


def dms(env, user) -> list[discord.Message]:
    """Messages the bot sent on its own (not answers to commands) in the user's DM."""
    return [
        m
        for m in user.dm_channel.history()
        if m.author.id == env.bot.user.id and m.interaction_metadata is None
    ]


def delivery_requests(env, since: int = 0) -> list[str]:
    """Paths of the requests a DM delivery makes (opening a DM channel, posting a message), in order."""
    return [
        r.path
        for r in env.http_requests[since:]
        if r.method == "POST" and (r.path == "/users/@me/channels" or r.path.endswith("/messages"))
    ]


def stamped(content: str) -> datetime:
    match = STAMP.search(content)
    assert match, content
    return datetime.fromtimestamp(int(match.group(1)), UTC)


async def status_listeners_done() -> None:
    """Wait for the bot's ``on_referee_status_changed`` listeners (dispatched as named tasks)."""
    for _ in range(3):
        tasks = [t for t in asyncio.all_tasks() if t.get_name() == "discord.py: on_referee_status_changed"]
        await asyncio.gather(*tasks)
        await asyncio.sleep(0)


async def advance(env, seconds: float) -> None:
    """Advance virtual time a day at a time (each advance_time call must settle within simcord's limit)."""
    while seconds > 0:
        step = min(seconds, DAY)
        await env.advance_time(step)
        seconds -= step


async def add_writer(env, user, name: str, label: str = "unsure", *, circled: bool = False):
    referee = await add_referee(env.bot.db, user.id, name=name, label=label, now=env.bot.now())
    if circled:
        referee = await toggle_circle(env.bot.db, user.id, referee.id, now=env.bot.now())
    return referee


# ---------------------------------------------------------------- /remind and /timezone


async def test_remind_shows_discord_timestamps_and_the_zone_used(simcord_env, db_path):
    user = simcord_env.create_user("ana")
    res = await user.slash("remind", when="in 2 hours", what="Email Dr Rao")
    content = res.response.content
    assert res.ephemeral
    assert stamped(content) == simcord_env.now() + timedelta(hours=2)
    assert "UTC — set yours with /timezone" in content and "Email Dr Rao" in content
    assert rows(db_path, "SELECT user_id, text, status FROM reminders") == [
        (user.id, "Email Dr Rao", "pending")
    ]


async def test_times_are_read_in_the_users_time_zone(simcord_env):
    user = simcord_env.create_user("bea")
    res = await user.slash("timezone", zone="asia/kolkata")
    assert "Asia/Kolkata" in res.response.content
    res = await user.slash("remind", when="tomorrow 9am", what="Ask Dr Mehta")
    assert stamped(res.response.content) == datetime(2026, 1, 2, 3, 30, tzinfo=UTC)  # 09:00 IST
    assert "Asia/Kolkata" in res.response.content and "set yours" not in res.response.content


async def test_unusable_times_get_a_clear_answer_with_examples(simcord_env, db_path):
    user = simcord_env.create_user("cy")
    for when, reason in (("yesterday 9am", "passed"), ("blorp", "couldn't read"), ("in 400 days", "year")):
        res = await user.slash("remind", when=when, what="x")
        assert res.ephemeral and reason in res.response.content, res.response.content
        assert "`in 2 hours`" in res.response.content
    assert rows(db_path, "SELECT COUNT(*) FROM reminders") == [(0,)]
    handled = simcord_env.errors  # answered by the error handler; acknowledge them
    assert [type(e.original) for e in handled] == [UserFacingError] * 3


async def test_timezone_autocomplete_and_invalid_zone(simcord_env, db_path):
    user = simcord_env.create_user("dee")
    choices = await user.autocomplete("timezone", "zone", "kolk")
    assert choices[0]["value"] == "Asia/Kolkata" and len(choices) <= 25
    res = await user.slash("timezone", zone="Mars/Base")
    assert "don't know the time zone" in res.response.content and "America/New_York" in res.response.content
    assert rows(db_path, "SELECT COUNT(*) FROM reminder_prefs") == [(0,)]
    assert [type(e.original) for e in simcord_env.errors] == [UserFacingError]


async def test_remind_in_a_server_is_private(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    user = simcord_env.create_user("eli")
    member = guild.add_member(user)
    res = await member.slash(channel, "remind", when="in 1 hour", what="Send CV to @everyone")
    assert res.ephemeral
    await simcord_env.advance_time(HOUR)
    [dm] = dms(simcord_env, user)
    assert "@everyone" not in dm.content.replace("@\u200beveryone", "")


# ---------------------------------------------------------------- delivery that survives restarts


async def test_reminder_survives_a_restart_and_arrives_exactly_once(simcord_env, db_path):
    user = simcord_env.create_user("fay")
    await user.slash("remind", when="in 3 hours", what="Check ERAS")
    await simcord_env.restart_bot(create_bot())
    await simcord_env.advance_time(3 * HOUR - 5)
    assert dms(simcord_env, user) == []
    await simcord_env.advance_time(10)
    await simcord_env.advance_time(DAY)
    [dm] = dms(simcord_env, user)
    assert "Check ERAS" in dm.content and "Late" not in dm.content
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("sent", 1)]


async def test_overdue_reminders_are_delivered_on_start_with_a_late_note(simcord_env):
    user = simcord_env.create_user("gus")
    await user.slash("remind", when="in 1 hour", what="Upload the letter")
    await simcord_env.bot.remove_cog("Reminders")  # the bot is "down": no scheduler
    await simcord_env.advance_time(4 * HOUR)
    assert dms(simcord_env, user) == []
    await simcord_env.restart_bot(create_bot())
    await simcord_env.advance_time(1)
    [dm] = dms(simcord_env, user)
    assert "Upload the letter" in dm.content
    assert "Late by 3 hours" in dm.content


async def test_crash_between_send_and_mark_delivers_at_most_twice(simcord_env, db_path, monkeypatch):
    user = simcord_env.create_user("hal")
    real_mark = store.mark_sent
    calls = 0

    async def crash_once(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise sqlite3.OperationalError("disk I/O error")
        await real_mark(*args, **kwargs)

    monkeypatch.setattr(store, "mark_sent", crash_once)
    await user.slash("remind", when="in 1 hour", what="Thank Dr Lee")
    await simcord_env.advance_time(HOUR)
    assert len(dms(simcord_env, user)) == 1
    assert rows(db_path, "SELECT status FROM reminders") == [("sending",)]
    await simcord_env.restart_bot(create_bot())
    await simcord_env.advance_time(DAY)
    assert [("Thank Dr Lee" in m.content) for m in dms(simcord_env, user)] == [True, True]
    assert rows(db_path, "SELECT status FROM reminders") == [("sent",)]


async def test_closed_dms_mark_undeliverable_and_the_user_is_told_once(simcord_env, db_path):
    user = simcord_env.create_user("ivy")
    await user.slash("remind", when="in 1 hour", what="Email the PD")
    simcord_env.inject_error(
        "POST",
        "/channels/*/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    await simcord_env.advance_time(HOUR)
    await simcord_env.advance_time(DAY)
    posts = [r for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 1, "DMs closed: no retries"
    assert rows(db_path, "SELECT status, attempts, told FROM reminders") == [("undeliverable", 1, 0)]
    res = await user.slash("reminders")
    [notice] = res.followups
    assert notice.ephemeral and "DMs are closed" in notice.content and "Email the PD" in notice.content
    embed = res.response.embeds[0]
    assert any(f.name == "Couldn't deliver" and "DMs were closed" in f.value for f in embed.fields)
    again = await user.slash("reminders")
    assert again.followups == [], "told once"


async def test_server_errors_are_retried_with_backoff_then_delivered_once(simcord_env, db_path):
    user = simcord_env.create_user("jo")
    await user.slash("remind", when="in 1 hour", what="Book the USCE call")
    simcord_env.inject_error("POST", "/channels/*/messages", status=503, times=2)
    await simcord_env.advance_time(HOUR)
    assert dms(simcord_env, user) == []
    await simcord_env.advance_time(30)  # first backoff
    assert dms(simcord_env, user) == []
    await simcord_env.advance_time(120)  # second backoff: Discord is back
    [dm] = dms(simcord_env, user)
    assert "Book the USCE call" in dm.content
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("sent", 3)]


async def test_a_burst_of_due_reminders_all_arrive(simcord_env, db_path):
    users = [simcord_env.create_user(f"u{i}") for i in range(12)]
    for user in users:
        await user.slash("remind", when="in 1 hour", what=f"burst for {user.name}")
    before = len(simcord_env.http_requests)
    await simcord_env.advance_time(HOUR)
    await simcord_env.advance_time(1)  # 12 new users: 24 requests (DM channel + message) at 45/s
    assert all(len(dms(simcord_env, u)) == 1 for u in users)
    sent = sorted(dms(simcord_env, u)[0].created_at for u in users)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.02, gaps
    assert rows(db_path, "SELECT DISTINCT status FROM reminders") == [("sent",)]
    made = delivery_requests(simcord_env, before)
    assert len(made) == 24
    assert get_scheduler(simcord_env.bot).pacer.requests == len(made), "every request took a paced slot"
    [(due,)] = rows(db_path, "SELECT DISTINCT scheduled_for FROM reminders")
    last = (sent[-1] - datetime.fromtimestamp(due, UTC)).total_seconds()
    assert last >= (24 - BURST) / RATE - 0.002, "paced per request (24 slots), not per DM (12)"


async def test_the_dm_channel_is_stored_and_reused_across_reminders_and_restarts(simcord_env, db_path):
    user = simcord_env.create_user("lee")
    for hours in (1, 2, 3):
        await user.slash("remind", when=f"in {hours} hours", what=f"Step {hours}")
    before = len(simcord_env.http_requests)
    for _ in range(3):
        await simcord_env.advance_time(HOUR)
        await simcord_env.restart_bot(create_bot())  # discord.py's own DM channel cache is gone each time
    assert [m.content.split("\n")[0] for m in dms(simcord_env, user)] == [
        f"⏰ **Reminder:** Step {h}" for h in (1, 2, 3)
    ]
    made = delivery_requests(simcord_env, before)
    assert made.count("/users/@me/channels") == 1, made
    assert len(made) == 4, "one request per reminder after the first"
    assert rows(db_path, "SELECT user_id, channel_id FROM dm_channels") == [(user.id, user.dm_channel.id)]


async def test_a_stale_dm_channel_id_falls_back_to_opening_the_channel(simcord_env, db_path):
    user = simcord_env.create_user("max")
    await remember_dm_channel(simcord_env.bot.db, user.id, 4242)  # a channel Discord no longer knows
    await user.slash("remind", when="in 1 hour", what="Send the CV")
    before = len(simcord_env.http_requests)
    await simcord_env.advance_time(HOUR)
    [dm] = dms(simcord_env, user)
    assert "Send the CV" in dm.content
    made = delivery_requests(simcord_env, before)
    assert made == [
        "/channels/4242/messages",
        "/users/@me/channels",
        f"/channels/{user.dm_channel.id}/messages",
    ]
    assert get_scheduler(simcord_env.bot).pacer.requests == 3
    assert rows(db_path, "SELECT channel_id FROM dm_channels") == [(user.dm_channel.id,)]
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("sent", 1)]


async def test_closed_dms_through_a_stored_channel_are_undeliverable_without_reopening(simcord_env, db_path):
    user = simcord_env.create_user("ned")
    await user.slash("remind", when="in 1 hour", what="First")
    await user.slash("remind", when="in 2 hours", what="Second")
    await simcord_env.advance_time(HOUR)
    simcord_env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50007, message="Cannot send messages to this user"
    )
    before = len(simcord_env.http_requests)
    await simcord_env.advance_time(HOUR)
    assert delivery_requests(simcord_env, before) == [f"/channels/{user.dm_channel.id}/messages"]
    assert rows(db_path, "SELECT text, status FROM reminders ORDER BY id") == [
        ("First", "sent"),
        ("Second", "undeliverable"),
    ]


async def test_a_dead_scheduler_is_restarted(simcord_env, monkeypatch):
    user = simcord_env.create_user("kit")
    await user.slash("remind", when="in 1 hour", what="Still delivered")
    real = store.next_wake
    calls = 0

    async def dies_once(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("scheduler bug")
        return await real(*args, **kwargs)

    monkeypatch.setattr(store, "next_wake", dies_once)
    scheduler = get_scheduler(simcord_env.bot)
    scheduler.rearm()
    await simcord_env.advance_time(RESTART_DELAY + 1)
    assert scheduler.restarts == 1 and scheduler.running
    await simcord_env.advance_time(HOUR)
    assert ["Still delivered" in m.content for m in dms(simcord_env, user)] == [True]
    assert calls >= 2, "the restarted loop asked the database again"


async def test_schedule_reminder_api_stores_and_rearms(simcord_env, db_path):
    user = simcord_env.create_user("lea")
    due = simcord_env.now() + timedelta(minutes=90)
    rid = await schedule_reminder(simcord_env.bot, user.id, due, "From another feature", kind="custom")
    assert rows(db_path, "SELECT id, status FROM reminders") == [(rid, "pending")]
    await simcord_env.advance_time(90 * 60)
    [dm] = dms(simcord_env, user)
    assert "From another feature" in dm.content


# ---------------------------------------------------------------- buttons: snooze, done, cancel, owner


async def test_snooze_from_the_dm_survives_a_restart(simcord_env, db_path):
    user = simcord_env.create_user("max")
    await user.slash("remind", when="in 1 hour", what="Ask for feedback")
    await simcord_env.advance_time(HOUR)
    [dm] = dms(simcord_env, user)
    await simcord_env.restart_bot(create_bot())
    res = await user.click(dm, label="Snooze 1 h")
    assert "Snoozed until" in res.response.content and res.response.components == []
    await simcord_env.advance_time(HOUR - 5)
    assert len(dms(simcord_env, user)) == 1
    await simcord_env.advance_time(10)
    assert len(dms(simcord_env, user)) == 2
    assert rows(db_path, "SELECT status FROM reminders") == [("sent",)]


async def test_done_closes_the_dm(simcord_env):
    user = simcord_env.create_user("ned")
    await user.slash("remind", when="in 10 minutes", what="Done soon")
    await simcord_env.advance_time(600)
    [dm] = dms(simcord_env, user)
    res = await user.click(dm, label="Done")
    assert "Done." in res.response.content and res.response.components == []


async def test_reminders_list_cancel_needs_confirmation_and_snooze_moves_it(simcord_env, db_path):
    user = simcord_env.create_user("ola")
    await user.slash("remind", when="in 2 hours", what="first")
    await user.slash("remind", when="in 3 hours", what="second")
    listing = await user.slash("reminders")
    embed = listing.response.embeds[0]
    assert "first" in embed.description and "second" in embed.description
    assert embed.description.index("first") < embed.description.index("second")
    asked = await user.click(listing.response, label="Cancel #1")
    assert "can't be undone" in asked.response.embeds[0].description
    assert rows(db_path, "SELECT status FROM reminders ORDER BY id") == [("pending",), ("pending",)]
    done = await user.click(asked.response, label="Yes, cancel it #1")
    assert "Cancelled" in done.response.embeds[0].description
    assert rows(db_path, "SELECT status FROM reminders ORDER BY id") == [("cancelled",), ("pending",)]
    before = rows(db_path, "SELECT due_at FROM reminders WHERE text = 'second'")[0][0]
    await user.click(done.response, label="Snooze 1 h")
    after = rows(db_path, "SELECT due_at FROM reminders WHERE text = 'second'")[0][0]
    assert after - before == HOUR


async def test_reminders_list_pages_stay_inside_discord_limits(simcord_env):
    user = simcord_env.create_user("pia")
    for i in range(11):
        await user.slash("remind", when=f"in {i + 1} hours", what=f"item {i + 1:02d}")
    first = await user.slash("reminders")
    assert (
        "item 01" in first.response.embeds[0].description
        and "item 05" not in first.response.embeds[0].description
    )
    rows_of_buttons = first.response.components
    assert len(rows_of_buttons) <= 5 and all(len(r["components"]) <= 5 for r in rows_of_buttons)
    second = await user.click(first.response, label="Next ▶")
    assert "item 05" in second.response.embeds[0].description
    assert "Page 2/3" in second.response.embeds[0].footer.text


async def test_a_replayed_custom_id_is_refused_for_another_user(simcord_env, db_path):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    victim = guild.add_member(simcord_env.create_user("vic"))
    attacker = guild.add_member(simcord_env.create_user("att"))
    await victim.slash(channel, "remind", when="in 2 hours", what="victim's reminder")
    [(rid, due)] = rows(db_path, "SELECT id, due_at FROM reminders")
    view = discord.ui.View(timeout=None)
    view.add_item(ReminderAction("really", victim.id, rid, "p0", label="Yes, cancel it"))
    view.add_item(ReminderAction("h1", victim.id, rid, "d"))
    public = await simcord_env.bot.get_channel(channel.id).send("replayed", view=view)
    for label in ("Yes, cancel it", "Snooze 1 h"):
        res = await attacker.click(public, label=label)
        assert "belong to someone else" in (res.response or res.followups[0]).content
    assert rows(db_path, "SELECT status, due_at FROM reminders") == [("pending", due)]


# ---------------------------------------------------------------- the daily nudge


async def test_daily_nudge_names_one_writer_and_stops_once_marked_sent(simcord_env, db_path):
    user = simcord_env.create_user("quinn")
    await add_writer(simcord_env, user, "Dr Unsure")
    circled = await add_writer(simcord_env, user, "Dr Circled", "strong", circled=True)
    await add_writer(simcord_env, user, "Dr Weak", "weak")
    res = await user.slash("nudge daily", time="08:00")
    assert stamped(res.response.content) == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    await simcord_env.advance_time(8 * HOUR)
    [nudge] = dms(simcord_env, user)
    assert "Dr Circled" in nudge.content and "Dr Unsure" not in nudge.content and "strong" in nudge.content
    draft = await user.click(nudge, label="Draft email")
    assert draft.ephemeral and draft.response.content.startswith("```\nSubject:")
    assert "Dr Circled" in draft.response.content
    marked = await user.click(nudge, label="Mark as sent")
    assert "as asked" in marked.response.content
    await status_listeners_done()
    assert (await get_referee_by_id(simcord_env.bot.db, user.id, circled.id)).status == RefereeStatus.asked
    await simcord_env.advance_time(DAY)
    second = dms(simcord_env, user)[-1]
    assert "Dr Unsure" in second.content, "the next writer is named the next day"
    await user.click(second, label="Mark as sent")
    await status_listeners_done()
    await simcord_env.advance_time(DAY)
    assert len(dms(simcord_env, user)) == 2, "nothing left to send: the day is skipped"
    skipped = rows(db_path, "SELECT last_error FROM reminders WHERE kind = 'nudge' AND status = 'cancelled'")
    assert skipped and "skipped" in skipped[-1][0]
    assert rows(db_path, "SELECT COUNT(*) FROM reminders WHERE kind = 'nudge' AND status = 'pending'") == [
        (1,)
    ]


async def test_daily_nudge_keeps_local_time_across_new_york_dst(simcord_env, db_path):
    user = simcord_env.create_user("rae")
    await add_writer(simcord_env, user, "Dr Maybe")
    await simcord_env.bot.remove_cog("Reminders")
    await simcord_env.advance_time((datetime(2026, 3, 6, 12, tzinfo=UTC) - simcord_env.now()).total_seconds())
    await simcord_env.restart_bot(create_bot())
    await user.slash("timezone", zone="America/New_York")
    await user.slash("nudge daily", time="8am")
    await advance(simcord_env, 4 * DAY - HOUR)
    sent = rows(db_path, "SELECT sent_at FROM reminders WHERE kind = 'nudge' AND status = 'sent' ORDER BY id")
    moments = [datetime.fromtimestamp(s, UTC) for (s,) in sent]
    assert [(m.day, m.hour) for m in moments] == [(6, 13), (7, 13), (8, 12), (9, 12)]
    assert len(dms(simcord_env, user)) == 4


async def test_remind_me_tonight_and_stop_nudges(simcord_env, db_path):
    user = simcord_env.create_user("sam")
    await user.slash("timezone", zone="Asia/Kolkata")
    await add_writer(simcord_env, user, "Dr Kapoor")
    await user.slash("nudge daily", time="07:30")  # 02:00 UTC
    await simcord_env.advance_time(3 * HOUR)
    [nudge] = dms(simcord_env, user)
    res = await user.click(nudge, label="Remind me tonight")
    assert stamped(res.response.content) == datetime(2026, 1, 1, 14, 30, tzinfo=UTC)  # 20:00 IST
    stop = await user.click(nudge, label="Stop nudges")
    assert "off" in stop.response.content
    assert rows(db_path, "SELECT COUNT(*) FROM reminders WHERE kind = 'nudge' AND status = 'pending'") == [
        (0,)
    ]
    await simcord_env.advance_time(12 * HOUR)
    tonight = dms(simcord_env, user)[-1]
    assert "Tonight" in tonight.content and "Dr Kapoor" in tonight.content


async def test_nudge_off_command(simcord_env):
    user = simcord_env.create_user("tia")
    await user.slash("nudge daily", time="09:00")
    res = await user.slash("nudge off")
    assert "off" in res.response.content.lower()
    listing = await user.slash("reminders")
    assert any(
        f.name == "Daily nudge" and f.value.startswith("Off") for f in listing.response.embeds[0].fields
    )


# ---------------------------------------------------------------- follow-ups follow the referee status


async def test_follow_ups_are_scheduled_on_asked_and_cancelled_when_the_status_moves_on(simcord_env, db_path):
    user = simcord_env.create_user("uma")
    referee = await add_writer(simcord_env, user, "Dr Osei", "strong")
    await change_status(simcord_env.bot, user.id, referee.id, RefereeStatus.asked)
    await status_listeners_done()
    follow = rows(db_path, "SELECT due_at FROM reminders WHERE kind = 'follow_up' AND status = 'pending'")
    start = simcord_env.now().timestamp()
    assert sorted(round((d - start) / DAY) for (d,) in follow) == [7, 14]
    await advance(simcord_env, 7 * DAY)
    [first] = dms(simcord_env, user)
    assert "No answer from **Dr Osei** yet?" in first.content and "7 days" in first.content
    await change_status(simcord_env.bot, user.id, referee.id, RefereeStatus.agreed_strong)
    await status_listeners_done()
    assert rows(db_path, "SELECT status FROM reminders WHERE kind = 'follow_up' ORDER BY due_at") == [
        ("sent",),
        ("cancelled",),
    ]
    await simcord_env.advance_time(2 * HOUR)
    packet = dms(simcord_env, user)[-1]
    assert "support packet" in packet.content and "Dr Osei" in packet.content
    await advance(simcord_env, 14 * DAY)
    assert len(dms(simcord_env, user)) == 2, "the 14-day follow-up was cancelled"


async def test_a_follow_up_for_a_referee_who_moved_on_while_the_bot_was_down_is_skipped(simcord_env, db_path):
    user = simcord_env.create_user("vi")
    referee = await add_writer(simcord_env, user, "Dr Silent", "strong")
    await change_status(simcord_env.bot, user.id, referee.id, RefereeStatus.asked)
    await status_listeners_done()
    await simcord_env.bot.remove_cog("Reminders")
    await change_status(simcord_env.bot, user.id, referee.id, RefereeStatus.declined)  # nobody listening
    await simcord_env.restart_bot(create_bot())
    await advance(simcord_env, 15 * DAY)
    assert dms(simcord_env, user) == []
    assert rows(db_path, "SELECT DISTINCT status FROM reminders WHERE kind = 'follow_up'") == [("cancelled",)]
