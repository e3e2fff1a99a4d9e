// sandbox4j WebAssembly driver: loads Pyodide once in this Deno process and runs Python programs sent by the JVM.
//
// Wire format, both directions: frames of [type: 1 byte][length: 4 bytes, big-endian][payload].
//   JVM -> driver: 'C' command (JSON), optionally followed by one 'D' frame (raw bytes: stdin or file content);
//                  the command {"op":"interrupt"} may come while a program runs.
//   driver -> JVM: 'Y' ready (JSON), 'O'/'E' stdout/stderr bytes of the running program, 'R' result (JSON),
//                  'F' file content (raw, after an 'R' of a get), 'X' fatal error (JSON; the driver then exits).
// Console output is sent to stderr so that only frames reach fd 1.
//
// Usage: driver.mjs serve <pyodideDir/> <snapshot file or ""> <wasm memory limit in bytes, 0 = none> <revoke read: 0|1>
//        driver.mjs snapshot <pyodideDir/> <output file>

const D = Deno;
const out = D.stdout;
const input = D.stdin;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const [mode, pyodideDir, third, memLimitArg, revokeArg] = globalThis.name === "sandbox4j-pyodide" ? [] : D.args;

function writeAll(bytes) {
  let off = 0;
  while (off < bytes.length) {
    off += out.writeSync(bytes.subarray(off));
  }
}

function send(type, payload) {
  const frame = new Uint8Array(5 + payload.length);
  frame[0] = type.charCodeAt(0);
  new DataView(frame.buffer).setUint32(1, payload.length);
  frame.set(payload, 5);
  writeAll(frame);
}

function sendJson(type, obj) {
  send(type, encoder.encode(JSON.stringify(obj)));
}

let pending = new Uint8Array(0);

async function readExact(n) {
  const result = new Uint8Array(n);
  let filled = Math.min(n, pending.length);
  result.set(pending.subarray(0, filled));
  pending = pending.subarray(filled);
  while (filled < n) {
    const chunk = new Uint8Array(Math.max(65536, Math.min(n - filled, 1 << 22)));
    const got = await input.read(chunk);
    if (got === null) {
      return null;
    }
    const take = Math.min(got, n - filled);
    result.set(chunk.subarray(0, take), filled);
    filled += take;
    if (take < got) {
      pending = chunk.slice(take, got);
    }
  }
  return result;
}

async function readFrame() {
  const header = await readExact(5);
  if (header === null) {
    return null;
  }
  const length = new DataView(header.buffer).getUint32(1);
  const payload = await readExact(length);
  if (payload === null) {
    return null;
  }
  return { type: String.fromCharCode(header[0]), payload };
}

// Python side: runs programs in fresh or persistent globals, with argv, environment, stdin and working directory.
const HELPER = String.raw`
import ast, builtins, base64, json, os, shutil, sys, traceback
from pyodide.code import CodeRunner

WORKDIR = '/workspace'
OUTPUT = WORKDIR + '/output'
_session = {}

def _fresh():
    return {'__name__': '__main__', '__builtins__': builtins}

def reset():
    _session.clear()
    _session.update(_fresh())

def _setup():
    os.makedirs(WORKDIR, exist_ok=True)
    os.chdir(WORKDIR)
    os.environ.clear()
    os.environ.update({'HOME': WORKDIR, 'PWD': WORKDIR, 'LANG': 'C.UTF-8', 'PYTHONIOENCODING': 'utf-8',
                       'SANDBOX4J_OUTPUT_DIR': OUTPUT, 'TMPDIR': '/tmp'})
    reset()

def _exit_code(e):
    c = e.code
    if c is None:
        return 0
    if isinstance(c, int):
        return c & 0xFF
    try:
        sys.stderr.write(str(c) + '\n')
    except BaseException:
        pass
    return 1

def _user_frames(tb, filename):
    # drop the frames of this helper and of pyodide's CodeRunner: the traceback starts in the program
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return tb

def _artifacts():
    found = []
    for root, dirs, files in os.walk(OUTPUT):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, 'rb') as f:
                data = f.read()
            found.append({'name': os.path.relpath(path, OUTPUT), 'data': base64.b64encode(data).decode('ascii')})
    return found

async def run(code, stateful, env, argv, cwd, filename, artifacts):
    g = _session if stateful else _fresh()
    saved_env = dict(os.environ)
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    result = {'exit': 0}
    try:
        if artifacts:
            # a path: the engine's output directory, emptied here and collected by the engine itself
            out = artifacts if isinstance(artifacts, str) else OUTPUT
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out, exist_ok=True)
        os.environ.update(env)
        sys.argv = list(argv)
        os.chdir(cwd)
        runner = CodeRunner(code, filename=filename, return_mode='last_expr' if stateful else 'none',
                            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        value = await runner.compile().run_async(g)
        if value is not None:
            g['_'] = value
            result['value'] = repr(value)
    except SystemExit as e:
        result['exit'] = _exit_code(e)
    except KeyboardInterrupt as e:
        # the JVM interrupted the run (timeout, output limit): no traceback, as after a kill
        result['exit'] = 1
        result['interrupted'] = True
        result['error'] = {'name': 'KeyboardInterrupt', 'value': str(e), 'traceback': []}
    except BaseException as e:
        result['exit'] = 1
        result['oom'] = isinstance(e, MemoryError)
        try:
            lines = traceback.format_exception(type(e), e, _user_frames(e.__traceback__, filename))
            sys.stderr.write(''.join(lines))
            result['error'] = {'name': type(e).__name__, 'value': str(e), 'traceback': lines}
        except BaseException:
            result['error'] = {'name': type(e).__name__, 'value': '', 'traceback': []}
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os.environ.clear()
        os.environ.update(saved_env)
        try:
            os.chdir(WORKDIR)
        except OSError:
            pass
    if artifacts is True:
        try:
            result['artifacts'] = _artifacts()
        except MemoryError:
            result['oom'] = True
    return json.dumps(result)

def install_wheel(path):
    import importlib, sysconfig, zipfile
    site = sysconfig.get_paths()['purelib']
    try:
        with zipfile.ZipFile(path) as z:
            count = len(z.namelist())
            z.extractall(site)  # zipfile drops absolute paths and '..' from member names
    finally:
        os.remove(path)
    importlib.invalidate_caches()
    return json.dumps({'ok': True, 'files': count, 'site': site})

_setup()
`;

