#!/usr/bin/python3
# Helper of scripts/capture-domain-corpus (which starts the private libvirtd): for each corpus
# input, define, dump the inactive XML (or record the error), undefine.
# Usage: capture-domain-corpus.py URI CORPUS_DIR [NAME...]
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

import libvirt

from capture_common import error_text, is_input


def generated(text):
    """The elements libvirt generates because the input leaves them out (None if unparsable)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    gen = []
    if root.find("uuid") is None:
        gen.append("/domain/uuid")
    g = root.find("genid")
    if g is not None and not (g.text or "").strip():
        gen.append("/domain/genid")
    devs = root.find("devices")
    if devs is not None:
        for i, iface in enumerate(devs.findall("interface"), 1):
            m = iface.find("mac")
            if m is None or not m.get("address"):
                gen.append("/domain/devices/interface[%d]/mac/@address" % i)
    return gen


MASKS = {
    "/domain/uuid": (r"<uuid>[^<]*</uuid>", "<uuid>*</uuid>"),
    "/domain/genid": (r"<genid>[^<]*</genid>", "<genid>*</genid>"),
    "mac": (r"<mac address='[^']*'", "<mac address='*'"),
}


def mask(text, gen):
    for g in gen:
        pat, rep = MASKS["mac" if g.endswith("/mac/@address") else g]
        text = re.sub(pat, rep, text)
    return text


def write(path, text, gen=None):
    """Write text unless the file already holds it (or holds a capture equal up to gen)."""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if old == text or (gen and mask(old, gen) == mask(text, gen)):
            return
    with open(path, "w") as f:
        f.write(text)


def remove(path):
    if os.path.exists(path):
        os.unlink(path)


def capture(conn, corpus, name, flags, out_ok, out_err, gen):
    with open(os.path.join(corpus, name + ".xml")) as f:
        text = f.read()
    try:
        dom = conn.defineXMLFlags(text, flags)
    except libvirt.libvirtError as e:
        write(os.path.join(corpus, out_err), error_text(e))
        remove(os.path.join(corpus, out_ok))
        return "error %d" % e.get_error_code()
    try:
        xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    finally:
        try:
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        except libvirt.libvirtError:
            dom.undefine()
    write(os.path.join(corpus, out_ok), xml, gen)
    remove(os.path.join(corpus, out_err))
    return "ok"


def main():
    uri, corpus = sys.argv[1], sys.argv[2]
    names = [n[:-4] if n.endswith(".xml") else n for n in sys.argv[3:]]
    if not names:
        names = sorted(fn[:-4] for fn in os.listdir(corpus) if is_input(fn))
    conn = libvirt.open(uri)
    for d in conn.listAllDomains():
        sys.exit("the private libvirtd already has domains: %s" % d.name())
    t0 = time.monotonic()
    counts = {}
    for name in names:
        with open(os.path.join(corpus, name + ".xml")) as f:
            gen = generated(f.read())
        res = capture(conn, corpus, name, 0, name + ".expected.xml", name + ".expected-error", gen)
        ndpath = os.path.join(corpus, name + ".nondeterministic")
        if gen and res == "ok":
            write(ndpath, "# elements libvirt generated for this input: ignore their values when comparing\n"
                  + "".join(g + "\n" for g in gen))
        else:
            remove(ndpath)
        line = "%-45s define: %s" % (name, res)
        counts[res.split()[0]] = counts.get(res.split()[0], 0) + 1
        if name.endswith(".validate"):
            res = capture(conn, corpus, name, libvirt.VIR_DOMAIN_DEFINE_VALIDATE,
                          name + ".expected-validate.xml", name + ".expected-validate-error", gen)
            line += "; define --validate: %s" % res
        print(line, file=sys.stderr)
        left = conn.listAllDomains()
        if left:
            sys.exit("domains left behind: %s" % [d.name() for d in left])
    print("%d inputs (%s) in %.1f s" % (len(names), ", ".join("%s %d" % kv for kv in sorted(counts.items())),
                                         time.monotonic() - t0), file=sys.stderr)


main()
