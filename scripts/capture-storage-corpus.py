#!/usr/bin/python3
# Helper of scripts/capture-storage-corpus (which starts the private libvirtd): for each corpus
# input, define the pool (pool-*.xml, inactive: no backend runs) or create the volume in a dir
# pool (vol-*.xml), record libvirt's XML (or its error), then undefine/delete.
# Usage: capture-storage-corpus.py URI CORPUS_DIR [NAME...]
import os
import re
import sys

import libvirt

from capture_common import error_text

# the dir pool the volumes are created in (a path of the private libvirtd's namespace)
VOL_POOL = """<pool type='dir'>
  <name>corpus</name>
  <target>
    <path>/var/lib/libvirt/images/corpus</path>
  </target>
</pool>
"""
# the secret the LUKS volumes name
SECRET_UUID = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
SECRET = """<secret ephemeral='no' private='no'>
  <uuid>%s</uuid>
  <usage type='volume'>
    <volume>/var/lib/libvirt/images/corpus</volume>
  </usage>
</secret>
""" % SECRET_UUID


def write(path, text):
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


def remove(path):
    if os.path.exists(path):
        os.unlink(path)


def strip_timestamps(xml):
    """Volume timestamps change on every capture: the stored output has none."""
    return re.sub(r"\n *<timestamps>\n(?: *<[abcm]time>[^<]*</[abcm]time>\n)* *</timestamps>", "", xml)


def record(corpus, name, ok, err):
    if err is not None:
        write(os.path.join(corpus, name + ".expected-error"), err)
        remove(os.path.join(corpus, name + ".expected.xml"))
        return "error"
    write(os.path.join(corpus, name + ".expected.xml"), ok)
    remove(os.path.join(corpus, name + ".expected-error"))
    return "ok"


def capture_pool(conn, text):
    try:
        pool = conn.storagePoolDefineXML(text, 0)
    except libvirt.libvirtError as e:
        return None, error_text(e)
    try:
        return pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE), None
    finally:
        pool.undefine()


def capture_vol(pool, text):
    try:
        vol = pool.createXML(text, 0)
    except libvirt.libvirtError as e:
        return None, error_text(e)
    return strip_timestamps(vol.XMLDesc(0)), None


def main():
    uri, corpus = sys.argv[1], sys.argv[2]
    names = [n[:-4] if n.endswith(".xml") else n for n in sys.argv[3:]]
    if not names:
        names = sorted(fn[:-4] for fn in os.listdir(corpus)
                       if fn.endswith(".xml") and ".expected" not in fn)
    conn = libvirt.open(uri)
    conn.secretDefineXML(SECRET, 0).setValue(b"corpus-passphrase", 0)
    vpool = conn.storagePoolDefineXML(VOL_POOL, 0)
    vpool.build(0)
    vpool.create(0)
    counts = {}
    # volumes in name order, backing stores first (their files must exist)
    names.sort(key=lambda n: (not n.startswith("pool-"), "backing" in n, n))
    for name in names:
        with open(os.path.join(corpus, name + ".xml")) as f:
            text = f.read()
        if name.startswith("pool-"):
            ok, err = capture_pool(conn, text)
        else:
            ok, err = capture_vol(vpool, text)
        res = record(corpus, name, ok, err)
        counts[res] = counts.get(res, 0) + 1
        print("%-40s %s" % (name, res), file=sys.stderr)
    for vol in vpool.listAllVolumes(0):
        vol.delete(0)
    vpool.destroy()
    vpool.delete(0)
    vpool.undefine()
    caps = conn.getStoragePoolCapabilities(0)
    write(os.path.join(corpus, "pool-capabilities.expected.xml"), caps)
    print("%d inputs (%s)" % (len(names), ", ".join("%s %d" % kv for kv in sorted(counts.items()))),
          file=sys.stderr)


main()