async function load(loadPyodide, indexURL, snapshot) {
  const options = { indexURL, stdout: () => {}, stderr: () => {} };
  if (snapshot) {
    options._loadSnapshot = snapshot;
  }
  return await loadPyodide(options);
}

async function makeSnapshot(loadPyodide, target) {
  const py = await loadPyodide({ indexURL: pyodideDir, _makeSnapshot: true });
  const bytes = py.makeMemorySnapshot();
  D.writeFileSync(target, bytes);
  sendJson("R", { ok: true, bytes: bytes.length });
}

async function serve(loadPyodide, init) {
  const snapshot = init.snapshot ? D.readFileSync(init.snapshot) : null;
  const memLimit = Number(init.memLimit || "0");
  if (memLimit > 0) {
    // Python's allocator grows the linear memory through this method; past the limit growth fails and Python raises
    // MemoryError. The property is frozen so that the program cannot put the original back.
    const grow = WebAssembly.Memory.prototype.grow;
    Object.defineProperty(WebAssembly.Memory.prototype, "grow", {
      value: function (delta) {
        if (this.buffer.byteLength + delta * 65536 > memLimit) {
          throw new RangeError("sandbox4j: memory limit reached");
        }
        return grow.call(this, delta);
      },
      writable: false,
      configurable: false,
    });
  }
  const py = await load(loadPyodide, init.pyodideDir, snapshot);
  let stdinBytes = new Uint8Array(0);
  let stdinPos = 0;
  py.setStdout({ write: (buf) => { send("O", buf); return buf.length; }, isatty: false });
  py.setStderr({ write: (buf) => { send("E", buf); return buf.length; }, isatty: false });
  py.setStdin({
    read: (buf) => {
      const n = Math.min(buf.length, stdinBytes.length - stdinPos);
      buf.set(stdinBytes.subarray(stdinPos, stdinPos + n));
      stdinPos += n;
      return n;
    },
    isatty: false,
  });
  py.setInterruptBuffer(init.interrupt);
  const helper = py.toPy({});
  py.runPython(HELPER, { globals: helper, filename: "<sandbox4j>" });
  const versions = { python: py.runPython("import sys; sys.version.split()[0]"), pyodide: py.version };

  if (init.revoke) {
    // Pyodide is in memory now: the program needs none of its files
    D.permissions.revokeSync({ name: "read", path: init.pyodideDir });
    if (init.snapshot) {
      D.permissions.revokeSync({ name: "read", path: init.snapshot });
    }
    D.permissions.revokeSync({ name: "read", path: new URL(import.meta.url).pathname });
  }
  quietConsole();
  sendJson("Y", versions);
  return { py, helper, interrupt: init.interrupt, setStdin: (bytes) => { stdinBytes = bytes; stdinPos = 0; } };
}

function quietConsole() {
  // fd 1 carries the frames: console output (Pyodide's own messages, or a program's js.console.log) goes to stderr.
  // A program can still reach the Deno API through `import js` (Deno's permissions are the boundary) and write to
  // fd 1 directly; the JVM detects the broken framing and restarts the driver.
  const err = console.error.bind(console);
  console.log = err;
  console.info = err;
  console.debug = err;
}

