// Node's `ws` client against a running echo server, with the checks of
// python_clients.py:
//
// - a handshake without a subprotocol offer; echo of a text and a binary message; a clean
//   close (the server's Close frame carries 1000);
// - an offer of `chat` to the server at --url, which selects none (and ws then fails
//   the connection: see the check);
// - an offer of `x-unknown, chat` to the server at --chat-url (`--protocol chat`),
//   which selects `chat`; an echo over it;
// - an `Origin` naming the server's own host and port: accepted;
// - a cross-origin `Origin`: 403;
// - `protocolVersion: 8` (ws speaks 8 and 13): 426 with `Sec-WebSocket-Version: 13`.
//
// usage: node node_ws.mjs --url ws://HOST:PORT/echo --chat-url ws://HOST:PORT/echo
//                         [--ca CA.pem] [--label NAME]
//
// ws offers permessage-deflate by default; the echo server (without --deflate) declines
// it, which is part of what is checked. Every step has a 5-second limit.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const TIMEOUT = 5000;
const CROSS_ORIGIN = 'http://evil.example';
const TEXT = 'hello, ünïcode';
const BINARY = Buffer.from([...Array(256).keys(), 0, 255]);

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'chat-url': { type: 'string' },
    ca: { type: 'string' },
    label: { type: 'string', default: '' },
  },
});
if (!args.url || !args['chat-url']) {
  console.error('usage: node node_ws.mjs --url URL --chat-url URL [--ca PEM] [--label NAME]');
  process.exit(2);
}
const version = JSON.parse(
  readFileSync(new URL('./node_modules/ws/package.json', import.meta.url)),
).version;
const client = `ws ${version}${args.label ? ` [${args.label}]` : ''}`;
const tls = args.ca ? { ca: readFileSync(args.ca) } : {};

const sameOrigin = (url) => {
  const u = new URL(url);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
};

const withTimeout = (promise, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer in ${TIMEOUT} ms`)), TIMEOUT).unref(),
    ),
  ]);

/** Opens a socket; resolves once open, rejects on an error or a non-101 answer. */
function open(url, protocols, options = {}) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { handshakeTimeout: TIMEOUT, ...tls, ...options });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`unexpected response ${response.statusCode}`)),
      );
      ws.once('error', reject);
    }),
    `open ${url}`,
  );
}

/** Resolves with the handshake response of a refused attempt. */
function refusal(url, options) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, [], { handshakeTimeout: TIMEOUT, ...tls, ...options });
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the handshake succeeded'));
      });
      ws.once('unexpected-response', (request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          request.destroy();
          resolve({ status: response.statusCode, headers: response.headers, body });
        });
      });
      ws.once('error', reject);
    }),
    `refusal ${url}`,
  );
}

const nextMessage = (ws) =>
  withTimeout(
    new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data, isBinary }))),
    'echo',
  );

const closed = (ws) =>
  withTimeout(
    new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason }))),
    'close',
  );

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const results = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push(true);
    console.log(`PASS ${client}: ${name}${detail ? ` (${detail})` : ''}`);
  } catch (error) {
    results.push(false);
    console.log(`FAIL ${client}: ${name}: ${error.stack || error}`);
  }
}

await check('handshake, no offer; echo text + binary; clean close', async () => {
  const ws = await open(args.url);
  expect(ws.protocol === '', `subprotocol ${JSON.stringify(ws.protocol)}`);
  expect(ws.extensions === '', `extensions ${JSON.stringify(ws.extensions)}`);
  ws.send(TEXT);
  let got = await nextMessage(ws);
  expect(!got.isBinary && got.data.toString() === TEXT, `text echo ${got.data}`);
  ws.send(BINARY);
  got = await nextMessage(ws);
  expect(got.isBinary && Buffer.compare(got.data, BINARY) === 0, `binary echo ${got.data}`);
  const done = closed(ws);
  ws.close(1000, 'bye');
  const { code } = await done;
  expect(code === 1000, `close code ${code}`);
  return `text, ${BINARY.length} binary bytes, deflate offer declined, server Close ${code}`;
});

// The server selects none and answers 101 without Sec-WebSocket-Protocol, which RFC 6455
// §4.1 lets a client accept; ws fails the connection instead ("Server sent no
// subprotocol"). Checked as its behaviour.
await check('offer chat to a server without protocols', async () => {
  try {
    const ws = await open(args.url, ['chat']);
    ws.terminate();
  } catch (error) {
    expect(error.message === 'Server sent no subprotocol', error.message);
    return 'none selected; ws then fails the connection by its own rule';
  }
  throw new Error('ws accepted a 101 without its subprotocol');
});

await check('offer x-unknown, chat to --protocol chat', async () => {
  const ws = await open(args['chat-url'], ['x-unknown', 'chat']);
  expect(ws.protocol === 'chat', `subprotocol ${JSON.stringify(ws.protocol)}`);
  ws.send(TEXT);
  const got = await nextMessage(ws);
  expect(got.data.toString() === TEXT, 'echo');
  ws.close();
  return 'chat selected, echo';
});

await check('same-origin Origin accepted', async () => {
  const ws = await open(args.url, [], { origin: sameOrigin(args.url) });
  ws.send('origin');
  expect((await nextMessage(ws)).data.toString() === 'origin', 'echo');
  ws.close();
  return sameOrigin(args.url);
});

await check('cross-origin Origin refused', async () => {
  const response = await refusal(args.url, { origin: CROSS_ORIGIN });
  expect(response.status === 403, `status ${response.status}`);
  return `403 ${JSON.stringify(response.body.trim())}`;
});

await check('version 8 refused', async () => {
  const response = await refusal(args.url, { protocolVersion: 8 });
  expect(response.status === 426, `status ${response.status}`);
  const versions = response.headers['sec-websocket-version'];
  expect(versions === '13', `Sec-WebSocket-Version ${JSON.stringify(versions)}`);
  return `426, Sec-WebSocket-Version: ${versions}`;
});

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`${client}`);
console.log(`node: ${passed} passed, ${failed} failed`);
process.exit(failed || results.length === 0 ? 1 : 0);
