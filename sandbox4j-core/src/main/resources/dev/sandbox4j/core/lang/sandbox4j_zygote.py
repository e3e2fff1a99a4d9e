"""sandbox4j fork server (zygote) for stateless Python runs.

Started by the resident runner (box/runner.pl) as `python3 -c SOURCE MODULE...`: it makes itself non-dumpable, imports
the modules (by default numpy, pandas and matplotlib.pyplot with the Agg backend), and then forks one child per run.
A child is the program: it gets its own session, the run's stdio (FIFOs and a stdin file the runner made), working
directory, argv and environment, writes the run's files as the launcher would, reseeds the random generators and runs
the program as __main__, with the exit code and traceback of `python3 main.py`. Nothing a run does reaches the next
one: each is a fresh fork of the same untouched process, and the runner kills whatever a run leaves behind.

Channel (only the runner and this process hold it): requests on fd 3, replies on fd 4, as the runner's frames of
fields: u32 count, then (u32 length, bytes) per field.
  runner -> zygote   run ZDIR OPTIONS WORKDIR ARGC ARGV... ENVC ENV... NFILES (NAME CONTENT)... | prefork
  zygote -> runner   ready | started PID BASE_CPU_MS | exited STATUS USAGE   (STATUS as waitpid reports it)

Pre-forked runs. On this kind of machine a forked child spends most of a small run in copy-on-write faults (each page
it writes that it shares with the fork server is copied on first write, ~12-18 us a page in a Firecracker VM) and the
fork itself. So the fork server forks the next run's process ahead of time: when it is ready, and whenever the runner
says "prefork" (after a run, once the runner has killed everything the run left: no process of a run ever coexists
with the next run's process before that run starts). The waiting child copies, with madvise(MADV_POPULATE_WRITE) in
batches, the pages a trusted warm-up run wrote (learned once at start-up from /proc/self/pagemap), then waits for
its request. The CPU it spent before the request (BASE_CPU_MS) is not the program's: the runner and the usage report
leave it out. A waiting child that died (killed between runs) is replaced by a plain fork.
Known differences from a fresh interpreter: the preloaded modules (and the few standard ones this server uses: io, pkgutil, random,
runpy, shutil, site, atexit, importlib, signal, struct, ctypes, resource, select) are already in sys.modules (importing them again is
free, and their module-level state is the zygote's), the hash seed of str/bytes is the zygote's (PYTHONHASHSEED), and
interpreter-wide flags are the zygote's.
"""
import gc
import os
import signal
import struct
import sys

REQ, REP = 3, 4
# the figure backend of runs that capture artifacts (lang/sandbox4j_mpl.py), from the host: never read from the box's
# files, which earlier runs could have changed; not part of the runs' environment
MPL_SOURCE = os.environ.pop("SANDBOX4J_MPL_SOURCE", None)
BASE_ENV = dict(os.environ)


