//! The workspace's binaries, built once per test process.

use super::*;

/// The workspace's target directory (next to the test executable's `deps` directory).
pub(crate) fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/test-xxxx -> target/debug
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

static BUILD: Once = Once::new();

/// The path of a workspace binary, built first so a test never runs a stale one.
pub fn binary(name: &str) -> PathBuf {
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            // the daemon runs each VM's shim from next to its own executable
            .args([
                "build",
                "--quiet",
                "-p",
                "oxvirt-qemud",
                "-p",
                "oxvirt-shim-bin",
                "-p",
                "oxvirt-cli",
                "-p",
                "oxvirt-networkd",
                "-p",
                "oxvirt-leaseshelper",
                "-p",
                "oxvirt-storaged",
                "-p",
                "oxvirt-secretd",
                "-p",
                "oxvirt-interfaced",
                "-p",
                "oxvirt-proxyd",
            ])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the daemons failed");
    });
    let p = target_dir().join(name);
    assert!(p.exists(), "{} is missing", p.display());
    p
}
