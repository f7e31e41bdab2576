// The workloads on Node.js: Promise-based tasks, timers/promises,
// AbortController.
//
//   node workloads.mjs WORKLOAD [SIZES...]
//
// WORKLOAD is one of empty, w1..w7 (see shared/bench/WORKLOADS.md), w8, w8b, w9
// (docs/performance.md); prints
// "RESULT seconds=..." for the measured part.
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

const now = () => performance.now() / 1000;  // monotonic seconds
const yieldTurn = () => new Promise(setImmediate);

async function w1SpawnJoin(n) {
  const nothing = async () => {};
  const start = now();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(nothing());
  await Promise.all(tasks);
  return [now() - start, {}];
}

async function w2YieldSwitch(n) {
  const yielder = async () => {
    for (let i = 0; i < n; i++) await yieldTurn();
  };
  const start = now();
  await Promise.all([yielder(), yielder()]);
  return [now() - start, {}];
}

async function w3SleepFanout(n, ms = 50) {
  const sleeper = async () => { await sleep(ms); };
  const start = now();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(sleeper());
  await Promise.all(tasks);
  return [now() - start, {}];
}

async function w4CancelStorm(n) {
  // The scope aborts one AbortController per task, each passed as the
  // signal of that task's sleep. (One signal shared by every sleep would be
  // the direct idiom, but with 100k sleeps on one signal the set-up had not
  // finished after 6 minutes on Node 20.)
  const scope = new Set();
  const sleeper = async () => {
    const controller = new AbortController();
    scope.add(controller);
    try {
      await sleep(3600000, undefined, { signal: controller.signal });
    } catch (err) {
      if (err.name !== 'AbortError') throw err;
    } finally {
      scope.delete(controller);
    }
  };
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(sleeper());
  await yieldTurn();  // every task has started and is asleep
  const start = now();
  for (const controller of scope) controller.abort();
  await Promise.all(tasks);
  return [now() - start, {}];
}

// with_timeout: a child AbortController aborted by a timer, cleared on
// the way out.
async function withTimeout(ms, fn) {
  const scope = new AbortController();
  const timer = setTimeout(() => scope.abort(), ms);
  try {
    return await fn(scope.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function w5TimeoutChurn(n) {
  const nothing = async () => {};
  const start = now();
  for (let i = 0; i < n; i++) await withTimeout(1000, nothing);
  return [now() - start, {}];
}

async function w6NestedScopes(reps, depth) {
  const child = async () => { await yieldTurn(); };
  // A scope: its body runs, then it waits for the child it spawned.
  const nest = async (level) => {
    if (level === 0) return;
    const spawned = child();
    await nest(level - 1);
    await spawned;
  };
  const start = now();
  for (let i = 0; i < reps; i++) await nest(depth);
  return [now() - start, {}];
}

async function w7SleepPrecision(n) {
  let seed = 42;
  const latenessMs = [];
  const sleeper = async (delayMs) => {
    const asked = now() + delayMs / 1000;
    await sleep(delayMs);
    latenessMs.push((now() - asked) * 1000);
  };
  const start = now();
  const tasks = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 48271) % 2147483647;  // MINSTD, as every implementation
    tasks.push(sleeper(1 + (seed % 100)));
  }
  await Promise.all(tasks);
  const seconds = now() - start;
  latenessMs.sort((a, b) => a - b);
  const percentile = (q) => latenessMs[Math.max(1, Math.ceil(q * n)) - 1];
  return [seconds, { p50_ms: percentile(0.5), p99_ms: percentile(0.99), max_ms: latenessMs[n - 1] }];
}

// The simplest idiomatic promise-based channel: a buffer of `capacity`
// values (0: rendezvous), waiting receivers' resolvers, waiting senders.
class Channel {
  constructor(capacity) {
    this.capacity = capacity;
    this.values = [];
    this.receivers = [];
    this.senders = [];
  }
  send(v) {
    if (this.receivers.length) {
      this.receivers.shift()(v);
      return Promise.resolve();
    }
    if (this.values.length < this.capacity) {
      this.values.push(v);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.senders.push([v, resolve]));
  }
  recv() {
    if (this.values.length) {
      const v = this.values.shift();
      if (this.senders.length) {
        const [sv, resolve] = this.senders.shift();
        this.values.push(sv);
        resolve();
      }
      return Promise.resolve(v);
    }
    if (this.senders.length) {
      const [sv, resolve] = this.senders.shift();
      resolve();
      return Promise.resolve(sv);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

async function w8ChannelPingpong(n) {
  const ping = new Channel(0);
  const pong = new Channel(0);
  const rounds = Math.floor(n / 2);
  const echo = async () => {
    for (let i = 0; i < rounds; i++) await pong.send((await ping.recv()) + 1);
  };
  const driver = async () => {
    let v = 0;
    for (let i = 0; i < rounds; i++) {
      await ping.send(v);
      v = await pong.recv();
    }
    if (v !== rounds) throw new Error(`passed ${v}`);
  };
  const start = now();
  await Promise.all([echo(), driver()]);
  return [now() - start, {}];
}

async function w8bChannelBuffered(n) {
  const ch = new Channel(64);
  const producer = async () => {
    for (let i = 1; i <= n; i++) await ch.send(i);
    await ch.send(0);  // the end
  };
  const consumer = async () => {
    let total = 0;
    for (let v; (v = await ch.recv()) !== 0;) total += v;
    if (total !== n * (n + 1) / 2) throw new Error(`sum ${total}`);
  };
  const start = now();
  await Promise.all([producer(), consumer()]);
  return [now() - start, {}];
}

// p-limit's shape: a counter and a FIFO of waiting resolvers (a linked
// list, as p-limit's yocto-queue, so that 100 000 waiters stay O(1)).
async function w9LimitedFanout(n) {
  const limit = 100;
  let active = 0;
  let head = null;
  let tail = null;
  const acquire = () => {
    if (active < limit) {
      active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const node = { resolve, next: null };
      if (tail) tail.next = node; else head = node;
      tail = node;
    });
  };
  const release = () => {
    if (head) {
      const { resolve } = head;
      head = head.next;
      if (!head) tail = null;
      resolve();  // the permit goes straight to the next waiter
    } else {
      active--;
    }
  };
  const limited = async () => {
    await acquire();
    try {
      await yieldTurn();
    } finally {
      release();
    }
  };
  const start = now();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(limited());
  await Promise.all(tasks);
  return [now() - start, {}];
}

const workloads = {
  empty: async () => [0, {}],
  w1: w1SpawnJoin,
  w2: w2YieldSwitch,
  w3: w3SleepFanout,
  w4: w4CancelStorm,
  w5: w5TimeoutChurn,
  w6: w6NestedScopes,
  w7: w7SleepPrecision,
  w8: w8ChannelPingpong,
  w8b: w8bChannelBuffered,
  w9: w9LimitedFanout,
};

const [name, ...sizes] = process.argv.slice(2);
if (!(name in workloads)) {
  console.error(`usage: workloads.mjs {${Object.keys(workloads).join('|')}} [SIZES...]`);
  process.exit(2);
}
const [seconds, extra] = await workloads[name](...sizes.map(Number));
const fields = Object.entries(extra).map(([k, v]) => ` ${k}=${v.toFixed(3)}`).join('');
console.log(`RESULT seconds=${seconds.toFixed(9)}${fields}`);