def _read_exact(fd, n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _read_request(fd=REQ):
    """A frame of fields from fd (the runner's channel, or a waiting child's request pipe); None at its end."""
    head = _read_exact(fd, 4)
    if head is None:
        return None
    fields = []
    for _ in range(struct.unpack(">I", head)[0]):
        size = _read_exact(fd, 4)
        if size is None:
            return None
        n = struct.unpack(">I", size)[0]
        value = _read_exact(fd, n) if n else b""
        if value is None:
            return None
        fields.append(value)
    return fields


def _frame(fields):
    return struct.pack(">I", len(fields)) + b"".join(struct.pack(">I", len(f)) + f for f in fields)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _reply(*fields):
    _write_all(REP, _frame([f if isinstance(f, bytes) else str(f).encode() for f in fields]))


def _close_all(*fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


_libc = None


def _c():
    """The C library (ctypes), loaded once: prctl, madvise."""
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return _libc


def _prctl(option, arg):
    return _c().prctl(option, arg, 0, 0, 0) == 0


def _prctl_dumpable(value):
    return _prctl(4, value)  # PR_SET_DUMPABLE


# the name the fork server shows in /proc/<pid>/status (a run is renamed back to python3, like any program)
SERVER_NAME = b"sandbox4j-fork"


def _prctl_name(name):
    _prctl(15, name)  # PR_SET_NAME (ctypes passes bytes as char *)


def _preload(modules):
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as e:  # a module the image lacks is not preloaded; the run imports it itself
            sys.stderr.write("sandbox4j fork server: could not preload %s: %s\n" % (name, e))


def _preload_figure_backend():
    """With pyplot preloaded, the backend that saves a capturing run's figures is imported once too: in each run it
    cost more than a small program (it was imported from the run's lib directory)."""
    if MPL_SOURCE is None or "matplotlib.pyplot" not in sys.modules:
        return
    import types

    module = types.ModuleType("sandbox4j_mpl")
    try:
        exec(compile(MPL_SOURCE, "sandbox4j_mpl.py", "exec"), module.__dict__)
        sys.modules["sandbox4j_mpl"] = module
    except Exception as e:
        sys.stderr.write("sandbox4j fork server: could not preload the figure backend: %s\n" % e)


# Trusted code run once in the fork server itself, after the preloads: what a first use of each module imports lazily
# or caches (pandas' groupby and merge machinery, matplotlib's fonts and renderer) is then the fork server's, shared
# by every run, instead of being paid again by each one (measured here: a pandas groupby/merge program ~230 -> ~70 ms
# of CPU in a forked run, a saved plot ~285 -> ~230). It leaves no figure open and no global random state changed.
EXERCISE = {
    "numpy": "import numpy as np\na = np.linspace(0, 1, 50).reshape(5, 10)\nb = a @ a.T\nnp.linalg.inv(b + np.eye(5))\n"
             "np.random.default_rng(0).normal(size=10).mean()\n",
    "pandas": "import pandas as pd\ndf = pd.DataFrame({'k': ['a', 'b', 'a'], 'v': [1.0, 2.0, 3.0], 'n': [1, 2, 3]})\n"
              "g = df.groupby('k').agg(t=('v', 'sum'), m=('n', 'mean')).reset_index()\n"
              "g.merge(pd.DataFrame({'k': ['a'], 'r': ['x']}), on='k', how='left').sort_values('t').to_string(index=False)\n"
              "df.describe().to_string()\ndf.pivot_table(index='k', values='v', aggfunc='sum')\n",
    "matplotlib.pyplot": "import io\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
                         "ax.plot([1, 2, 3], [1, 4, 9], label='x')\nax.bar([1, 2], [3, 4])\nax.legend()\nax.set_title('t')\n"
                         "ax.set_xlabel('x')\nfig.savefig(io.BytesIO(), format='png')\nplt.close('all')\n",
}


def _exercise():
    for module, code in EXERCISE.items():
        if module in sys.modules:
            try:
                exec(compile(code, "<sandbox4j warm-up>", "exec"), {"__name__": "sandbox4j_warm_up"})
            except Exception as e:  # only slower runs
                sys.stderr.write("sandbox4j fork server: the warm-up of %s failed: %s\n" % (module, e))


def main():
    if not _prctl_dumpable(0):
        sys.stderr.write("sandbox4j fork server: cannot make itself non-dumpable\n")
        os._exit(1)
    _prctl_name(SERVER_NAME)
    # nothing from the (untrusted, writable) working directory may be imported into every later run
    os.chdir("/")
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]
    # what every forked run uses is imported once, here: imported in the child it cost more than the program (print(1))
    import atexit, importlib, io, pkgutil, random, runpy, shutil, site  # noqa: F401,E401 (runpy.run_path imports pkgutil)
    import ctypes, resource, select  # noqa: F401,E401 (a waiting child's, see _populate and _prefork)
    _preload([m for m in sys.argv[1:] if m])
    _preload_figure_backend()
    _exercise()
    gc.collect()
    gc.freeze()  # what exists now is never collected again: children share its pages instead of copying them
    hot = _learn()
    _reply("ready")
    waiting = _prefork(hot)
    while True:
        req = _read_request()
        if req is None:
            os._exit(0)  # the runner is gone (a waiting child sees its request pipe close and exits too)
        if req[0] == b"run":
            _serve(req[1:], waiting)
            waiting = None
        elif req[0] == b"prefork" and (waiting is None or not _alive(waiting)):
            waiting = _prefork(hot)


def _alive(waiting):
    """Whether the waiting child lives; one that died (killed with a run's leftovers) is reaped and its pipes closed."""
    try:
        if os.waitpid(waiting[0], os.WNOHANG) == (0, 0):
            return True
    except ChildProcessError:
        pass
    _close_all(*waiting[1:])
    return False


def _serve(fields, waiting):
    base = _hand_over(waiting, fields) if waiting is not None else None
    if base is None:  # none waiting, or it died before it took the request: a plain fork
        pid, base = os.fork(), (0, 0)
        if pid == 0:
            _child(fields)  # never returns: the child ends with the program
    else:
        pid = waiting[0]
    _reply("started", pid, base[0] + base[1])
    _, status, ru = os.wait4(pid, 0)
    _reply("exited", status, "cpu_ms=%d+%d maxrss_kb=%d" % (max(0, ru.ru_utime * 1000 - base[0]),
                                                             max(0, ru.ru_stime * 1000 - base[1]), ru.ru_maxrss))


def _hand_over(waiting, fields):
    """Gives the request to the waiting child; its CPU time so far (user, system ms), or None if it is gone."""
    pid, request, status = waiting
    try:
        import select

        # Defence in depth: every process but the fork server is killed after each run and command, before it is
        # forked, so nothing should have stopped it; if something did, it is resumed, or replaced if it stays silent.
        os.kill(pid, signal.SIGCONT)
        _write_all(request, _frame(fields))  # the child reads it all before it writes anything else: no deadlock
        os.close(request)
        said = b""
        while True:
            if not select.select([status], [], [], 5)[0]:
                os.kill(pid, signal.SIGKILL)
                raise OSError("the waiting child did not answer")
            chunk = os.read(status, 64)
            if not chunk:
                break
            said += chunk
        os.close(status)
        user, system = (int(x) for x in said.split())
        return user, system
    except (OSError, ValueError):
        _close_all(request, status)
        try:
            os.waitpid(pid, 0)  # it wrote nothing: it never took the request
        except ChildProcessError:
            pass
        return None


def _prefork(hot):
    """The next run's process, forked now: it copies the pages a run writes, then waits for its request. None if it
    cannot be forked now (the box's process limit, say): the next run is a plain fork."""
    try:
        req_r, req_w = os.pipe()
    except OSError:
        return None
    try:
        st_r, st_w = os.pipe()
    except OSError:
        _close_all(req_r, req_w)
        return None
    try:
        pid = os.fork()
    except OSError:
        _close_all(req_r, req_w, st_r, st_w)
        return None
    if pid == 0:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # nothing sent while it waits may become the program's
        _close_all(REQ, REP, req_w, st_r)  # the runner must see the channel close when the fork server dies
        _populate(hot, req_r)
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)  # as wait4 will count it (os.times() counts in 10 ms ticks)
        os.write(st_w, b"%d %d" % (used.ru_utime * 1000, used.ru_stime * 1000))
        os.close(st_w)
        fields = _read_request(req_r)
        if fields is None:
            os._exit(0)  # the fork server is gone
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _child(fields)
    os.close(req_r)
    os.close(st_w)
    return pid, req_w, st_r


