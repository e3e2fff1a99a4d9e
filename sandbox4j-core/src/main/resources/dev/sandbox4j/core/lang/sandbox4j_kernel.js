// sandbox4j JavaScript kernel: one long-lived Node.js vm context driven by the host over sandbox4j's kernel protocol
// (4-byte big-endian length + UTF-8 JSON frames; see sandbox4j_kernel.py for the messages).
// Started as `node sandbox4j_kernel.js 3<&0 4>&1 </dev/null 1>&2`: requests arrive on fd 3, messages leave on fd 4,
// so nothing user code or its child processes write can corrupt the protocol. process.stdout/stderr writes become
// "stream" messages; output child processes write to their inherited descriptors goes to the exec's stderr.
// Top-level let/const/function/var declarations persist between cells (one vm context, like the Node REPL); the
// completion value of the cell is its result; a Promise result is awaited. Interrupts arrive as SIGINT
// (vm's breakOnSigint stops synchronous code; an awaited Promise is abandoned).
'use strict';
const fs = require('fs');
const vm = require('vm');
const util = require('util');
const path = require('path');
const Module = require('module');

const IN = 3;
const OUT = 4;

function send(msg) {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  const frame = Buffer.concat([head, body]);
  let off = 0;
  while (off < frame.length) {
    try {
      off += fs.writeSync(OUT, frame, off, frame.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

let current = 0;
let count = 0;
const stream = (name) => (chunk, encoding, cb) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  if (text.length) send({ type: 'stream', id: current, name, text });
  if (typeof encoding === 'function') encoding();
  else if (typeof cb === 'function') cb();
  return true;
};
process.stdout.write = stream('stdout');
process.stderr.write = stream('stderr');

function bundle(value) {
  const data = { 'text/plain': util.inspect(value, { depth: 4, colors: false }) };
  if (value && typeof value === 'object') {
    for (const [fn, mime] of [['_repr_html_', 'text/html'], ['_repr_svg_', 'image/svg+xml'], ['_repr_png_', 'image/png']]) {
      if (typeof value[fn] === 'function') {
        try {
          const out = value[fn]();
          if (out != null) data[mime] = Buffer.isBuffer(out) ? out.toString('base64') : String(out);
        } catch (e) { /* skip this representation */ }
      }
    }
  }
  return data;
}

function display(...objs) {
  for (const o of objs) send({ type: 'display', id: current, data: bundle(o) });
}

function makeContext() {
  const home = process.env.HOME || process.cwd();
  // require() resolves from the work directory, so installed packages (~/node_modules) are found
  const req = Module.createRequire(path.join(home, '__sandbox4j_cell__.js'));
  const sandbox = {
    console, process, Buffer, URL, URLSearchParams, TextEncoder, TextDecoder, AbortController,
    setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, queueMicrotask,
    structuredClone, fetch: globalThis.fetch, require: req, module: { exports: {} }, display,
    __filename: path.join(home, '__sandbox4j_cell__.js'), __dirname: home,
  };
  sandbox.exports = sandbox.module.exports;
  sandbox.globalThis = sandbox;
  return vm.createContext(sandbox, { name: 'sandbox4j' });
}

let context = makeContext();
let abandon = null;

process.on('SIGINT', () => {
  if (abandon) abandon(new Error('Interrupted'));
});

function errorMessage(e) {
  const name = (e && e.name) || 'Error';
  const value = e && e.message !== undefined ? String(e.message) : String(e);
  const stack = (e && e.stack ? String(e.stack) : name + ': ' + value).split('\n')
    .filter((l) => !l.includes('sandbox4j_kernel.js') && !l.includes('(node:') && !l.includes('at node:'));
  return { name, value, stack };
}

async function runCell(req) {
  count += 1;
  const filename = `cell-${count}.js`;
  let status = 'ok';
  let result;
  if (req.output_dir) {
    fs.rmSync(req.output_dir, { recursive: true, force: true });
    fs.mkdirSync(req.output_dir, { recursive: true });
    process.env.SANDBOX4J_OUTPUT_DIR = req.output_dir;
  }
  try {
    const script = new vm.Script(req.code, { filename });
    let value = script.runInContext(context, { breakOnSigint: true, displayErrors: false });
    if (value && typeof value.then === 'function') {
      value = await new Promise((resolve, reject) => {
        abandon = reject;
        value.then(resolve, reject);
      }).finally(() => { abandon = null; });
    }
    if (value !== undefined) result = bundle(value);
  } catch (e) {
    status = 'error';
    const { name, value, stack } = errorMessage(e);
    const isInterrupt = /Script execution was interrupted by `SIGINT`|^Interrupted$/.test(value);
    const ename = isInterrupt ? 'KeyboardInterrupt' : name;
    send({ type: 'stream', id: current, name: 'stderr', text: stack.join('\n') + '\n' });
    send({ type: 'error', id: req.id, ename, evalue: value, traceback: stack });
  }
  if (result !== undefined) send({ type: 'result', id: req.id, data: result });
  send({ type: 'done', id: req.id, count, status });
}

const queue = [];
let busy = false;
async function pump() {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const req = queue.shift();
    current = req.id || 0;
    if (req.op === 'execute') {
      await runCell(req);
    } else if (req.op === 'ping') {
      send({ type: 'pong', nonce: req.nonce });
    } else if (req.op === 'reset') {
      context = makeContext();
      count = 0;
      send({ type: 'done', id: req.id, count: 0, status: 'ok' });
    }
  }
  busy = false;
}

let pending = Buffer.alloc(0);
const input = fs.createReadStream(null, { fd: IN, highWaterMark: 65536 });
input.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4) {
    const n = pending.readUInt32BE(0);
    if (pending.length < 4 + n) break;
    const req = JSON.parse(pending.subarray(4, 4 + n).toString('utf8'));
    pending = pending.subarray(4 + n);
    if (req.op === 'interrupt') {
      if (abandon) abandon(new Error('Interrupted'));
    } else {
      queue.push(req);
    }
  }
  pump();
});
input.on('end', () => process.exit(0));
input.on('error', () => process.exit(0));

send({ type: 'ready', pid: process.pid, language: 'javascript', version: process.version, interrupt: 'signal', ping: true });
