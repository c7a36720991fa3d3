//! The test guest (kernel and initramfs) and its domain XML, and waiting on what it prints.

use super::*;

static GUEST: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();

/// The test guest's kernel and initramfs, built by `scripts/build-guest` into `target/guest`
/// (once per test process; the script itself returns at once when nothing changed).
pub fn guest() -> (PathBuf, PathBuf) {
    GUEST
        .get_or_init(|| {
            let dir = target_dir()
                .parent()
                .expect("target dir has a parent")
                .join("guest");
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/build-guest");
            let status = Command::new(&script)
                .arg(&dir)
                .stdin(Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
            assert!(status.success(), "{} failed: {status}", script.display());
            let kernel = dir.join("vmlinuz");
            let initrd = dir.join("initramfs.cpio.gz");
            assert!(
                kernel.exists() && initrd.exists(),
                "the guest build left no outputs"
            );
            (kernel, initrd)
        })
        .clone()
}

/// Hang guard for waiting on guests and daemons; never a timing assertion (TCG on a busy host
/// is slow).
pub const GUARD: Duration = Duration::from_secs(60);

/// The test guest's domain XML: `name`, 256 MiB, one vCPU, q35 under TCG, direct kernel boot,
/// its serial console on a pty logged to `serial_log`.
pub fn guest_xml(name: &str, serial_log: &Path) -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><serial type='pty'><log file='{}' append='off'/><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>
",
        kernel.display(),
        initrd.display(),
        serial_log.display()
    )
}

/// How often `text` occurs in the file at `path` (0 when it does not exist yet).
pub fn count_in_file(path: &Path, text: &str) -> usize {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).matches(text).count())
        .unwrap_or(0)
}

/// Wait until `text` occurs at least `n` times in the file at `path` (a serial log).
pub fn wait_in_file(path: &Path, text: &str, n: usize) {
    let deadline = Instant::now() + GUARD;
    while count_in_file(path, text) < n {
        assert!(
            Instant::now() < deadline,
            "{text:?} did not appear {n} times in {} within {GUARD:?}:\n{}",
            path.display(),
            std::fs::read(path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
