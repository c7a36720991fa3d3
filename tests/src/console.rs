//! Console round trips through python3-libvirt and through a pty (`virsh console`, `oxvirt`).

use super::*;

/// Collect everything `r` gives (a child's output) into a string, on a thread of its own.
pub fn collect_output(mut r: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let out = Arc::new(Mutex::new(String::new()));
    let o = out.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                return;
            }
            o.lock()
                .expect("collected output")
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    out
}

/// Type on a domain's serial console through python3-libvirt's `virStream` (blocking) until
/// the guest's shell answers (input sent before the shell runs is lost, so the command is typed
/// again every 2 s): proof that the console carries both ways. `force` takes the console over
/// from another client (VIR_DOMAIN_CONSOLE_FORCE).
pub fn python_console_roundtrip(uri: &str, name: &str, force: bool) {
    let r = python(
        CONSOLE_ROUNDTRIP_PY,
        &[uri, name, if force { "1" } else { "0" }],
    );
    let out = r.ok();
    assert!(
        out.replace("hello-$((6*7))", "").contains("hello-42"),
        "console output: {out}"
    );
}

/// The python3-libvirt script of [`python_console_roundtrip`]: arguments URI, domain name,
/// and "1" to force the console; prints what the console carried.
pub const CONSOLE_ROUNDTRIP_PY: &str = r#"
import sys, signal, threading, libvirt
signal.alarm(60)
c = libvirt.open(sys.argv[1])
d = c.lookupByName(sys.argv[2])
st = c.newStream(0)
d.openConsole(None, st, libvirt.VIR_DOMAIN_CONSOLE_FORCE if sys.argv[3] == "1" else 0)
done = threading.Event()
def typer():
    while not done.is_set():
        st.send(b"\necho hello-$((6*7))\n")
        done.wait(2)
threading.Thread(target=typer, daemon=True).start()
buf = b""
while b"hello-42" not in buf.replace(b"hello-$((6*7))", b""):
    data = st.recv(1024)
    if isinstance(data, int):
        continue
    if not data:
        break
    buf += data
done.set()
print("console:", buf.decode(errors="replace")[-200:])
st.abort()
c.close()
"#;

/// Run a console client (`cmdline`, through `sh -c`) on a pseudo-terminal (util-linux
/// `script`) with extra environment `envs`: wait for its `greeting`, type a command until the
/// guest's shell answers it, leave with Ctrl-] and check that the client exits with status 0.
pub fn pty_console_roundtrip(cmdline: &str, envs: &[(&str, &std::ffi::OsStr)], greeting: &str) {
    use std::io::Write;
    let mut cmd = command("script");
    cmd.arg("-qfc")
        .arg(cmdline)
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run script (util-linux) and a console");
    let mut stdin = child.stdin.take().expect("stdin");
    let out = collect_output(child.stdout.take().expect("stdout"));
    let seen = |t: &str| out.lock().expect("console output").contains(t);
    let deadline = Instant::now() + GUARD;
    while !seen(greeting) {
        assert!(
            Instant::now() < deadline,
            "{cmdline}: no {greeting:?}: {:?}",
            out.lock().expect("console output")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // the shell may still be starting: ask again until it answers
    while !seen("con-42") {
        stdin
            .write_all(b"echo con-$((6*7))\r")
            .expect("type on the console");
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            Instant::now() < deadline,
            "{cmdline}: no answer: {:?}",
            out.lock().expect("console output")
        );
    }
    stdin.write_all(b"\x1d").expect("type Ctrl-]");
    loop {
        if let Some(status) = child.try_wait().expect("wait for the console") {
            assert!(status.success(), "{cmdline}: {status}");
            break;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmdline} did not end on Ctrl-]");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
