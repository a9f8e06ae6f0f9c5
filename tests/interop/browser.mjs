// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core through the
// browser client page that the echo server serves at `/`. It clicks and types like a
// person and reads what the page shows:
//
// - connect without a subprotocol offer: state `open`, no subprotocol;
// - send a text and a binary message: the page logs the echo of each;
// - close: the page logs `closed 1000 clean`;
// - connect offering `x-unknown, chat`: to --url (no protocols) none is selected and
//   Chromium fails the connection (see the check); to --chat-url (`--protocol chat`)
//   the page shows `(subprotocol: chat)`;
// - cross-origin (--cross-origin-url, the same server under another host name, e.g.
//   http://localhost:PORT/ for http://127.0.0.1:PORT/): the page's script opens a
//   WebSocket to --url's host, so the browser sends the other origin; Chromium reports
//   the 403 (seen through the DevTools protocol and the console) and the socket closes
//   with 1006.
//
// A browser cannot send another Sec-WebSocket-Version, so the 426 path is covered by the
// other clients only.
//
// usage: node browser.mjs --url http://127.0.0.1:P/ --chat-url http://127.0.0.1:Q/
//          [--cross-origin-url http://localhost:P/] [--screenshots DIR] [--label NAME]
//          [--ca CA.pem]... [--expect-h2]
//
// `--ca`: trust this CA certificate, as a person would: it is added (with NSS's certutil,
// Debian's libnss3-tools) to the NSS database of a fresh HOME for the browser, where
// Chromium on Linux reads locally trusted roots. No certificate error is ignored.
// `--expect-h2`: the page is served over HTTPS with HTTP/2 and the WebSocket is expected
// to be opened by an extended CONNECT on that connection (RFC 8441). Screenshots are
// kept in DIR (default: a new temporary directory) and their paths printed. The whole
// run is limited to 120 seconds.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const STEP_TIMEOUT = 10_000;
setTimeout(() => {
  console.log('FAIL browser: the run took more than 120 s');
  process.exit(1);
}, 120_000).unref();

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'chat-url': { type: 'string' },
    'cross-origin-url': { type: 'string' },
    screenshots: { type: 'string' },
    label: { type: 'string', default: '' },
    ca: { type: 'string', multiple: true, default: [] },
    'expect-h2': { type: 'boolean', default: false },
  },
});
if (!args.url || !args['chat-url']) {
  console.error('usage: node browser.mjs --url PAGE --chat-url PAGE [--cross-origin-url PAGE]');
  process.exit(2);
}
const label = args.label ? ` [${args.label}]` : '';
const screenshots = args.screenshots ?? mkdtempSync(join(tmpdir(), 'interop-screenshots-'));
mkdirSync(screenshots, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));

// A HOME of its own for the browser, whose NSS database trusts the --ca certificates.
const home = mkdtempSync(join(tmpdir(), 'chromium-home-'));
if (args.ca.length) {
  const nssdb = `sql:${join(home, '.pki', 'nssdb')}`;
  mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
  execFileSync('certutil', ['-d', nssdb, '-N', '--empty-password']);
  args.ca.forEach((ca, i) =>
    execFileSync('certutil', ['-d', nssdb, '-A', '-t', 'C,,', '-n', `interop-ca-${i}`, '-i', ca]),
  );
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  env: { ...process.env, HOME: home },
  viewport: { width: 900, height: 640 },
  timeout: 60_000,
});
const client = `Chromium ${context.browser()?.version() ?? ''}${label}`.replace('  ', ' ');
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(STEP_TIMEOUT);

// What Chromium itself says about WebSocket handshakes: the DevTools protocol's network
// events carry the status line of the answer, also for a refused handshake.
const handshakes = [];
const consoleLines = [];
page.on('console', (message) => consoleLines.push(message.text()));
const cdp = await context.newCDPSession(page);
await cdp.send('Network.enable');
cdp.on('Network.webSocketWillSendHandshakeRequest', ({ requestId, request }) =>
  handshakes.push({ requestId, request }),
);
cdp.on('Network.webSocketHandshakeResponseReceived', ({ requestId, response }) => {
  const handshake = handshakes.find((h) => h.requestId === requestId);
  if (handshake) handshake.response = response;
});

const results = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push(true);
    console.log(`PASS ${client}: ${name}${detail ? ` (${detail})` : ''}`);
  } catch (error) {
    results.push(false);
    console.log(`FAIL ${client}: ${name}: ${error.stack || error}`);
    console.log(`  page log: ${JSON.stringify(await pageLog().catch(() => '?'))}`);
    console.log(`  console: ${JSON.stringify(consoleLines)}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const pageLog = () => page.locator('#log').textContent();
const waitForLog = (line) =>
  page.waitForFunction(
    (line) => document.getElementById('log').textContent.split('\n').includes(line),
    line,
  );
const waitForState = (state) =>
  page.waitForFunction((state) => document.getElementById('state').textContent === state, state);

async function screenshot(name) {
  const path = join(screenshots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot${label}: ${path}`);
}

/** Loads the page afresh, offers `protocols`, clicks Connect and waits for `open`. */
async function connect(url, protocols) {
  await page.goto(url, { waitUntil: 'load' });
  await page.fill('#protocols', protocols);
  await page.click('#connect');
  await waitForState('open');
  await waitForLog('open');
  return (await page.locator('#protocol').textContent()).trim();
}