// The interpreter runs in a worker so that this thread stays free to read the JVM's frames: an "interrupt" command
// sets Pyodide's interrupt buffer (SIGINT), and the running program gets a KeyboardInterrupt while its state is kept.
// Every other command is passed on to the worker, which also writes all the frames (this thread writes none).
const WORKER_NAME = "sandbox4j-pyodide";

async function main() {
  if (mode === "snapshot") {
    const { loadPyodide } = await import(new URL("pyodide.mjs", "file://" + pyodideDir).href);
    await makeSnapshot(loadPyodide, third);
    return;
  }
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(import.meta.url, { type: "module", name: WORKER_NAME });
  const failed = new Promise((resolve) => {
    worker.onerror = (e) => {
      e.preventDefault();
      resolve(e.message || "the interpreter's worker failed");
    };
  });
  worker.postMessage({
    init: { pyodideDir, snapshot: third, memLimit: memLimitArg, revoke: revokeArg === "1", interrupt },
  });
  const reading = (async () => {
    for (;;) {
      const frame = await readFrame();
      if (frame === null || frame.type !== "C") {
        return null;
      }
      const cmd = JSON.parse(decoder.decode(frame.payload));
      if (cmd.op === "interrupt") {
        Atomics.store(interrupt, 0, 2); // SIGINT
        continue;
      }
      let data = null;
      if (cmd.data) {
        const d = await readFrame();
        if (d === null || d.type !== "D") {
          return null;
        }
        data = d.payload;
      }
      if (cmd.op === "exit") {
        return null;
      }
      worker.postMessage({ cmd, data }, data ? [data.buffer] : []);
    }
  })();
  const message = await Promise.race([reading, failed]);
  if (message) {
    throw new Error(message);
  }
}

async function workerMain() {
  let state = null;
  let chain = Promise.resolve();
  self.onmessage = (e) => {
    const msg = e.data;
    chain = chain.then(async () => {
      if (msg.init) {
        const { loadPyodide } = await import(new URL("pyodide.mjs", "file://" + msg.init.pyodideDir).href);
        state = await serve(loadPyodide, msg.init);
        return;
      }
      Atomics.store(state.interrupt, 0, 0);
      await handle(state.py, state.helper, state.setStdin, msg.cmd, msg.data);
    }).catch((e) => {
      const message = e && e.message ? e.message : String(e);
      try {
        sendJson("X", { message: message.substring(0, 4000) });
      } catch {
        // the channel is gone
      }
      self.close();
    });
  };
}

