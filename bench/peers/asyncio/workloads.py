"""The workloads on Python asyncio (standard library only).

    python3 workloads.py WORKLOAD [SIZES...]

WORKLOAD is one of empty, w1..w7 (see ../../../../shared/bench/WORKLOADS.md), w8, w8b,
w9 (docs/performance.md);
prints "RESULT seconds=..." for the measured part.
"""
import asyncio
import math
import sys
import time


async def w1_spawn_join(n):
    async def nothing():
        pass

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(n):
            group.create_task(nothing())
    return time.perf_counter() - start, {}


async def w2_yield_switch(n):
    async def yielder():
        for _ in range(n):
            await asyncio.sleep(0)

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        group.create_task(yielder())
        group.create_task(yielder())
    return time.perf_counter() - start, {}


async def w3_sleep_fanout(n, ms=50):
    seconds = ms / 1000

    async def sleeper():
        await asyncio.sleep(seconds)

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(n):
            group.create_task(sleeper())
    return time.perf_counter() - start, {}


async def w4_cancel_storm(n):
    # The scope is a task holding the TaskGroup; cancelling it makes the
    # group cancel every child and wait for them.
    started = asyncio.Event()

    async def scope():
        async with asyncio.TaskGroup() as group:
            for _ in range(n):
                group.create_task(asyncio.sleep(3600))
            await asyncio.sleep(0)  # every child has started and is asleep
            started.set()
            await asyncio.sleep(3600)

    scope_task = asyncio.create_task(scope())
    await started.wait()
    start = time.perf_counter()
    scope_task.cancel()
    try:
        await scope_task
    except asyncio.CancelledError:
        pass
    return time.perf_counter() - start, {}


async def w5_timeout_churn(n):
    async def nothing():
        pass

    start = time.perf_counter()
    for _ in range(n):
        async with asyncio.timeout(1.0):
            await nothing()
    return time.perf_counter() - start, {}


async def w6_nested_scopes(reps, depth):
    async def child():
        await asyncio.sleep(0)

    async def nest(level):
        if level == 0:
            return
        async with asyncio.TaskGroup() as group:
            group.create_task(child())
            await nest(level - 1)

    start = time.perf_counter()
    for _ in range(reps):
        await nest(depth)
    return time.perf_counter() - start, {}


async def w7_sleep_precision(n):
    seed = 42
    lateness_ms = []

    async def sleeper(delay_ms):
        asked = time.perf_counter() + delay_ms / 1000
        await asyncio.sleep(delay_ms / 1000)
        lateness_ms.append((time.perf_counter() - asked) * 1000)

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(n):
            seed = seed * 48271 % 2147483647  # MINSTD, as every implementation
            group.create_task(sleeper(1 + seed % 100))
    seconds = time.perf_counter() - start
    lateness_ms.sort()

    def percentile(q):
        return lateness_ms[max(1, math.ceil(q * n)) - 1]

    return seconds, {"p50_ms": percentile(0.50), "p99_ms": percentile(0.99), "max_ms": lateness_ms[-1]}


async def w8_channel_pingpong(n):
    # asyncio has no rendezvous queue: Queue(maxsize=1) is the closest (in
    # a ping-pong each side waits for the reply anyway).
    ping, pong = asyncio.Queue(maxsize=1), asyncio.Queue(maxsize=1)
    rounds = n // 2

    async def echo():
        for _ in range(rounds):
            await pong.put(await ping.get() + 1)

    async def driver():
        v = 0
        for _ in range(rounds):
            await ping.put(v)
            v = await pong.get()
        assert v == rounds

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        group.create_task(echo())
        group.create_task(driver())
    return time.perf_counter() - start, {}


async def w8b_channel_buffered(n):
    queue = asyncio.Queue(maxsize=64)
    done = object()

    async def producer():
        for i in range(1, n + 1):
            await queue.put(i)
        await queue.put(done)

    async def consumer():
        total = 0
        while (v := await queue.get()) is not done:
            total += v
        assert total == n * (n + 1) // 2

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        group.create_task(producer())
        group.create_task(consumer())
    return time.perf_counter() - start, {}


async def w9_limited_fanout(n):
    sem = asyncio.Semaphore(100)

    async def limited():
        async with sem:
            await asyncio.sleep(0)

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(n):
            group.create_task(limited())
    return time.perf_counter() - start, {}


async def empty():
    return 0.0, {}


WORKLOADS = {
    "empty": empty,
    "w1": w1_spawn_join,
    "w2": w2_yield_switch,
    "w3": w3_sleep_fanout,
    "w4": w4_cancel_storm,
    "w5": w5_timeout_churn,
    "w6": w6_nested_scopes,
    "w7": w7_sleep_precision,
    "w8": w8_channel_pingpong,
    "w8b": w8b_channel_buffered,
    "w9": w9_limited_fanout,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in WORKLOADS:
        sys.exit("usage: workloads.py {%s} [SIZES...]" % "|".join(WORKLOADS))
    sizes = [int(a) for a in sys.argv[2:]]
    seconds, extra = asyncio.run(WORKLOADS[sys.argv[1]](*sizes))
    fields = "".join(" %s=%.3f" % item for item in extra.items())
    print("RESULT seconds=%.9f%s" % (seconds, fields))


if __name__ == "__main__":
    main()
