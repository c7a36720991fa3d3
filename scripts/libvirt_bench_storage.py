"""The storage workload of libvirt-bench (imported by it): volume streams and big pools.

  storage    in a dir pool on --storage-dir (one per daemon and run, removed after):
             virsh vol-upload and vol-download of a 1 GiB raw volume (MiB/s, bytes
             checked), virsh vol-upload --sparse of an 8 GiB file holding 64 MiB of
             data (ms, holes kept), then 2,000 qcow2 images put in the directory:
             pool refresh (ms), listAllVolumes (ms) and listAllVolumes with every
             volume's info (ms, what `virsh vol-list --details` asks), daemon RSS after

The daemon of a target's storage is --storage-uri / --vs-storage-uri when given (oxvirt's
storage is its own daemon, oxvirt-storaged), the target's URI otherwise (libvirtd serves it).
"""

import hashlib
import os
import shutil
import subprocess
import time

import libvirt

GIB = 1 << 30
MIB = 1 << 20


def _virsh(uri, *args, timeout=600):
    r = subprocess.run(["virsh", "-q", "-c", uri, *args], capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"virsh {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def _sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(4 * MIB)
            if not b:
                return h.hexdigest()
            h.update(b)


def _files(base):
    """The 1 GiB data file, the sparse 8 GiB file and one qcow2 image, made once per run."""
    os.makedirs(base, exist_ok=True)
    data = os.path.join(base, "data-1g.bin")
    if not os.path.exists(data):
        block = os.urandom(MIB)
        with open(data + ".tmp", "wb") as f:
            for i in range(GIB // MIB):
                f.write(i.to_bytes(8, "little") + block[8:])
        os.rename(data + ".tmp", data)
    sparse = os.path.join(base, "sparse-8g.bin")
    if not os.path.exists(sparse):
        with open(sparse + ".tmp", "wb") as f:
            f.truncate(8 * GIB)
            # 64 MiB of data in 16 runs of 4 MiB spread over the file
            for k in range(16):
                f.seek(k * (GIB // 2))
                f.write(os.urandom(4 * MIB))
        os.rename(sparse + ".tmp", sparse)
    qcow = os.path.join(base, "one.qcow2")
    if not os.path.exists(qcow):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", qcow, "1G"], check=True)
    return data, sparse, qcow


def wl_storage(ctx, budget, rss_kib):
    a = ctx.args
    uri = getattr(ctx.t, "storage_uri", None) or ctx.t.uri
    pids = getattr(ctx.t, "storage_pids", None) or ctx.t.pids
    out = ctx.out
    base = os.path.join(a.storage_dir, "files")
    data, sparse, qcow = _files(base)
    want = _sha(data)
    pool_dir = os.path.join(a.storage_dir, ctx.prefix + "pool")
    name = ctx.prefix + "pool"
    conn = libvirt.open(uri)
    pool = None
    try:
        os.makedirs(pool_dir)
        pool = conn.storagePoolCreateXML(
            f"<pool type='dir'><name>{name}</name><target><path>{pool_dir}</path></target></pool>", 0)
        # 1 GiB raw up and down
        pool.createXML("<volume><name>big.img</name><capacity unit='G'>1</capacity>"
                       "<allocation>0</allocation></volume>", 0)
        t = time.monotonic()
        _virsh(uri, "vol-upload", "--pool", name, "big.img", data)
        out["upload_1g_mib_per_s"] = round(1024 / (time.monotonic() - t), 1)
        got = os.path.join(a.storage_dir, ctx.prefix + "down.bin")
        t = time.monotonic()
        _virsh(uri, "vol-download", "--pool", name, "big.img", got)
        out["download_1g_mib_per_s"] = round(1024 / (time.monotonic() - t), 1)
        out["upload_download_bytes_ok"] = _sha(got) == want == _sha(os.path.join(pool_dir, "big.img"))
        os.unlink(got)
        pool.storageVolLookupByName("big.img").delete(0)
        # sparse 8 GiB holding 64 MiB
        pool.createXML("<volume><name>sparse.img</name><capacity unit='G'>8</capacity>"
                       "<allocation>0</allocation></volume>", 0)
        t = time.monotonic()
        _virsh(uri, "vol-upload", "--sparse", "--pool", name, "sparse.img", sparse)
        out["sparse_upload_8g_ms"] = round((time.monotonic() - t) * 1000, 1)
        st = os.stat(os.path.join(pool_dir, "sparse.img"))
        out["sparse_upload_allocated_mib"] = round(st.st_blocks * 512 / MIB, 1)
        pool.storageVolLookupByName("sparse.img").delete(0)
        # 2,000 qcow2 images
        n = a.storage_images
        for i in range(n):
            shutil.copyfile(qcow, os.path.join(pool_dir, f"img-{i:05d}.qcow2"))
        t = time.monotonic()
        pool.refresh(0)
        out[f"pool_refresh_{n}_ms"] = round((time.monotonic() - t) * 1000, 1)
        t = time.monotonic()
        vols = pool.listAllVolumes(0)
        out[f"list_all_volumes_{n}_ms"] = round((time.monotonic() - t) * 1000, 1)
        out["volumes_listed"] = len(vols)
        t = time.monotonic()
        for v in pool.listAllVolumes(0):
            v.info()
        out[f"vol_list_details_{n}_ms"] = round((time.monotonic() - t) * 1000, 1)
        if pids:
            out["rss_after_kib"] = rss_kib(pids)
        return out
    finally:
        if pool is not None:
            try:
                pool.destroy()
            except libvirt.libvirtError:
                pass
        conn.close()
        shutil.rmtree(pool_dir, ignore_errors=True)