async function handle(py, helper, setStdin, cmd, data) {
  switch (cmd.op) {
    case "run": {
      setStdin(data ?? new Uint8Array(0));
      const run = helper.get("run");
      const env = py.toPy(cmd.env ?? {});
      const argv = py.toPy(cmd.argv ?? ["main.py"]);
      try {
        let json;
        try {
          json = await run(cmd.code, !!cmd.stateful, env, argv, cmd.cwd ?? "/workspace",
              cmd.filename ?? "main.py", typeof cmd.outdir === "string" ? cmd.outdir : !!cmd.artifacts);
        } catch (e) {
          // an interrupt that arrived after the program ended, while the helper cleaned up
          const text = String(e && e.message ? e.message : e);
          json = JSON.stringify({ exit: 1, interrupted: text.includes("KeyboardInterrupt"),
            error: { name: "KeyboardInterrupt", value: text.substring(0, 1000), traceback: [] } });
        }
        send("R", encoder.encode(json));
      } finally {
        run.destroy();
        env.destroy();
        argv.destroy();
        setStdin(new Uint8Array(0));
      }
      return true;
    }
    case "put": {
      // a program can plant symbolic links: nothing is created or written unless it resolves inside root or /tmp
      const root = cmd.root ?? "/workspace";
      const parent = cmd.path.substring(0, cmd.path.lastIndexOf("/")) || "/";
      try {
        let existing = parent;
        while (!exists(py, existing)) {
          existing = existing.substring(0, existing.lastIndexOf("/")) || "/";
        }
        const base = resolved(py, existing);
        if (base === null || !inside(root, base)) {
          sendJson("R", { error: "outside", resolved: base ?? "nowhere (" + existing + ")" });
          return true;
        }
        py.FS.mkdirTree(parent);
        const target = resolvedForWrite(py, cmd.path);
        if (target === null || !inside(root, target)) {
          sendJson("R", { error: "outside", resolved: target ?? "nowhere (" + cmd.path + ")" });
          return true;
        }
        py.FS.writeFile(target, data ?? new Uint8Array(0));
        sendJson("R", { ok: true });
      } catch (e) {
        sendJson("R", { error: "io", message: describeFsError(e) });
      }
      return true;
    }
    case "get": {
      const root = cmd.root ?? "/workspace";
      const real = resolved(py, cmd.path);
      if (real === null) {
        sendJson("R", { error: "not_found", message: cmd.path });
        return true;
      }
      if (!inside(root, real)) {
        sendJson("R", { error: "outside", resolved: real });
        return true;
      }
      let stat;
      try {
        stat = py.FS.stat(real);
      } catch {
        sendJson("R", { error: "not_found", message: cmd.path });
        return true;
      }
      if (!py.FS.isFile(stat.mode)) {
        sendJson("R", { error: "not_found", message: cmd.path + " is not a regular file" });
        return true;
      }
      if (typeof cmd.max === "number" && stat.size > cmd.max) {
        sendJson("R", { error: "too_large", size: stat.size });
        return true;
      }
      const bytes = py.FS.readFile(real);
      sendJson("R", { ok: true, size: bytes.length });
      send("F", bytes);
      return true;
    }
    case "list": {
      // entries of a directory, links reported with their target and never followed
      const root = cmd.root ?? "/workspace";
      const real = resolved(py, cmd.path);
      if (real === null) {
        sendJson("R", { error: "not_found", message: cmd.path });
        return true;
      }
      if (!inside(root, real)) {
        sendJson("R", { error: "outside", resolved: real });
        return true;
      }
      try {
        if (!py.FS.isDir(py.FS.stat(real).mode)) {
          sendJson("R", { error: "not_dir", message: cmd.path });
          return true;
        }
        const entries = [];
        for (const name of py.FS.readdir(real)) {
          if (name === "." || name === "..") {
            continue;
          }
          const path = (real === "/" ? "" : real) + "/" + name;
          const st = py.FS.lstat(path);
          const link = py.FS.isLink(st.mode);
          entries.push({ name, type: link ? "l" : py.FS.isDir(st.mode) ? "d" : py.FS.isFile(st.mode) ? "f" : "o",
            size: st.size, mtime: new Date(st.mtime).getTime(), target: link ? py.FS.readlink(path) : null });
        }
        sendJson("R", { ok: true, entries });
      } catch (e) {
        sendJson("R", { error: "io", message: describeFsError(e) });
      }
      return true;
    }
    case "wheel": {
      const install = helper.get("install_wheel");
      try {
        py.FS.mkdirTree("/tmp/.sandbox4j-wheels");
        const path = "/tmp/.sandbox4j-wheels/" + cmd.name.replace(/[^A-Za-z0-9._+!-]/g, "_");
        py.FS.writeFile(path, data ?? new Uint8Array(0));
        send("R", encoder.encode(install(path)));
      } catch (e) {
        sendJson("R", { error: "install", message: String(e && e.message ? e.message : e).substring(0, 2000) });
      } finally {
        install.destroy();
      }
      return true;
    }
    case "reset": {
      const reset = helper.get("reset");
      try {
        reset();
      } finally {
        reset.destroy();
      }
      sendJson("R", { ok: true });
      return true;
    }
    case "exit":
      return false;
    default:
      sendJson("R", { error: "unknown", message: String(cmd.op) });
      return true;
  }
}

/** Whether an absolute, resolved path lies under root or /tmp. */
function inside(root, path) {
  return path === root || path.startsWith(root + "/") || path === "/tmp" || path.startsWith("/tmp/");
}

function exists(py, path) {
  try {
    py.FS.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The path with every symbolic link followed, or null if it does not lead to anything. */
function resolved(py, path) {
  try {
    return py.FS.lookupPath(path, { follow: true }).path;
  } catch {
    return null;
  }
}

/** Where a write to path lands: links followed, the last one possibly dangling; null if that cannot be told. */
function resolvedForWrite(py, path) {
  for (let hops = 0; hops < 40; hops++) {
    const slash = path.lastIndexOf("/");
    const dir = resolved(py, path.substring(0, slash) || "/");
    if (dir === null) {
      return null;
    }
    const full = (dir === "/" ? "" : dir) + "/" + path.substring(slash + 1);
    let stat = null;
    try {
      stat = py.FS.lstat(full);
    } catch {
      // not there yet: it will be created here
    }
    if (stat === null || !py.FS.isLink(stat.mode)) {
      return full;
    }
    const link = py.FS.readlink(full);
    path = link.startsWith("/") ? link : dir + "/" + link;
  }
  return null;
}

function describeFsError(e) {
  return e && e.code ? e.code : String(e);
}

if (globalThis.name === WORKER_NAME) {
  await workerMain();
} else {
  try {
    await main();
  } catch (e) {
    const message = e && e.message ? e.message : String(e);
    try {
      sendJson("X", { message: message.substring(0, 4000) });
    } catch {
      // the channel is gone
    }
  }
  // exit without waiting for the worker or timers the program may have left behind
  D.exit(0);
}