MADV_POPULATE_WRITE = 23
BATCH = 64  # pages copied between two looks for the request (~1 ms here)
PAGE = os.sysconf("SC_PAGE_SIZE")


def _populate(hot, request):
    """Copies the pages of hot now, until the request comes: a run never waits for more than one batch (the pages
    not copied yet are copied on first write, as without this)."""
    if not hot:
        return
    try:
        import select

        madvise = _c().madvise
        if select.select([request], [], [], 0)[0]:
            return  # asked at once (runs back to back): copying now would only delay it
        batch = 0
        for start, pages in hot:
            for at in range(0, pages, BATCH):
                n = min(BATCH, pages - at)
                madvise(start + at * PAGE, n * PAGE, MADV_POPULATE_WRITE)  # unmapped now: fails alone, no matter
                batch += n
                if batch >= BATCH:
                    batch = 0
                    if select.select([request], [], [], 0)[0]:
                        return
    except Exception:
        pass


# A trusted program run once at start-up: the pages it writes are those every run writes (the run's set-up, runpy, the
# output streams, the exit), and with the data stack preloaded, what a typical use of it touches.
WARM_UP = {
    None: "import sys\nprint(1)\nsys.stdout.flush()\n",
    "numpy": "import numpy as np\na = np.arange(12.0).reshape(3, 4)\nprint(a.sum(), (a @ a.T).trace())\n",
    "pandas": "import pandas as pd\ndf = pd.DataFrame({'k': [1, 2, 1], 'v': [1.0, 2.0, 3.0]})\n"
              "print(df.groupby('k')['v'].sum().to_dict(), df.describe().shape)\n",
}
_AT_EXIT = None
MAX_HOT = 16384  # pages (64 MiB)


