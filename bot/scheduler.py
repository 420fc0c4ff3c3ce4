"""The one reminder scheduler: sleeps until the earliest due reminder, delivers, repeats.

* Time is read only through the ``clock`` it is given (the bot's ``bot.now()``); it sleeps with
  ``asyncio.sleep`` on the difference, so simcord's virtual clock drives both.
* Re-armed (woken early) whenever reminders are added, changed or cancelled: :func:`rearm` cancels the
  sleep task. (Not an ``asyncio.Event`` wait: simcord only parks sleeps, so an Event wait would keep a test
  from ever settling; cancelling the sleep gives the same wake-up.)
* Restarted if its task ever dies; one bad reminder never stops the others. When the database refuses
  the bookkeeping (locked, read-only, full) it waits :data:`DB_RETRY` seconds instead of spinning.
* At-least-once: claim → send → mark sent. A crash between send and mark leaves the row in ``sending``;
  it is retried on the next start (or once the claim is stale), so it may arrive twice, never lost.
* Bursts: ``concurrency`` worker tasks share each batch of due ids, so at most that many DMs are in
  flight (and no task waits on a lock, which simcord could not tell from a hang). A :class:`RequestPacer`
  keeps HTTP *requests* under ``rate`` per second (after a burst of :data:`BURST`): the scheduler takes one
  slot per delivery (its message); a sender that makes more requests (opening a DM channel) takes a slot
  from the same pacer for each extra one.
* Sending is done by a ``Sender`` (the Discord DM sender lives in ``cogs/reminders.py``). It raises
  :class:`Undeliverable` (DMs closed: stop), :class:`TemporaryFailure` (5xx, network: back off and retry),
  :class:`PermanentFailure` (retrying cannot help) or :class:`Skip` (nothing to say any more).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from db import reminders as store
from db.database import Database
from db.reminders import Reminder, ReminderKind, ReminderStatus

log = logging.getLogger("lorcoach.scheduler")

#: Waits before the 2nd, 3rd and 4th attempt after a temporary failure; then the reminder is failed.
BACKOFF: tuple[float, ...] = (30, 120, 600)
#: Workers delivering at once, so at most this many DMs in flight (the pacer sets the request rate).
CONCURRENCY = 5
#: At most this many HTTP requests started per second. Discord's global limit is 50/s and every 429 counts
#: toward its invalid-request ban, so bursts are paced under it instead of being answered with 429s.
RATE = 45.0
#: Requests allowed back to back before pacing starts; with :data:`RATE` at most 48 fall in any second.
BURST = 3
#: Never sleep longer than this, so a wall-clock jump (or a suspended host) is noticed within hours.
MAX_SLEEP = 6 * 3600.0
#: A claim older than this is taken as abandoned and retried (may duplicate once).
STALE_CLAIM = 900
#: A reminder delivered this much after its time gets a "late by …" note.
LATE_AFTER = 60.0
#: Pause before a dead scheduler task is started again.
RESTART_DELAY = 30.0
#: Pause after the database refused a claim or a mark (locked, read-only, disk full) before looking again;
#: the reminders stay ``pending`` (or ``sending``, retried once stale), so nothing is lost meanwhile.
DB_RETRY = 30.0
#: How long :meth:`Scheduler.stop` lets in-flight deliveries finish before cancelling them.
STOP_GRACE = 5.0
#: Due reminders read per query.
BATCH = 500

Clock = Callable[[], datetime]
Sender = Callable[[Reminder, float], Awaitable[None]]


class Undeliverable(Exception):
    """The user cannot receive DMs from the bot (DMs closed, user gone): never retry."""


class TemporaryFailure(Exception):
    """Discord or the network failed for now: retry with backoff."""


class PermanentFailure(Exception):
    """Retrying cannot help (e.g. Discord rejected the message): mark failed."""


class Skip(Exception):
    """Nothing to send any more (e.g. the referee was already asked): close the reminder quietly."""


class RequestPacer:
    """Hands out start slots for HTTP requests: ``rate`` per second after a burst of ``burst``.

    A generic cell-rate limiter on the bot's clock (so simcord's virtual time drives it): slot *n* starts
    no earlier than ``(n - burst + 1) / rate`` seconds after a quiet period. Slots are reserved without
    awaiting, so concurrent callers only ever sleep (no lock queue).
    """

    def __init__(self, clock: Clock, rate: float = RATE, burst: int = BURST) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.clock = clock
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.requests = 0  #: slots handed out so far (one per request)
        self._theoretical = 0.0  # when the next slot would start if requests came evenly spaced

    @property
    def next_free(self) -> float:
        """The clock timestamp at which a request could start without waiting (given no other caller)."""
        return self._theoretical - self.tolerance

    def reserve(self) -> float:
        """Take the next slot; returns the seconds to wait before starting the request (0 = now)."""
        now = self.clock().timestamp()
        if self._theoretical - now > self.interval * BATCH:  # the clock jumped back: start afresh
            self._theoretical = now
        theoretical = max(self._theoretical, now)
        self._theoretical = theoretical + self.interval
        self.requests += 1
        return max(0.0, theoretical - self.tolerance - now)

    async def acquire(self) -> None:
        """Wait for this request's slot."""
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)


