// WebSockets over HTTP/2 (RFC 8441) from a second client: Node's own http2 module sends
// the extended CONNECT (`:method: CONNECT`, `:protocol: websocket`) to the echo
// example's h2c (or, with --ca, the tls example's h2 by ALPN), then speaks RFC 6455
// frames on the stream (a small masked-frame writer and reader below; ws cannot run
// over an HTTP/2 stream). Checks:
//
// - the server's SETTINGS enable extended CONNECT (RFC 8441 §3);
// - CONNECT without a subprotocol offer: 200, no Sec-WebSocket-Accept; echo of a text
//   and a binary message; the close handshake (Close 1000 both ways, then the stream ends);
// - an offer of `x-unknown, chat` to --chat-url's server: 200 with `chat`;
// - a same-origin Origin (the :authority) accepted, a cross-origin one → 403;
// - Sec-WebSocket-Version 8 → 426 with Sec-WebSocket-Version: 13 (and no Upgrade or
//   Connection, which HTTP/2 forbids);
// - a CONNECT with `:protocol: connect-udp` is not a WebSocket attempt: the route's
//   extractor answers 426 (the layer let it through).
//
// usage: node node_h2.mjs --url http://HOST:PORT/echo --chat-url http://HOST:PORT/echo
//                         [--ca CA.pem] [--label NAME]

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { parseArgs } from 'node:util';

const TIMEOUT = 5000;
const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'chat-url': { type: 'string' },
    ca: { type: 'string' },
    label: { type: 'string', default: '' },
  },
});
if (!args.url || !args['chat-url']) {
  console.error('usage: node node_h2.mjs --url URL --chat-url URL [--ca PEM] [--label NAME]');
  process.exit(2);
}
const client = `node ${process.version} http2${args.label ? ` [${args.label}]` : ''}`;
const tls = args.ca ? { ca: readFileSync(args.ca), ALPNProtocols: ['h2'] } : {};

