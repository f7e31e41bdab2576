// W12 http_fanout on Node.js: N GETs of URL, INFLIGHT at a time.
//   node clients.mjs fetch N INFLIGHT URL      fetch() (undici, its default pool)
//   node clients.mjs http_get N INFLIGHT URL   http.get with a keep-alive Agent
import http from "node:http";

const [mode, nArg, inflightArg, url] = process.argv.slice(2);
const n = Number(nArg), inflight = Number(inflightArg);

async function viaFetch() {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  return (await r.arrayBuffer()).byteLength;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
function viaHttpGet() {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let bytes = 0;
      res.on("data", (chunk) => { bytes += chunk.length; });
      res.on("end", () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${res.statusCode}`))));
      res.on("error", reject);
    }).on("error", reject);
  });
}

const get = { fetch: viaFetch, http_get: viaHttpGet }[mode];
if (!get) throw new Error(`unknown mode ${mode}`);
let next = 0, bytes = 0;
async function worker() {
  while (next < n) {
    next++;
    const got = await get();
    bytes += got;
  }
}
const start = process.hrtime.bigint();
await Promise.all(Array.from({ length: inflight }, worker));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
if (bytes !== n * 1024) throw new Error("short bodies");
console.log(`RESULT seconds=${seconds.toFixed(9)}`);
agent.destroy();