class Scheduler:
    """Delivers due reminders from the database through ``sender``."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: Sender,
        *,
        concurrency: int = CONCURRENCY,
        rate: float = RATE,
        pacer: RequestPacer | None = None,
        backoff: tuple[float, ...] = BACKOFF,
        on_undeliverable: Callable[[Reminder], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.sender = sender
        self.backoff = backoff
        self.on_undeliverable = on_undeliverable
        self.pacer = pacer if pacer is not None else RequestPacer(clock, rate)
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._task: asyncio.Task[None] | None = None
        self._sleeper: asyncio.Task[None] | None = None
        self._dirty = False
        self._stopping = False
        self._recovered = False
        self._bookkeeping_failed = False
        self.restarts = 0
        self.delivered = 0

    # ------------------------------------------------------------------ lifecycle
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, *, delay: float = 0.0) -> None:
        """Start the loop task (no-op if running)."""
        if self.running:
            return
        self._stopping = False
        self._task = asyncio.create_task(self._main(delay), name="reminder-scheduler")
        self._task.add_done_callback(self._on_task_done)

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop the loop: no new claims; in-flight DMs get ``grace`` seconds, then are cancelled.

        Stopping at a safe point matters: a task cancelled inside a database transaction would leave it open.
        A delivery cut off mid-send stays ``sending`` and is retried on the next start.
        """
        self._stopping = True
        task, self._task = self._task, None
        if task is None or task.done():
            return
        self.rearm()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def rearm(self) -> None:
        """Something changed: look at the database again now instead of at the planned wake-up."""
        self._dirty = True
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self._stopping or task is not self._task:
            return
        error = task.exception()
        log.error("reminder scheduler stopped unexpectedly; restarting", exc_info=error)
        self._task = None
        self.restarts += 1
        self.start(delay=RESTART_DELAY)

    # ------------------------------------------------------------------ the loop
    async def _main(self, delay: float) -> None:
        if delay > 0:
            await self._sleep(delay)
        if not self._recovered and not self._stopping:
            recovered = await store.recover_sending(self.db)
            self._recovered = True
            if recovered:
                log.warning("retrying %d reminder(s) left in 'sending' by the last run", recovered)
        while not self._stopping:
            self._dirty = False
            delay = await self._work_once()
            if not self._dirty and not self._stopping:
                await self._sleep(delay)

    async def _work_once(self) -> float:
        """Deliver what is due (and retry stale claims); returns how long to sleep after."""
        due, claimed = await store.next_wake(self.db)
        now = self.clock()
        handled = 0
        if claimed is not None and claimed + STALE_CLAIM <= now.timestamp():
            await store.recover_sending(self.db, older_than=now - timedelta(seconds=STALE_CLAIM))
            due, claimed = await store.next_wake(self.db)
        if due is not None and due <= now.timestamp():
            handled = await self.run_due()
            if self._bookkeeping_failed:  # the database said no: looking again at once would only spin
                return DB_RETRY
            due, claimed = await store.next_wake(self.db)
        moments = [m for m in (due, None if claimed is None else claimed + STALE_CLAIM) if m is not None]
        if not moments:
            return MAX_SLEEP
        delay = min(moments) - self.clock().timestamp()
        if delay <= 0:  # due but not claimable (e.g. a failing row): do not spin
            return 0.0 if handled else 1.0
        return min(delay, MAX_SLEEP)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, unless :meth:`rearm` wakes us first."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        self._sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
        try:
            await self._sleeper
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we are being stopped, not re-armed
        finally:
            self._sleeper = None

    # ------------------------------------------------------------------ delivery
    async def run_due(self) -> int:
        """Deliver every reminder due now, at most ``concurrency`` at a time. Returns how many were tried."""
        seen: set[int] = set()
        self._bookkeeping_failed = False
        while not self._stopping:
            ids = [i for i in await store.due_ids(self.db, self.clock(), limit=BATCH) if i not in seen]
            if not ids:
                return len(seen)
            seen.update(ids)
            queue = iter(ids)  # shared by the workers: each id is taken by exactly one
            await asyncio.gather(*(self._worker(queue) for _ in range(min(self.concurrency, len(ids)))))
        return len(seen)

    async def _worker(self, queue: Iterator[int]) -> None:
        """Deliver ids from ``queue`` one after another until it is empty (or the scheduler stops)."""
        for reminder_id in queue:
            if self._stopping:
                return
            try:
                await self._deliver(reminder_id)
            except Exception as error:  # the database refused a claim or a mark: the row stays retryable
                self._bookkeeping_failed = True
                log.error("reminder %s: delivery bookkeeping failed", reminder_id, exc_info=error)

    async def _deliver(self, reminder_id: int) -> None:
        reminder = await store.claim(self.db, reminder_id, self.clock())
        if reminder is None:
            return
        await self.pacer.acquire()  # the message's own slot; a sender takes more for any extra request
        late_by = (self.clock() - reminder.scheduled_for).total_seconds()
        try:
            await self.sender(reminder, late_by)
        except Skip as skip:
            await store.mark_final(self.db, reminder.id, ReminderStatus.cancelled, f"skipped: {skip}")
        except Undeliverable as error:
            await self._undeliverable(reminder, str(error) or "DMs are closed")
        except PermanentFailure as error:
            await store.mark_final(self.db, reminder.id, ReminderStatus.failed, str(error) or "rejected")
        except Exception as error:  # TemporaryFailure, or anything unexpected: back off and retry
            await self._retry_or_fail(reminder, error)
        else:
            await store.mark_sent(self.db, reminder.id, self.clock())
            self.delivered += 1

    async def _undeliverable(self, reminder: Reminder, why: str) -> None:
        await store.mark_final(self.db, reminder.id, ReminderStatus.undeliverable, why)
        if self.on_undeliverable is not None:
            await self.on_undeliverable(reminder)

    async def _retry_or_fail(self, reminder: Reminder, error: Exception) -> None:
        why = _describe(error)
        if not isinstance(error, TemporaryFailure):
            log.error("reminder %s: unexpected error while sending", reminder.id, exc_info=error)
        if reminder.attempts <= len(self.backoff):
            wait = self.backoff[reminder.attempts - 1]
            await store.mark_retry(self.db, reminder.id, why, self.clock() + timedelta(seconds=wait))
        else:
            await store.mark_final(self.db, reminder.id, ReminderStatus.failed, why)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --------------------------------------------------------------------------- per-bot registry

