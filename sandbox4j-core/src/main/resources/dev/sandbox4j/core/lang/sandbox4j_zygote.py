"""sandbox4j fork server (zygote) for stateless Python runs.

Started by the resident runner (box/runner.pl) as `python3 -c SOURCE MODULE...`: it makes itself non-dumpable, imports
the modules (by default numpy, pandas and matplotlib.pyplot with the Agg backend), and then forks one child per run.
A child is the program: it gets its own session, the run's stdio (FIFOs and a stdin file the runner made), working
directory, argv and environment, writes the run's files as the launcher would, reseeds the random generators and runs
the program as __main__, with the exit code and traceback of `python3 main.py`. Nothing a run does reaches the next
one: each is a fresh fork of the same untouched process, and the runner kills whatever a run leaves behind.

Channel (only the runner and this process hold it): requests on fd 3, replies on fd 4, as the runner's frames of
fields: u32 count, then (u32 length, bytes) per field.
  runner -> zygote   run ZDIR OPTIONS WORKDIR ARGC ARGV... ENVC ENV... NFILES (NAME CONTENT)...
  zygote -> runner   ready | started PID | exited STATUS USAGE   (STATUS as waitpid reports it)
Known differences from a fresh interpreter: the preloaded modules (and the few standard ones this server uses: io, pkgutil, random,
runpy, shutil, site, atexit, importlib) are already in sys.modules (importing them again is
free, and their module-level state is the zygote's), the hash seed of str/bytes is the zygote's (PYTHONHASHSEED), and
interpreter-wide flags are the zygote's.
"""
import gc
import os
import struct
import sys

REQ, REP = 3, 4
BASE_ENV = dict(os.environ)


def _read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(REQ, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _read_request():
    head = _read_exact(4)
    if head is None:
        return None
    fields = []
    for _ in range(struct.unpack(">I", head)[0]):
        size = _read_exact(4)
        if size is None:
            return None
        n = struct.unpack(">I", size)[0]
        value = _read_exact(n) if n else b""
        if value is None:
            return None
        fields.append(value)
    return fields


def _reply(*fields):
    data = [f if isinstance(f, bytes) else str(f).encode() for f in fields]
    msg = struct.pack(">I", len(data)) + b"".join(struct.pack(">I", len(f)) + f for f in data)
    view = memoryview(msg)
    while view:
        view = view[os.write(REP, view):]


_libc = None


def _prctl(option, arg):
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc.prctl(option, arg, 0, 0, 0) == 0


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
    _preload([m for m in sys.argv[1:] if m])
    gc.collect()
    gc.freeze()  # what exists now is never collected again: children share its pages instead of copying them
    _reply("ready")
    while True:
        req = _read_request()
        if req is None:
            os._exit(0)  # the runner is gone
        if req[0] == b"run":
            _serve(req[1:])


def _serve(fields):
    pid = os.fork()
    if pid == 0:
        _child(fields)  # never returns: the child ends with the program
    _reply("started", pid)
    _, status, ru = os.wait4(pid, 0)
    _reply("exited", status, "cpu_ms=%d+%d maxrss_kb=%d" % (ru.ru_utime * 1000, ru.ru_stime * 1000, ru.ru_maxrss))


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
    _prctl_dumpable(1)  # like any program: the protection is the zygote's, not the run's
    _prctl_name(b"python3")
    for fd, name, flags in ((0, "in", os.O_RDONLY), (1, "out", os.O_WRONLY), (2, "err", os.O_WRONLY)):
        opened = os.open(os.path.join(zdir, name), flags)
        os.dup2(opened, fd)
        os.close(opened)
    os.closerange(3, 65536)  # the channel to the runner, and anything else the zygote held
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
