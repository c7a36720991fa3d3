# Shared by the capture-*-corpus.py helpers: libvirt's error as the corpus records it, and which
# files are inputs. Importing it silences libvirt's default error printing.
import libvirt

ERR_NAMES = {}
for k in dir(libvirt):
    if k.startswith("VIR_ERR_") and isinstance(getattr(libvirt, k), int):
        ERR_NAMES.setdefault(("code", getattr(libvirt, k)), k)
    if k.startswith("VIR_FROM_") and isinstance(getattr(libvirt, k), int):
        ERR_NAMES.setdefault(("domain", getattr(libvirt, k)), k)

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # no stderr noise


def is_input(fn):
    return fn.endswith(".xml") and ".expected" not in fn


def error_text(e):
    code, dom = e.get_error_code(), e.get_error_domain()
    return "code: %d %s\ndomain: %d %s\nmessage: %s\n" % (
        code, ERR_NAMES.get(("code", code), "?"),
        dom, ERR_NAMES.get(("domain", dom), "?"),
        e.get_error_message())
