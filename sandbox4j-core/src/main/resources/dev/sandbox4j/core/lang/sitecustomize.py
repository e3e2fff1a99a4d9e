# sandbox4j: run by Python at startup (this directory is on PYTHONPATH). Runs the
# distribution's sitecustomize (which this file shadows), then, if
# SANDBOX4J_OUTPUT_DIR is set, saves pyplot figures still open at exit (see
# sandbox4j_mpl.py). Kept small and matplotlib-free: it is compiled on every start.


def _sandbox4j_start(os, sys):
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec("sitecustomize", [
            p for p in sys.path if os.path.abspath(p or os.curdir) != here])
        if spec is not None and spec.loader is not None and spec.origin:
            try:
                ours = os.path.samefile(spec.origin, __file__)
            except OSError:
                ours = False
            if not ours:
                from importlib.util import module_from_spec

                spec.loader.exec_module(module_from_spec(spec))
    except Exception as exc:  # report it as site.py would have
        if sys.flags.verbose:
            sys.excepthook(*sys.exc_info())
        else:
            sys.stderr.write("Error in sitecustomize; set PYTHONVERBOSE for traceback:\n"
                             "%s: %s\n" % (exc.__class__.__name__, exc))
    if not os.environ.get("SANDBOX4J_OUTPUT_DIR"):
        return

    class Sandbox4jPyplotHook:
        # A meta-path finder that finds nothing: it only notices the import of
        # matplotlib.pyplot, then removes itself. The exit hook must be registered
        # after matplotlib._pylab_helpers registers Gcf.destroy_all (atexit runs
        # the last registered first), so it cannot be registered at startup.
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == "matplotlib.pyplot":
                try:
                    sys.meta_path.remove(Sandbox4jPyplotHook)
                    import atexit
                    import importlib

                    # by name: this file's text must not read as an import of the fork server's preloads, which
                    # would start them for a run that imports none (ForkServers.importsAPreload)
                    importlib.import_module("matplotlib._pylab_helpers")

                    atexit.register(_sandbox4j_at_exit, here)
                except Exception:
                    pass
            return None

    sys.meta_path.insert(0, Sandbox4jPyplotHook)


def _sandbox4j_at_exit(here):
    import sys

    if "matplotlib.pyplot" not in sys.modules:
        return
    try:
        try:
            import sandbox4j_mpl
        except ImportError:
            sys.path.append(here)
            import sandbox4j_mpl
        sandbox4j_mpl.save_open_figures(only_if_changed=True)
    except Exception as exc:
        sys.stderr.write("sandbox4j: could not save figure: %s\n" % exc)


try:
    import os as _os
    import sys as _sys

    _sandbox4j_start(_os, _sys)
except Exception:
    pass