def _learn():
    """Runs WARM_UP as a forked run and returns the pages it wrote, as (address, pages) ranges of the fork server's
    writable private mappings; [] if that cannot be seen (no /proc/self/pagemap, say)."""
    # named like the runner's own files (/tmp/.sandbox4j*), which a box's programs are told to ignore
    work = os.path.join(os.environ.get("TMPDIR") or "/tmp", ".sandbox4j-warm-%d-%s" % (os.getpid(), os.urandom(6).hex()))
    try:
        os.mkdir(work, 0o700)
    except OSError:
        return []
    try:
        pid = os.fork()
        if pid == 0:
            try:
                _warm_up(work)
            finally:
                os._exit(1)
        os.waitpid(pid, 0)
        with open(os.path.join(work, "pages"), "rb") as f:
            data = f.read()
        learned = list(struct.iter_unpack("<QQ", data))
        mapped = [(a, b) for a, b, _ in _writable_maps()]
        # only pages of this process's own writable memory, and at most MAX_HOT of them: a program running beside
        # the warm-up (a fresh interpreter's run) could change its files, and so this list, but never more than that
        hot, total = [], 0
        for s, n in learned:
            if total + n <= MAX_HOT and any(a <= s and s + n * PAGE <= b for a, b in mapped):
                hot.append((s, n))
                total += n
        return hot
    except Exception:
        return []
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def _warm_up(work):
    global _AT_EXIT
    zdir, run = os.path.join(work, "z"), os.path.join(work, "runs", "warm")
    os.mkdir(zdir)
    for name in ("in", "out", "err"):
        open(os.path.join(zdir, name), "wb").close()
    program = "".join(code for mod, code in WARM_UP.items() if mod is None or mod in sys.modules)
    options, env = b"rundir=" + run.encode(), []
    if "sandbox4j_mpl" in sys.modules:  # as a capturing run: figures saved to an output directory
        out = os.path.join(work, "out")
        options += b"\noutdir=" + out.encode()
        env = [b"SANDBOX4J_OUTPUT_DIR=" + out.encode()]
    os.makedirs(os.path.join(work, "runs", "earlier"))  # a previous run's files, which a run removes
    open(os.path.join(work, "runs", "earlier", "main.py"), "wb").close()

    def dump():
        # a non-dumpable process may not read its own pagemap; this one holds nothing of the fork server by now (its
        # descriptors were closed as a run's are), and what it reports is checked (see _learn)
        _prctl_dumpable(1)
        with open(os.path.join(work, "pages"), "wb") as f:
            f.write(b"".join(struct.pack("<QQ", s, n) for s, n in _written_pages()))

    _AT_EXIT = dump
    main = os.path.join(run, "main.py")
    _child([zdir.encode(), options, run.encode(), b"2", b"python3", main.encode(), str(len(env)).encode()] + env
           + [b"1", b"main.py", program.encode()])


