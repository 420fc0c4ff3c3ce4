-- Issue 8: a reminder burst must cost one request per DM, and the next-due lookup must stay indexed.

-- The DM channel the bot last used with each user, so a reminder is sent straight to it instead of asking
-- Discord to open the channel again every time (discord.py keeps only 128 of them in memory).
-- Read and written through db/dm_channels.py; covered by /data export and /data delete via user_id.
CREATE TABLE dm_channels (
    user_id     INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL
);

-- The scheduler's "earliest claim still in flight" lookup. Without it, once PRAGMA optimize has written
-- statistics, the planner scans the whole table for status = 'sending'.
CREATE INDEX reminders_sending ON reminders (claimed_at) WHERE status = 'sending';
