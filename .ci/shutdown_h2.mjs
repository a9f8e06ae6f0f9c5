// Graceful shutdown over HTTP/2 (RFC 8441), from outside: starts the echo example (h2c)
// or, with --tls, the tls example (h2 by ALPN), opens --sessions HTTP/2 connections with
// --streams WebSockets each (extended CONNECT; RFC 6455 frames on the streams, as in
// tests/interop/node_h2.mjs), has each echo a message, then sends the server --signal.
// Checks that every stream receives a Close with 1001 before it ends (the connection
// task kept running until the Close had left), that each connection then ends, and
// that the server exits with status 0 within --limit seconds. Node's own http2 module
// only: nothing to install.
//
// usage: node shutdown_h2.mjs --server PATH --port PORT --signal TERM|INT
//                             [--tls] [--sessions N] [--streams N] [--limit SECONDS]

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    port: { type: 'string' },
    signal: { type: 'string' },
    tls: { type: 'boolean', default: false },
    sessions: { type: 'string', default: '2' },
    streams: { type: 'string', default: '50' },
    limit: { type: 'string', default: '10' },
  },
});
if (!args.server || !args.port || !['TERM', 'INT'].includes(args.signal)) {
  console.error('usage: node shutdown_h2.mjs --server PATH --port PORT --signal TERM|INT [--tls]');
  process.exit(2);
}
const SESSIONS = Number(args.sessions);
const STREAMS = Number(args.streams);
const LIMIT_MS = Number(args.limit) * 1000;
const NAME = `SIG${args.signal} over ${args.tls ? 'h2 (TLS)' : 'h2c'}`;
const addr = `127.0.0.1:${args.port}`;
const scheme = args.tls ? 'https' : 'http';
const origin = `${scheme}://${args.tls ? `localhost:${args.port}` : addr}`;
const dir = mkdtempSync(join(tmpdir(), 'shutdown-h2-'));

const withTimeout = (promise, ms, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: nothing in ${ms} ms`)), ms).unref(),
    ),
  ]);

let log = '';
function fail(message) {
  console.log(`FAIL (${NAME}): ${message}\n--- server log\n${log}`);
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}

// --- the server ------------------------------------------------------------------------

const command = ['--addr', addr, ...(args.tls ? ['--ca-out', join(dir, 'ca.pem')] : [])];
const server = spawn(args.server, command, { stdio: ['ignore', 'pipe', 'pipe'] });
const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
server.stderr.on('data', (chunk) => (log += chunk));
await withTimeout(
  new Promise((resolve) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes(`listening on ${scheme}://${addr}`)) resolve();
    });
  }),
  10000,
  'the server to listen',
).catch((error) => fail(error.message));
const tls = args.tls ? { ca: readFileSync(join(dir, 'ca.pem')), ALPNProtocols: ['h2'] } : {};

// --- RFC 6455 frames on an HTTP/2 stream ------------------------------------------------

function frame(opcode, payload) {
  const data = Buffer.from(payload);
  const mask = randomBytes(4);
  const head = Buffer.from([0x80 | opcode, 0x80 | data.length]); // payloads < 126 bytes
  const masked = Buffer.from(data.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([head, mask, masked]);
}

/** Server frames, one `next()` at a time; `null` once the stream has ended. */
function frameReader(stream) {
  let buffer = Buffer.alloc(0);
  let ended = false;
  let wake = null;
  stream.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  });
  const finish = () => {
    ended = true;
    wake?.();
  };
  stream.on('end', finish);
  stream.on('close', finish);
  stream.on('error', finish);
  const parse = () => {
    if (buffer.length < 2) return undefined;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return undefined;
      length = buffer.readUInt16BE(2);
      offset = 4;
    }
    if (buffer.length < offset + length) return undefined;
    const result = { opcode: buffer[0] & 0x0f, payload: buffer.subarray(offset, offset + length) };
    buffer = buffer.subarray(offset + length);
    return result;
  };
  return {
    next: (ms) =>
      withTimeout(
        new Promise((resolve) => {
          const attempt = () => {
            const parsed = parse();
            if (parsed) return resolve(parsed);
            if (ended) return resolve(null);
            wake = attempt;
          };
          attempt();
        }),
        ms,
        'a frame',
      ),
  };
}

