//! python3-libvirt's `blockResize`, `blockPeek` and `migrateSetMaxSpeed`/`migrateGetMaxSpeed`
//! on a running guest with a raw disk, with the answers libvirt 9.0 gives (what libvirt-tck's
//! `domain/121-block-info` and `domain/301-migration-max-speed` check).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::{guest, Qemud};

const SCRIPT: &str = r#"
import os, sys, signal, libvirt
signal.alarm(120)
libvirt.registerErrorHandler(lambda c, e: None, None)
uri, xml, img = sys.argv[1], sys.argv[2], sys.argv[3]
c = libvirt.open(uri)
d = c.defineXML(xml)
def t(name, f):
    try:
        print(name, "OK", f())
    except libvirt.libvirtError as e:
        print(name, "ERR", e.get_error_code(), e.get_error_message())
t("speed", lambda: d.migrateGetMaxSpeed(0))
t("resize-inactive", lambda: d.blockResize("vda", 1024, 0))
d.create()
t("resize-kib", lambda: d.blockResize("vda", 20 * 1024, 0))
print("size", os.stat(img).st_size)
t("resize-bytes", lambda: d.blockResize(img, 5 * 1024 * 1024 + 1, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES))
print("size", os.stat(img).st_size)
with open(img, "r+b") as f:
    f.write(b"test")
t("peek", lambda: d.blockPeek(img, 0, 4, 0))
t("peek-end", lambda: d.blockPeek("vda", 5 * 1024 * 1024 - 1, 4, 0))
t("peek-missing", lambda: d.blockPeek("vdz", 0, 4, 0))
t("set-speed", lambda: d.migrateSetMaxSpeed(10000, 0))
t("speed", lambda: d.migrateGetMaxSpeed(0))
t("postcopy", lambda: d.migrateGetMaxSpeed(libvirt.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY))
t("overflow", lambda: d.migrateSetMaxSpeed(8796093022208, 0))
d.destroy()
t("speed-after", lambda: d.migrateGetMaxSpeed(0))
d.undefine()
"#;

#[test]
fn resize_peek_and_migration_speed_as_libvirt() {
    let q = Qemud::start();
    let img = q.root().join("disk.img");
    std::fs::write(&img, vec![0u8; 10 * 1024 * 1024]).unwrap();
    let (kernel, initrd) = guest();
    let xml = format!(
        "<domain type='qemu'><name>rp</name><memory unit='MiB'>128</memory>\
         <os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd></os>\
         <devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk></devices></domain>",
        kernel.display(),
        initrd.display(),
        img.display()
    );
    let run = q.python(SCRIPT, &[&xml, &img.display().to_string()]);
    let out = run.ok();
    let want = "speed OK 8796093022207
resize-inactive ERR 55 Requested operation is not valid: domain is not running
resize-kib OK 0
size 20971520
resize-bytes OK 0
size 5242881
peek OK b'test'
peek-end ERR 8 invalid argument: 'vda' starting from 5242879 has only 2 bytes available
peek-missing ERR 8 invalid argument: disk 'vdz' not found in domain
set-speed OK 0
speed OK 10000
postcopy OK 0
overflow ERR 82 numerical overflow: bandwidth must be less than 8796093022208
speed-after OK 10000
";
    assert_eq!(out, want);
}