def _writable_maps():
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if parts[1] == "rw-p":
                a, b = (int(x, 16) for x in parts[0].split("-"))
                yield a, b, parts[5] if len(parts) > 5 else ""


def _written_pages():
    """Ranges of pages this process holds alone (present and exclusively mapped: written since the fork, or new)."""
    ranges = []
    fd = os.open("/proc/self/pagemap", os.O_RDONLY)
    try:
        for a, b, name in list(_writable_maps()):
            if name.startswith("[v"):
                continue
            n = (b - a) // PAGE
            raw = os.pread(fd, n * 8, (a // PAGE) * 8)
            run = None
            for i, (e,) in enumerate(struct.iter_unpack("<Q", raw)):
                mine = (e >> 63) & 1 and (e >> 56) & 1
                if mine and run is None:
                    run = i
                elif not mine and run is not None:
                    ranges.append((a + run * PAGE, i - run))
                    run = None
            if run is not None:
                ranges.append((a + run * PAGE, n - run))
    finally:
        os.close(fd)
    return ranges


def _child(fields):
    try:
        main_path, args = _enter(fields)
    except BaseException as e:  # the run could not be set up: say so as the launcher would, with its exit code
        try:
            os.write(2, ("sandbox4j: %s\n" % e).encode())
        except OSError:
            pass
        os._exit(126)
    _run(main_path, args)


def _enter(fields):
    """Makes this process the run's: session, stdio, environment, files, working directory, argv."""
    zdir = fields[0].decode()
    options = dict(kv.split("=", 1) for kv in fields[1].decode().split("\n") if "=" in kv)
    workdir = fields[2].decode()
    i = 3
    argc = int(fields[i])
    argv = [a.decode() for a in fields[i + 1:i + 1 + argc]]
    i += 1 + argc
    envc = int(fields[i])
    env = [e.decode() for e in fields[i + 1:i + 1 + envc]]
    i += 1 + envc
    nfiles = int(fields[i])
    files = [(fields[i + 1 + 2 * k].decode(), fields[i + 2 + 2 * k]) for k in range(nfiles)]
    os.setsid()
    if options.get("cpu_ms"):
        _limit_cpu(int(options["cpu_ms"]))
    for fd, name, flags in ((0, "in", os.O_RDONLY), (1, "out", os.O_WRONLY), (2, "err", os.O_WRONLY)):
        opened = os.open(os.path.join(zdir, name), flags)
        os.dup2(opened, fd)
        os.close(opened)
    os.closerange(3, 65536)  # the channel to the runner, and anything else the zygote held
    if _AT_EXIT is None:  # a run (the warm-up stays the fork server's: non-dumpable, its name)
        _prctl_dumpable(1)  # like any program, once it holds nothing of the zygote: the protection is the zygote's
        _prctl_name(b"python3")
    os.environ.clear()
    os.environ.update(BASE_ENV)
    for kv in env:
        key, _, value = kv.partition("=")
        if key:
            os.environ[key] = value
    run_dir, out_dir = options.get("rundir"), options.get("outdir")
    if run_dir:
        _write_files(run_dir, files)
    if out_dir:
        import shutil

        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir, exist_ok=True)
    os.chdir(workdir)
    # argv as `python3 [options] main.py args...`: the interpreter's own options are the zygote's
    k = 1
    while k < len(argv) and argv[k].startswith("-"):
        k += 1
    return argv[k], argv[k + 1:]


def _limit_cpu(ms):
    """RLIMIT_CPU a second past the run's CPU limit, as the runner sets it: a backstop to the runner's own poll."""
    import resource

    soft = (ms + 999) // 1000 + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


def _write_files(run_dir, files):
    import shutil

    parent = os.path.dirname(run_dir)
    if os.path.isdir(parent):
        for entry in os.listdir(parent):  # other runs' files go, as with the launcher
            path = os.path.join(parent, entry)
            if path != run_dir:
                shutil.rmtree(path, ignore_errors=True)
    for name, content in files:
        path = os.path.join(run_dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(content)


def _see_new_packages():
    """The run's user site directory (pip --user, HOME from the run's environment) is on sys.path if it exists, as in a
    fresh interpreter, and the import system forgets directory listings cached while the fork server waited."""
    import importlib
    import site

    if site.ENABLE_USER_SITE:
        site.USER_BASE = None
        site.USER_SITE = None
        user_site = site.getusersitepackages()
        if user_site not in sys.path and os.path.isdir(user_site):
            site.addsitedir(user_site)
    importlib.invalidate_caches()


def _run(main_path, args):
    import io
    import random
    import runpy

    sys.argv = [main_path] + args
    sys.path[0] = os.path.dirname(main_path)
    for p in reversed([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]):
        if p not in sys.path:
            sys.path.insert(1, p)
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    _see_new_packages()
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="strict")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="strict",
                                  write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
                                  write_through=True)
    random.seed()
    np_random = sys.modules.get("numpy.random")
    if np_random is not None:
        np_random.seed()
    _figures()
    try:
        runpy.run_path(main_path, run_name="__main__")
        code = 0
    except SystemExit as e:
        code = _exit_code(e)
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != main_path:
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)  # as `python3 main.py` shows it: from main.py down
        code = 130 if isinstance(e, KeyboardInterrupt) else 1
    _finish(code)


