#!/usr/bin/python3
# Helper of scripts/capture-network-corpus (which starts the private libvirtd): for each corpus
# input, define the network, dump its inactive XML (or record the error), undefine it.
# Usage: capture-network-corpus.py URI CORPUS_DIR [NAME...]
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
        gen.append("/network/uuid")
    if root.find("mac") is None:
        gen.append("/network/mac/@address")
    return gen


MASKS = {
    "/network/uuid": (r"<uuid>[^<]*</uuid>", "<uuid>*</uuid>"),
    "/network/mac/@address": (r"<mac address='[^']*'", "<mac address='*'"),
}


def mask(text, gen):
    for g in gen:
        pat, rep = MASKS[g]
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


def capture(conn, corpus, name, gen):
    with open(os.path.join(corpus, name + ".xml")) as f:
        text = f.read()
    out_ok, out_err = name + ".expected.xml", name + ".expected-error"
    try:
        net = conn.networkDefineXML(text)
    except libvirt.libvirtError as e:
        write(os.path.join(corpus, out_err), error_text(e))
        remove(os.path.join(corpus, out_ok))
        return "error %d" % e.get_error_code()
    try:
        xml = net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
    finally:
        net.undefine()
    write(os.path.join(corpus, out_ok), xml, gen)
    remove(os.path.join(corpus, out_err))
    return "ok"


def main():
    uri, corpus = sys.argv[1], sys.argv[2]
    names = [n[:-4] if n.endswith(".xml") else n for n in sys.argv[3:]]
    if not names:
        names = sorted(fn[:-4] for fn in os.listdir(corpus) if is_input(fn))
    conn = libvirt.open(uri)
    for n in conn.listAllNetworks():
        sys.exit("the private libvirtd already has networks: %s" % n.name())
    t0 = time.monotonic()
    counts = {}
    for name in names:
        with open(os.path.join(corpus, name + ".xml")) as f:
            gen = generated(f.read())
        res = capture(conn, corpus, name, gen)
        ndpath = os.path.join(corpus, name + ".nondeterministic")
        if gen and res == "ok":
            write(ndpath, "# elements libvirt generated for this input: ignore their values when comparing\n"
                  + "".join(g + "\n" for g in gen))
        else:
            remove(ndpath)
        counts[res.split()[0]] = counts.get(res.split()[0], 0) + 1
        print("%-40s define: %s" % (name, res), file=sys.stderr)
        left = conn.listAllNetworks()
        if left:
            sys.exit("networks left behind: %s" % [n.name() for n in left])
    print("%d inputs (%s) in %.1f s" % (len(names), ", ".join("%s %d" % kv for kv in sorted(counts.items())),
                                         time.monotonic() - t0), file=sys.stderr)


main()
