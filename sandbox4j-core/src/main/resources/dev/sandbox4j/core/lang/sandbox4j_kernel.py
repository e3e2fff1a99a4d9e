"""sandbox4j Python kernel: a long-lived interpreter driven by the host over a framed protocol.

Frames in both directions: 4-byte big-endian length, then that many bytes of UTF-8 JSON.
The host writes requests on our standard input and reads messages from our standard output; before any user code
runs, both are moved to private file descriptors, fd 0 becomes /dev/null and fds 1/2 become pipes, so that user code
and its child processes can neither read the protocol nor corrupt it. Everything written to fds 1/2 is forwarded as
"stream" messages, in order, before the "done" message of the cell that wrote it.

Requests:  {"op": "execute", "id": N, "code": "...", "stdin": "..."|null}
           {"op": "reset", "id": N}        clears the namespace and the execution counter
           {"op": "interrupt"}             raises KeyboardInterrupt in the running cell (SIGINT)
           {"op": "ping", "nonce": "..."}  answered from the request loop only, i.e. after the last cell's real "done"
Messages:  {"type": "ready", "pid": P, "language": "python", "version": "3.11.2"}
           {"type": "stream", "id": N, "name": "stdout"|"stderr", "text": "..."}
           {"type": "display", "id": N, "data": {mime: content}}   (image/png base64)
           {"type": "result", "id": N, "data": {mime: content}}    value of the last expression
           {"type": "error", "id": N, "ename": "...", "evalue": "...", "traceback": ["..."]}
           {"type": "done", "id": N, "count": C, "status": "ok"|"error"}
           {"type": "pong", "nonce": "..."}

A cell runs in this process and can reach this protocol (nothing in one interpreter hides objects from code running in
it): it could write a "done" of its own and go on. The host therefore ends a cell only at the pong to a ping it sends
after the done, with a nonce made then; messages of the cell between its done and that pong reveal the forgery.
"""
import ast
import base64
import builtins
import codecs
import io
import json
import linecache
import os
import queue
import signal
import struct
import sys
import threading
import traceback
import types

_MARK = b"\x00\x1esandbox4j-drain\x1e\x00"
_lock = threading.Lock()
_requests = queue.Queue()
_current = [0]


def _setup_fds():
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    pipes = {}
    for fd, name in ((1, "stdout"), (2, "stderr")):
        r, w = os.pipe()
        os.dup2(w, fd)
        os.close(w)
        pipes[name] = r
    for fd in (proto_in, proto_out) + tuple(pipes.values()):
        os.set_inheritable(fd, False)
    sys.stdin = io.StringIO("")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                  line_buffering=False, write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                  line_buffering=False, write_through=True)
    return proto_in, proto_out, pipes


_PROTO_IN, _PROTO_OUT, _PIPES = _setup_fds()


def send(msg):
    data = json.dumps(msg, ensure_ascii=False).encode("utf-8")
    with _lock:
        _write_all(data)


def _write_all(data):
    buf = struct.pack(">I", len(data)) + data
    view = memoryview(buf)
    while view:
        n = os.write(_PROTO_OUT, view)
        view = view[n:]


class _Pump(threading.Thread):
    """Forwards one output pipe as stream messages; signals when the drain mark arrives."""

    def __init__(self, name, fd):
        super().__init__(name="sandbox4j-" + name, daemon=True)
        self.stream = name
        self.fd = fd
        self.drained = threading.Event()
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def run(self):
        pending = b""
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return
            pending += chunk
            while True:
                i = pending.find(_MARK)
                if i < 0:
                    break
                self._emit(pending[:i])
                pending = pending[i + len(_MARK):]
                self.drained.set()
            # hold back only a tail that could be the start of a split drain mark, so output streams at once
            keep = 0
            for k in range(min(len(pending), len(_MARK) - 1), 0, -1):
                if _MARK.startswith(pending[-k:]):
                    keep = k
                    break
            self._emit(pending[:len(pending) - keep])
            pending = pending[len(pending) - keep:]

    def _emit(self, data):
        if data:
            text = self.decoder.decode(data)
            if text:
                send({"type": "stream", "id": _current[0], "name": self.stream, "text": text})


_PUMPS = {name: _Pump(name, fd) for name, fd in _PIPES.items()}
for _p in _PUMPS.values():
    _p.start()