const withTimeout = (promise, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: nothing in ${TIMEOUT} ms`)), TIMEOUT).unref(),
    ),
  ]);

/** An HTTP/2 session to the URL's origin, once the server's SETTINGS have arrived. */
async function session(url) {
  const origin = new URL(url).origin;
  const session = http2.connect(origin, tls);
  const settings = await withTimeout(
    new Promise((resolve, reject) => {
      session.once('remoteSettings', resolve);
      session.once('error', reject);
    }),
    `SETTINGS from ${origin}`,
  );
  return { session, settings };
}

/** Sends an extended CONNECT for `url`; resolves with the response headers and stream. */
function connect(session, url, protocol, headers = {}) {
  const u = new URL(url);
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': protocol,
    ':scheme': u.protocol.slice(0, -1),
    ':authority': u.host,
    ':path': u.pathname,
    'sec-websocket-version': '13',
    ...headers,
  });
  return withTimeout(
    new Promise((resolve, reject) => {
      stream.once('response', (response) => resolve({ response, stream }));
      stream.once('error', reject);
    }),
    `CONNECT ${url}`,
  );
}

async function body(stream) {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk;
  return text;
}

// --- RFC 6455 frames -------------------------------------------------------------------

function frame(opcode, payload) {
  const data = Buffer.from(payload);
  const mask = randomBytes(4);
  let head;
  if (data.length < 126) {
    head = Buffer.from([0x80 | opcode, 0x80 | data.length]);
  } else {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(data.length, 2);
  }
  const masked = Buffer.from(data.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([head, mask, masked]);
}

/** Reads whole server frames off a stream, one `next()` at a time; `null` at the end. */
function frameReader(stream) {
  let buffer = Buffer.alloc(0);
  let ended = false;
  let wake = null;
  stream.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  });
  stream.on('end', () => {
    ended = true;
    wake?.();
  });
  const parse = () => {
    if (buffer.length < 2) return undefined;
    if (buffer[1] & 0x80) throw new Error('a server frame must not be masked');
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return undefined;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return undefined;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    if (buffer.length < offset + length) return undefined;
    const result = { fin: !!(buffer[0] & 0x80), opcode: buffer[0] & 0x0f, payload: buffer.subarray(offset, offset + length) };
    buffer = buffer.subarray(offset + length);
    return result;
  };
  return {
    next: () =>
      withTimeout(
        new Promise((resolve, reject) => {
          const attempt = () => {
            try {
              const parsed = parse();
              if (parsed) return resolve(parsed);
              if (ended) return resolve(null);
              wake = attempt;
            } catch (error) {
              reject(error);
            }
          };
          attempt();
        }),
        'a frame',
      ),
  };
}

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

const plain = await session(args.url);
const chat = await session(args['chat-url']);
const sameOrigin = new URL(args.url).origin;

await check('SETTINGS_ENABLE_CONNECT_PROTOCOL', async () => {
  expect(plain.settings.enableConnectProtocol === true, JSON.stringify(plain.settings));
  return `enableConnectProtocol ${plain.settings.enableConnectProtocol}`;
});

await check('extended CONNECT, no offer; echo text + binary; close handshake', async () => {
  const { response, stream } = await connect(plain.session, args.url, 'websocket', { origin: sameOrigin });
  expect(response[':status'] === 200, `status ${response[':status']}`);
  expect(!('sec-websocket-accept' in response), 'no Sec-WebSocket-Accept over HTTP/2');
  expect(!('sec-websocket-protocol' in response), 'no subprotocol');
  const frames = frameReader(stream);
  stream.write(frame(0x1, 'hello over h2'));
  let got = await frames.next();
  expect(got.opcode === 0x1 && got.payload.toString() === 'hello over h2', `text ${JSON.stringify(got)}`);
  const binary = Buffer.from([...Array(256).keys()]);
  stream.write(frame(0x2, binary));
  got = await frames.next();
  expect(got.opcode === 0x2 && Buffer.compare(got.payload, binary) === 0, 'binary echo');
  const code = Buffer.alloc(2);
  code.writeUInt16BE(1000);
  stream.write(frame(0x8, code));
  got = await frames.next();
  expect(got.opcode === 0x8 && got.payload.readUInt16BE(0) === 1000, `close ${JSON.stringify(got)}`);
  stream.end();
  expect((await frames.next()) === null, 'the stream ends after the close handshake');
  return `200; text, ${binary.length} binary bytes; Close 1000 both ways`;
});

await check('offer x-unknown, chat to --protocol chat', async () => {
  const { response, stream } = await connect(chat.session, args['chat-url'], 'websocket', {
    'sec-websocket-protocol': 'x-unknown, chat',
  });
  expect(response[':status'] === 200, `status ${response[':status']}`);
  expect(response['sec-websocket-protocol'] === 'chat', JSON.stringify(response));
  const frames = frameReader(stream);
  stream.write(frame(0x1, 'chat'));
  expect((await frames.next()).payload.toString() === 'chat', 'echo');
  stream.close();
  return 'chat selected, echo';
});

await check('cross-origin Origin refused', async () => {
  const { response, stream } = await connect(plain.session, args.url, 'websocket', {
    origin: 'http://evil.example',
  });
  expect(response[':status'] === 403, `status ${response[':status']}`);
  return `403 ${JSON.stringify((await body(stream)).trim())}`;
});

await check('version 8 refused', async () => {
  const { response, stream } = await connect(plain.session, args.url, 'websocket', {
    'sec-websocket-version': '8',
  });
  await body(stream);
  expect(response[':status'] === 426, `status ${response[':status']}`);
  expect(response['sec-websocket-version'] === '13', JSON.stringify(response));
  expect(!('upgrade' in response) && !('connection' in response), JSON.stringify(response));
  return '426, Sec-WebSocket-Version: 13, no Upgrade/Connection';
});

await check('CONNECT with :protocol connect-udp is not an attempt', async () => {
  const { response, stream } = await connect(plain.session, args.url, 'connect-udp', {
    origin: 'http://evil.example',
  });
  const text = await body(stream);
  expect(response[':status'] === 426, `status ${response[':status']} ${text}`);
  return `passed through to the route: ${response[':status']} ${JSON.stringify(text.trim())}`;
});

plain.session.close();
chat.session.close();
const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(client);
console.log(`node-h2: ${passed} passed, ${failed} failed`);
process.exit(failed || results.length === 0 ? 1 : 0);