def _exit_code(e):
    """The exit status `python3 main.py` ends with for sys.exit(e.code), printing a non-integer code as it does."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    try:
        sys.stderr.write("%s\n" % (e.code,))
    except Exception:
        pass
    return 1


def _finish(code):
    """Ends the run as the interpreter's shutdown would for the program (its threads joined, its atexit functions
    run, its output flushed), but without tearing down the preloaded modules: that teardown (pandas, matplotlib)
    takes longer than the run itself, and it would only free memory the process gives back by exiting."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()  # waits for the program's non-daemon threads, as Py_Finalize does
        except BaseException:
            pass
    try:
        import atexit

        atexit._run_exitfuncs()  # reports its functions' errors itself, as at a normal exit
    except BaseException:
        pass
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except BaseException:
            pass
    if _AT_EXIT is not None:  # the warm-up run only
        _AT_EXIT()
    os._exit(code)


def _figures():
    """With an output directory, plots are saved as artifacts: show() and figures open at exit, as sitecustomize.py
    arranges in a fresh interpreter (here matplotlib is already imported, so it is set up directly)."""
    if not os.environ.get("SANDBOX4J_OUTPUT_DIR"):
        return
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:  # not preloaded: the run's sitecustomize hook saves figures if the program imports pyplot
        for p in os.environ.get("PYTHONPATH", "").split(os.pathsep):
            hook = os.path.join(p, "sitecustomize.py")
            if p and os.path.isfile(hook):
                import runpy

                runpy.run_path(hook, run_name="sitecustomize")
                break
        return
    try:
        import atexit

        import sandbox4j_mpl  # from the run's lib directory (PYTHONPATH)

        plt.switch_backend("module://sandbox4j_mpl")
        atexit.register(lambda: sandbox4j_mpl.save_open_figures(only_if_changed=True))
    except Exception as e:
        sys.stderr.write("sandbox4j: figures will not be saved: %s\n" % e)


if __name__ == "__main__":
    main()
