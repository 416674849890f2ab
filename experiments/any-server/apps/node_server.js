// Node variant: GET /remote fetches the upstream page once and returns it as JSON, with
// Node's own http module. `--workers N` forks N processes that share the port (the cluster
// module), as gunicorn's workers do; each keeps its upstream connections alive in one agent.
"use strict";

const cluster = require("node:cluster");
const http = require("node:http");

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const port = Number(option("--port", ""));
const host = option("--host", "127.0.0.1");
const workers = Number(option("--workers", "1"));
const upstream = process.env.UPSTREAM_URL;
if (!Number.isInteger(port) || port <= 0) throw new Error("--port PORT is required");
if (!upstream) throw new Error("UPSTREAM_URL is not set (e.g. http://127.0.0.1:8080/)");

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  // A worker that dies takes the server down with it: the run must see it, not a respawn.
  cluster.on("exit", (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} ended (${signal || code})`);
    process.exit(1);
  });
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
} else {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
  const server = http.createServer((request, response) => {
    if (request.method !== "GET" || request.url !== "/remote") {
      response.writeHead(404).end();
      return;
    }
    http
      .get(upstream, { agent }, (upstreamResponse) => {
        const chunks = [];
        upstreamResponse.on("data", (chunk) => chunks.push(chunk));
        upstreamResponse.on("end", () => {
          const status = upstreamResponse.statusCode === 200 ? 200 : 502;
          const body = JSON.stringify({
            upstream_status: upstreamResponse.statusCode,
            body: Buffer.concat(chunks).toString("utf8"),
          });
          response.writeHead(status, { "Content-Type": "application/json" }).end(body);
        });
      })
      .on("error", (error) => {
        response
          .writeHead(502, { "Content-Type": "application/json" })
          .end(JSON.stringify({ error: `upstream unreachable: ${error.message}` }));
      });
  });
  server.keepAliveTimeout = 3600 * 1000;
  server.headersTimeout = 3601 * 1000;
  server.listen(port, host);
}
