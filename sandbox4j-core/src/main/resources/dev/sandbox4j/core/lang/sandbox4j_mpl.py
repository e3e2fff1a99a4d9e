"""sandbox4j matplotlib backend: Agg, but show() saves figures as artifacts.

Selected by the engine with MPLBACKEND=module://sandbox4j_mpl (this file's
directory on PYTHONPATH). plt.show() writes every open figure as PNG into
$SANDBOX4J_OUTPUT_DIR (figure-1.png, figure-2.png, ...; an existing file is
never overwritten, the next free number is used) and closes those figures.
Figure.show() saves that one figure and leaves it open.

save_open_figures() is shared with sitecustomize.py, which calls it at exit
for figures still open (also when the user chose another backend, e.g. Agg).
Nothing here raises into user code: a failure prints one line to stderr.
"""

import io
import os
import sys
import threading
import weakref

import importlib

# by name: this file is sent with every run that captures artifacts, and its text must not read as an import of the
# fork server's preloads (which would start them for a run that imports none: ForkServers.importsAPreload)
_pylab_helpers = importlib.import_module("matplotlib._pylab_helpers")
FigureManagerBase = importlib.import_module("matplotlib.backend_bases").FigureManagerBase
FigureCanvasAgg = importlib.import_module("matplotlib.backends.backend_agg").FigureCanvasAgg

backend_version = "1"

DPI = 100
_PREFIX = "figure-"
_lock = threading.RLock()
_counter = 0
# Digest of the PNG last saved for a figure: an unchanged figure is not saved twice.
_saved = weakref.WeakKeyDictionary()


def _output_dir():
    return os.environ.get("SANDBOX4J_OUTPUT_DIR") or None


def _warn(exc):
    try:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        sys.stderr.write("sandbox4j: could not save figure: %s\n" % msg)
        sys.stderr.flush()
    except Exception:
        pass


def _write_next(directory, data):
    """Writes data to the next free figure-N.png, never replacing a file."""
    global _counter
    while True:
        _counter += 1
        path = os.path.join(directory, "%s%d.png" % (_PREFIX, _counter))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except BaseException:
            try:
                os.unlink(path)
            except OSError:
                pass
            raise
        return path


def save_figure(figure, only_if_changed=False):
    """Saves one figure into the output directory; returns the path or None.

    With only_if_changed, a figure whose rendering equals the one this module
    saved last for it is skipped. Never raises (except KeyboardInterrupt etc.).
    """
    directory = _output_dir()
    if directory is None:
        return None
    try:
        import hashlib

        buf = io.BytesIO()
        figure.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
        data = buf.getvalue()
        digest = hashlib.sha256(data).digest()
        with _lock:
            if only_if_changed and _saved.get(figure) == digest:
                return None
            path = _write_next(directory, data)
            try:
                _saved[figure] = digest
            except TypeError:
                pass
            return path
    except Exception as exc:
        _warn(exc)
        return None


def save_open_figures(close=False, only_if_changed=False):
    """Saves every figure open in pyplot (in figure-number order)."""
    try:
        managers = sorted(_pylab_helpers.Gcf.get_all_fig_managers(),
                          key=lambda m: (not isinstance(m.num, int), m.num))
    except Exception as exc:
        _warn(exc)
        return
    for manager in managers:
        try:
            figure = manager.canvas.figure
        except Exception as exc:
            _warn(exc)
            continue
        save_figure(figure, only_if_changed=only_if_changed)
        if close:
            try:
                _pylab_helpers.Gcf.destroy(manager)
            except Exception as exc:
                _warn(exc)


class FigureManagerSandbox4j(FigureManagerBase):
    def show(self):
        # Figure.show(): save this figure, keep it open (a GUI would keep the window).
        save_figure(self.canvas.figure, only_if_changed=True)


class FigureCanvasSandbox4j(FigureCanvasAgg):
    manager_class = FigureManagerSandbox4j


FigureCanvas = FigureCanvasSandbox4j
FigureManager = FigureManagerSandbox4j


def show(*args, **kwargs):
    """pyplot.show(): save all open figures, then close them."""
    if _output_dir() is None:
        return
    save_open_figures(close=True, only_if_changed=True)