_SCHEDULERS: weakref.WeakKeyDictionary[Any, Scheduler] = weakref.WeakKeyDictionary()


def attach(bot: Any, scheduler: Scheduler) -> None:
    """Make ``scheduler`` the one :func:`schedule_reminder` and :func:`rearm` use for ``bot``."""
    _SCHEDULERS[bot] = scheduler


def detach(bot: Any) -> None:
    _SCHEDULERS.pop(bot, None)


def get_scheduler(bot: Any) -> Scheduler | None:
    return _SCHEDULERS.get(bot)


def rearm(bot: Any) -> None:
    """Wake ``bot``'s scheduler to look at the database again (no-op when it is not running)."""
    scheduler = _SCHEDULERS.get(bot)
    if scheduler is not None:
        scheduler.rearm()


async def schedule_reminder(
    bot: Any,
    user_id: int,
    due_at: datetime,
    text: str,
    *,
    kind: ReminderKind | str = "custom",
    referee_id: int | None = None,
) -> int:
    """Store a reminder for ``user_id`` at ``due_at`` (aware) and re-arm the scheduler. Returns its id."""
    reminder_id = await store.create_reminder(
        bot.db, user_id, due_at, text, now=bot.now(), kind=kind, referee_id=referee_id
    )
    rearm(bot)
    return reminder_id
