import time
from db.referees import add_referee, set_bullets, Bullet, toggle_circle
from bot.advice.vocab import Area

async def test_measure(simcord_env):
    bot = simcord_env.bot
    user = simcord_env.create_user("m")
    for i in range(30):
        r = await add_referee(bot.db, user.id, name=(f"Dr {i:02d} " + "Abcdefghij" * 8)[:80], label=["strong","unsure","weak","suspect_negative"][i % 4], now=bot.now())
        if i < 3: await toggle_circle(bot.db, user.id, r.id, now=bot.now())
    await set_bullets(bot.db, user.id, r.id, [Bullet(area=list(Area)[i % 6], text=("x" * 195)) for i in range(10)], now=bot.now())
    t = time.perf_counter(); res = await user.slash("today"); dt = time.perf_counter() - t
    e = res.response.embeds[0]
    print("\nTODAY30 embed len", len(e), "fields", len(e.fields), "max field", max(len(f.value) for f in e.fields), "secs", round(dt, 3))
    res = await user.slash("ask email", referee=r.name, kind="support-packet")
    print("PACKET msgs", [len(m.content) for m in [res.response, *res.followups]])
    t = time.perf_counter(); res = await user.slash("ask start", referee=r.name); dt = time.perf_counter() - t
    print("START secs", round(dt, 3), "embed len", len(res.response.embeds[0]))