async function closeCleanly() {
  await page.click('#close');
  await waitForLog('closed 1000 clean');
  await waitForState('closed');
}

/**
 * The handshake DevTools saw last. DevTools shows the request of a WebSocket over HTTP/2
 * in HTTP/1.1 form too (`GET ... Upgrade: websocket`), so the transport is told by the
 * answer: a 101 with Sec-WebSocket-Accept is HTTP/1.1, a 200 without it is the extended
 * CONNECT of RFC 8441 (an HTTP/1.1 200 would have failed the handshake).
 */
function lastHandshake() {
  const handshake = handshakes.at(-1);
  if (process.env.INTEROP_DEBUG) console.log(JSON.stringify(handshake, null, 1));
  expect(handshake?.response, `no handshake response seen: ${JSON.stringify(handshakes)}`);
  const headers = Object.fromEntries(
    Object.entries(handshake.response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return { status: handshake.response.status, accept: 'sec-websocket-accept' in headers };
}

function expectTransport() {
  const { status, accept } = lastHandshake();
  if (args['expect-h2']) {
    expect(status === 200 && !accept, `expected HTTP/2's 200 without Sec-WebSocket-Accept, saw ${status}`);
    return 'extended CONNECT over HTTP/2: 200, no Sec-WebSocket-Accept';
  }
  expect(status === 101 && accept, `expected HTTP/1.1's 101 with Sec-WebSocket-Accept, saw ${status}`);
  return 'HTTP/1.1: 101 with Sec-WebSocket-Accept';
}

await check('handshake, no offer; echo text + binary; clean close', async () => {
  const protocol = await connect(args.url, '');
  expect(protocol === '', `protocol shown ${JSON.stringify(protocol)}`);
  const transport = expectTransport();
  await page.fill('#message', 'hello from chromium');
  await page.click('#send');
  await waitForLog('< hello from chromium');
  await page.fill('#message', 'bin');
  await page.click('#send-binary');
  await waitForLog('< binary 98,105,110');
  await screenshot('open-and-echoed');
  await closeCleanly();
  await screenshot('closed');
  return `${transport}; text and binary echoed; closed 1000 clean`;
});

// The server selects none and answers 101 without Sec-WebSocket-Protocol. The WHATWG
// WebSocket standard makes the browser fail the connection then (RFC 6455 §4.1 would let
// it accept): the page logs `error` and `closed 1006`.
await check('offer x-unknown, chat to a server without protocols', async () => {
  const seen = consoleLines.length;
  await page.goto(args.url, { waitUntil: 'load' });
  await page.fill('#protocols', 'x-unknown, chat');
  await page.click('#connect');
  await waitForLog('closed 1006');
  const log = await pageLog();
  expect(!log.split('\n').includes('open'), `opened: ${JSON.stringify(log)}`);
  const said = consoleLines.slice(seen).find((line) => /WebSocket connection .* failed/.test(line));
  expect(/Sec-WebSocket-Protocol/.test(said), `console: ${JSON.stringify(said)}`);
  return `none selected; Chromium then fails the connection: ${JSON.stringify(said.replace(/^.*failed: /, ''))}`;
});

await check('offer x-unknown, chat to --protocol chat', async () => {
  const protocol = await connect(args['chat-url'], 'x-unknown, chat');
  expect(protocol.includes('(subprotocol: chat)'), `protocol shown ${JSON.stringify(protocol)}`);
  await page.fill('#message', 'chat message');
  await page.click('#send');
  await waitForLog('< chat message');
  await screenshot('subprotocol-chat');
  await closeCleanly();
  return protocol;
});

if (args['cross-origin-url']) {
  await check('cross-origin page refused', async () => {
    await page.goto(args['cross-origin-url'], { waitUntil: 'load' });
    const target = new URL('/echo', args.url);
    target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    const seen = handshakes.length;
    const seenConsole = consoleLines.length;
    const outcome = await page.evaluate(
      (target) =>
        new Promise((resolve) => {
          const events = [];
          const socket = new WebSocket(target);
          socket.onopen = () => events.push('open');
          socket.onerror = () => events.push('error');
          socket.onclose = (event) => resolve({ events, code: event.code, origin: location.origin });
        }),
      target.href,
    );
    expect(!outcome.events.includes('open'), `opened: ${JSON.stringify(outcome)}`);
    expect(outcome.code === 1006, `close code ${outcome.code}`);
    const refused = handshakes.slice(seen).find((h) => h.response);
    const said =
      consoleLines.slice(seenConsole).find((line) => /WebSocket connection .* failed/.test(line)) ?? '';
    const status = refused?.response.status;
    expect(status === 403 || /\b403\b/.test(said), `no 403 seen: ${JSON.stringify({ refused, said })}`);
    await screenshot('cross-origin-refused');
    return `Origin ${outcome.origin} → ${status ?? '403 (console)'}; onerror, close ${outcome.code}`;
  });
}

await context.close();
rmSync(profile, { recursive: true, force: true });
rmSync(home, { recursive: true, force: true });
const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`${client}; screenshots in ${screenshots}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed || results.length === 0 ? 1 : 0);