def _drain():
    """Waits until everything written to fds 1/2 so far has been forwarded."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    for fd, name in ((1, "stdout"), (2, "stderr")):
        _PUMPS[name].drained.clear()
        os.write(fd, _MARK)
    for p in _PUMPS.values():
        p.drained.wait(5)


def _read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(_PROTO_IN, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _reader():
    while True:
        head = _read_exact(4)
        if head is None:
            os._exit(0)  # the host went away
        body = _read_exact(struct.unpack(">I", head)[0])
        if body is None:
            os._exit(0)
        req = json.loads(body.decode("utf-8"))
        if req.get("op") == "interrupt":
            if _busy.is_set():
                os.kill(os.getpid(), signal.SIGINT)
        else:
            _requests.put(req)


_busy = threading.Event()


def _mime_bundle(value):
    data = {"text/plain": repr(value)}
    for attr, mime in (("_repr_html_", "text/html"), ("_repr_markdown_", "text/markdown"),
                       ("_repr_svg_", "image/svg+xml"), ("_repr_png_", "image/png"), ("_repr_json_", "application/json")):
        method = getattr(value, attr, None)
        if callable(method) and not isinstance(value, type):
            try:
                out = method()
            except Exception:
                continue
            if out is None:
                continue
            if mime == "image/png" and isinstance(out, bytes):
                out = base64.b64encode(out).decode("ascii")
            elif mime == "application/json":
                out = json.dumps(out)
            data[mime] = out
    return data


def display(*objs):
    """Shows objects like a notebook does (rich MIME representations when they have them)."""
    for obj in objs:
        if _is_figure(obj):
            _send_figure(obj)
        else:
            send({"type": "display", "id": _current[0], "data": _mime_bundle(obj)})


def _is_figure(obj):
    mod = sys.modules.get("matplotlib.figure")
    return mod is not None and isinstance(obj, mod.Figure)


def _send_figure(fig):
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    except Exception as e:
        send({"type": "stream", "id": _current[0], "name": "stderr", "text": "sandbox4j: could not render figure: %s\n" % e})
        return
    send({"type": "display", "id": _current[0],
          "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": repr(fig)}})


def _flush_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    try:
        for num in plt.get_fignums():
            _send_figure(plt.figure(num))
        plt.close("all")
    except Exception as e:
        send({"type": "stream", "id": _current[0], "name": "stderr", "text": "sandbox4j: figures: %s\n" % e})


def _fresh_namespace():
    ns = {"__name__": "__main__", "__builtins__": builtins, "display": display}
    main = types.ModuleType("__main__")
    main.__dict__.update(ns)
    sys.modules["__main__"] = main
    return main.__dict__


_ns = _fresh_namespace()
_count = [0]


def _see_new_packages():
    """Libraries installed while the kernel ran (pip --user) become importable, as in a fresh interpreter: the user
    site directory may not have existed when Python started, and the import system caches directory listings."""
    import importlib
    import site
    if site.ENABLE_USER_SITE:
        user_site = site.getusersitepackages()
        if user_site not in sys.path and os.path.isdir(user_site):
            site.addsitedir(user_site)
    importlib.invalidate_caches()


def _run_cell(req):
    code = req.get("code", "")
    _see_new_packages()
    _count[0] += 1
    name = "<cell-%d>" % _count[0]
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    stdin = req.get("stdin")
    sys.stdin = io.StringIO(stdin if stdin is not None else "")
    status = "ok"
    result = None
    out_dir = req.get("output_dir")
    if out_dir:
        import shutil
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir, exist_ok=True)
        os.environ["SANDBOX4J_OUTPUT_DIR"] = out_dir
    _busy.set()
    try:
        try:
            tree = ast.parse(code, filename=name, mode="exec")
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, name, "exec"), _ns)
            if last is not None:
                value = eval(compile(last, name, "eval"), _ns)
                if value is not None:
                    _ns["_"] = value
                    if not _is_figure(value):  # figures are shown below with the other open figures
                        result = _mime_bundle(value)
        finally:
            _busy.clear()
    except BaseException as e:  # noqa: B902 - everything the cell raises is its result, even SystemExit
        if isinstance(e, SystemExit) and e.code in (None, 0):
            pass
        else:
            status = "error"
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
                tb = tb.tb_next
            lines = traceback.format_exception(type(e), e, tb)
            sys.stderr.write("".join(lines))
            send({"type": "error", "id": req["id"], "ename": type(e).__name__, "evalue": str(e),
                  "traceback": [l.rstrip("\n") for l in lines]})
    _drain()
    _flush_figures()
    if result is not None:
        send({"type": "result", "id": req["id"], "data": result})
    send({"type": "done", "id": req["id"], "count": _count[0], "status": status})


def main():
    global _ns
    os.environ.setdefault("MPLBACKEND", "Agg")
    threading.Thread(target=_reader, name="sandbox4j-reader", daemon=True).start()
    send({"type": "ready", "pid": os.getpid(), "language": "python", "version": sys.version.split()[0], "ping": True})
    while True:
        try:
            req = _requests.get()
        except KeyboardInterrupt:
            continue
        _current[0] = req.get("id", 0)
        try:
            if req.get("op") == "execute":
                _run_cell(req)
            elif req.get("op") == "ping":
                send({"type": "pong", "nonce": req.get("nonce")})
            elif req.get("op") == "reset":
                _ns = _fresh_namespace()
                _count[0] = 0
                _drain()
                send({"type": "done", "id": req["id"], "count": 0, "status": "ok"})
        except KeyboardInterrupt:
            # an interrupt that arrived between the cell and its done message
            _drain()
            send({"type": "done", "id": req.get("id", 0), "count": _count[0], "status": "error"})


if __name__ == "__main__":
    main()
