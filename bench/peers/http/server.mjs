// The local server of W12 http_fanout: GET /1k answers 1024 bytes over
// HTTP/1.1 keep-alive. Prints its port on the first line of stdout and
// serves until stdin closes. One server for every client measured, in a
// process of its own.
//   node server.mjs
import http from "node:http";

const body = Buffer.alloc(1024, "x");
const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