// --- the clients -----------------------------------------------------------------------

async function open(session, i) {
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': scheme,
    ':authority': new URL(origin).host,
    ':path': '/echo',
    'sec-websocket-version': '13',
  });
  const response = await withTimeout(
    new Promise((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', reject);
    }),
    10000,
    `CONNECT ${i}`,
  );
  if (response[':status'] !== 200) throw new Error(`CONNECT ${i}: status ${response[':status']}`);
  const frames = frameReader(stream);
  stream.write(frame(0x1, `hello ${i}`));
  const echoed = await frames.next(10000);
  if (echoed?.opcode !== 0x1 || echoed.payload.toString() !== `hello ${i}`) {
    throw new Error(`stream ${i}: echo ${JSON.stringify(echoed)}`);
  }
  return { stream, frames };
}

/** After the signal: the server's Close, our Close back, then the end of the stream. */
async function goingAway({ stream, frames }) {
  let got = await frames.next(LIMIT_MS);
  while (got && got.opcode !== 0x8) got = await frames.next(LIMIT_MS);
  if (!got) return 'ended without a Close';
  const code = got.payload.length >= 2 ? got.payload.readUInt16BE(0) : null;
  const reply = Buffer.alloc(2);
  reply.writeUInt16BE(1001);
  if (stream.writable) stream.end(frame(0x8, reply));
  while (await frames.next(LIMIT_MS)) {}
  return code;
}

const started = Date.now();
const sessions = [];
const sockets = [];
try {
  for (let s = 0; s < SESSIONS; s++) {
    const session = http2.connect(origin, tls);
    const closed = new Promise((resolve) => session.once('close', resolve));
    session.on('error', () => {});
    const goaway = new Promise((resolve) => session.once('goaway', resolve));
    sessions.push({ session, closed, goaway });
    const opened = await Promise.all(
      Array.from({ length: STREAMS }, (_, i) => open(session, s * STREAMS + i)),
    );
    sockets.push(...opened);
  }
} catch (error) {
  fail(`opening: ${error.stack || error}`);
}
console.log(
  `${NAME}: ${sockets.length} WebSockets over ${SESSIONS} HTTP/2 connections open and echoing in ${((Date.now() - started) / 1000).toFixed(2)} s`,
);

const signalled = Date.now();
server.kill(`SIG${args.signal}`);
let codes;
try {
  codes = await Promise.all(sockets.map(goingAway));
} catch (error) {
  fail(`closing: ${error.stack || error}`);
}
const closedIn = (Date.now() - signalled) / 1000;
const counts = {};
for (const code of codes) counts[code] = (counts[code] || 0) + 1;
if (counts[1001] !== sockets.length) fail(`close codes: ${JSON.stringify(counts)}`);
try {
  await withTimeout(Promise.all(sessions.map((s) => s.goaway)), LIMIT_MS, 'GOAWAY on every connection');
  await withTimeout(Promise.all(sessions.map((s) => s.closed)), LIMIT_MS, 'every connection closed');
} catch (error) {
  fail(error.message);
}
const { code, signal } = await withTimeout(exited, LIMIT_MS, 'the server to exit').catch((error) =>
  fail(error.message),
);
const exitedIn = (Date.now() - signalled) / 1000;
if (code !== 0) fail(`the server exited with ${code ?? `signal ${signal}`}`);
if (exitedIn > LIMIT_MS / 1000) fail(`the server exited ${exitedIn} s after the signal`);
console.log(
  `${NAME}: ${sockets.length}/${sockets.length} streams got Close 1001 within ${closedIn.toFixed(2)} s; ` +
    `GOAWAY on each connection; the server exited 0 ${exitedIn.toFixed(2)} s after the signal`,
);
console.log(`--- server log\n${log.trimEnd()}`);
rmSync(dir, { recursive: true, force: true });
