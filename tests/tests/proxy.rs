//! `oxvirt-proxyd`: libvirt's legacy sockets in front of the driver daemons, as virtproxyd.
//! Stock virsh and python3-libvirt on `ROOT/run/libvirt-sock` reach qemud (domains, console,
//! events) and storaged (pools, volume upload/download streams) by the URI they open, the
//! read-only socket stays read-only, a daemon that is not running gives libvirt's connect
//! error; SIGKILLed while clients stream (16 downloading volumes and holding events; 50 holding
//! consoles and events), the proxy leaves them a clean error and the VMs running, and a new
//! proxy serves them again (the 50 reconnect); started by systemd's socket activation, it
//! serves virsh with no URI at all in a mount namespace with its own `/run/libvirt`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use oxvirt_e2e::proxyd::{dir_pool, volume_round_trip, Proxyd, EVENTS_PY};
use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::{
    binary, command, guest_xml, python, python_console_roundtrip, virsh, Qemud, GUARD,
};

fn tmp_root(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().unwrap()
}

const DOMAIN: &str =
    "<domain type='qemu'><name>px1</name><memory>65536</memory><os><type>hvm</type></os></domain>";

#[test]
fn virsh_and_python_through_the_legacy_socket() {
    let tmp = tmp_root("oxvirt-proxy-");
    let root = tmp.path();
    let _s = Storaged::start_in_without_default(root);
    let q = Qemud::start_in(root);
    let p = Proxyd::start_in(root);

    assert!(p
        .virsh(&["version"])
        .ok()
        .contains("Running hypervisor: QEMU"));
    let xml = root.join("px1.xml");
    std::fs::write(&xml, DOMAIN).unwrap();
    p.virsh(&["define", xml.to_str().unwrap()]).ok();
    assert_eq!(p.virsh(&["list", "--all", "--name"]).ok().trim(), "px1");
    // what the proxy passes on is what the daemon says
    assert_eq!(
        p.virsh(&["dumpxml", "px1"]).ok(),
        q.virsh(&["dumpxml", "px1"]).ok()
    );
    // and so are its errors
    let e = p.virsh(&["dominfo", "nosuch"]);
    assert_eq!(e.err(), q.virsh(&["dominfo", "nosuch"]).err());

    // the read-only socket: queries pass, changes are refused
    let ro = p.uri_ro("qemu");
    assert_eq!(virsh(&ro, &["list", "--all", "--name"]).ok().trim(), "px1");
    let e = virsh(&ro, &["undefine", "px1"]);
    assert!(
        e.err()
            .contains("read only access prevents virDomainUndefine"),
        "{e:?}"
    );

    // storage:///system goes to storaged itself: a pool, a volume, an upload and a download
    let st = p.uri("storage");
    assert_eq!(
        virsh(&st, &["pool-list", "--all", "--name"]).ok().trim(),
        ""
    );
    let pool_dir = dir_pool(&st, root);
    assert_eq!(virsh(&st, &["pool-list", "--name"]).ok().trim(), "pp");
    volume_round_trip(&st, root, &pool_dir, 3);
    // and qemu:///system reaches the same pool through qemud's own forwarding
    assert!(p.virsh(&["vol-list", "pp"]).ok().contains("v1"));

    // a daemon that is not running: libvirt's connect error, naming its socket
    let e = virsh(&p.uri("network"), &["net-list"]);
    let want = format!(
        "Failed to connect socket to '{}': No such file or directory",
        root.join("run/networkd-sock").display()
    );
    assert!(e.err().contains(&want), "{e:?}");

    // python3-libvirt: domain events through the proxy, callback ids and all
    let r = python(EVENTS_PY, &[&p.uri("qemu"), xml.to_str().unwrap()]);
    let out = r.ok();
    assert!(out.contains("event px1 0"), "{out}"); // undefined
    assert!(out.contains("event px1 1"), "{out}"); // defined again
}

/// A client with a console stream, lifecycle events and a close callback open through the
/// proxy: prints "ready" once the console carried data, each event, then how it ended.
const HOLD_PY: &str = r#"
import sys, signal, libvirt
signal.alarm(120)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
state = {"closed": None, "data": 0}
def on_close(conn, reason, opaque):
    state["closed"] = reason
c.registerCloseCallback(on_close, None)
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
    lambda *a: print("event", a[1].name(), a[2], flush=True), None)
d = c.lookupByName(sys.argv[2])
st = c.newStream(libvirt.VIR_STREAM_NONBLOCK)
d.openConsole(None, st, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
def on_data(stream, events, opaque):
    try:
        data = stream.recv(4096)
    except libvirt.libvirtError as e:
        print("stream error:", e, flush=True)
        stream.eventRemoveCallback()
        return
    if isinstance(data, bytes) and data:
        if state["data"] == 0:
            print("ready", flush=True)
        state["data"] += len(data)
st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | libvirt.VIR_STREAM_EVENT_ERROR |
                    libvirt.VIR_STREAM_EVENT_HANGUP, on_data, None)
st.send(b"\n")
while state["closed"] is None:
    libvirt.virEventRunDefaultImpl()
print("closed", state["closed"], flush=True)
"#;

#[test]
fn guest_console_events_and_a_sigkilled_proxy() {
    let tmp = tmp_root("oxvirt-proxy-vm-");
    let root = tmp.path();
    let q = Qemud::start_in(root);
    let mut p = Proxyd::start_in(root);
    let serial = root.join("serial.log");
    let xml = root.join("pxvm.xml");
    std::fs::write(&xml, guest_xml("pxvm", &serial)).unwrap();
    p.virsh(&["define", xml.to_str().unwrap()]).ok();
    p.virsh(&["start", "pxvm"]).ok();
    python_console_roundtrip(&p.uri("qemu"), "pxvm", false);

    // a client holding a console stream and event registrations when the proxy is killed
    let mut hold = command("/usr/bin/python3")
        .args(["-c", HOLD_PY, &p.uri("qemu"), "pxvm"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(hold.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + GUARD;
    loop {
        assert!(Instant::now() < deadline, "the console carried nothing");
        match lines.next() {
            Some(Ok(l)) if l == "ready" => break,
            Some(Ok(_)) => {}
            other => {
                let _ = hold.kill();
                let o = hold.wait_with_output().unwrap();
                panic!(
                    "client ended early: {other:?} {}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
    }
    let qemus_before = q.qemus().len();
    p.sigkill();
    // the client sees its connection end (libvirt's close callback, reason EOF or error),
    // and exits on its own
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = hold.wait().unwrap();
    assert!(status.success(), "client: {rest:?}");
    assert!(
        rest.iter().any(|l| l.starts_with("closed ")),
        "client: {rest:?}"
    );
    // the VM felt nothing
    assert_eq!(q.domstate("pxvm"), "running (booted)");
    assert_eq!(q.qemus().len(), qemus_before);

    // a new proxy serves the clients that reconnect
    let p = Proxyd::start_in(root);
    assert_eq!(p.virsh(&["domstate", "pxvm"]).ok().trim(), "running");
    python_console_roundtrip(&p.uri("qemu"), "pxvm", true);
    p.virsh(&["destroy", "pxvm"]).ok();
}

/// One client of the 50-client chaos test: `argv[1]` URI, `argv[2]` "events" (lifecycle events
/// and a close callback) or "console" (the console `argv[4]` of domain `argv[3]` as a
/// non-blocking stream). Prints "ready" once at work, "lost HOW" when the connection ends,
/// then connects again (until a new proxy answers) and prints "reconnected".
const CHAOS50_PY: &str = r#"
import sys, signal, time, libvirt
signal.alarm(300)
libvirt.virEventRegisterDefaultImpl()
uri, mode = sys.argv[1], sys.argv[2]
state = {"lost": None}
def hold():
    c = libvirt.open(uri)
    def on_close(conn, reason, opaque):
        if state["lost"] is None:
            state["lost"] = "closed %d" % reason
    c.registerCloseCallback(on_close, None)
    if mode == "events":
        c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                 lambda *a: None, None)
        return c, None
    st = c.newStream(libvirt.VIR_STREAM_NONBLOCK)
    c.lookupByName(sys.argv[3]).openConsole(sys.argv[4], st, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
    def on_data(stream, events, opaque):
        try:
            d = stream.recv(4096)
        except libvirt.libvirtError as e:
            if state["lost"] is None:
                state["lost"] = "error: %s" % e
            stream.eventRemoveCallback()
            return
        if d == b"" and state["lost"] is None:
            state["lost"] = "eof"
            stream.eventRemoveCallback()
    st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | libvirt.VIR_STREAM_EVENT_ERROR |
                        libvirt.VIR_STREAM_EVENT_HANGUP, on_data, None)
    return c, st
held = hold()
print("ready", flush=True)
while state["lost"] is None:
    libvirt.virEventRunDefaultImpl()
print("lost", state["lost"], flush=True)
deadline = time.time() + 200
while True:
    try:
        state["lost"] = None
        held = hold()
        break
    except libvirt.libvirtError as e:
        if time.time() > deadline:
            print("gave up:", e, flush=True)
            sys.exit(1)
        time.sleep(0.3)
print("reconnected", flush=True)
"#;

/// A diskless VM with four serial consoles (`serial0`..`serial3`) for the console clients.
fn four_consoles(name: &str) -> String {
    let serials: String = (0..4)
        .map(|i| format!("<serial type='pty'><target port='{i}'/></serial>"))
        .collect();
    format!(
        "<domain type='qemu'><name>{name}</name><memory>65536</memory>\
         <os><type>hvm</type></os><devices>{serials}</devices></domain>"
    )
}

/// The next line of a client, which must be `want` (or start with it).
fn expect_line(
    what: &str,
    lines: &mut std::io::Lines<BufReader<std::process::ChildStdout>>,
    want: &str,
) -> String {
    match lines.next() {
        Some(Ok(l)) if l.starts_with(want) => l,
        other => panic!("{what}: wanted {want:?}, got {other:?}"),
    }
}

#[test]
fn fifty_console_and_event_clients_and_a_sigkilled_proxy() {
    let tmp = tmp_root("oxvirt-proxy-chaos50-");
    let root = tmp.path();
    let q = Qemud::start_in(root);
    let mut p = Proxyd::start_in(root);
    // 7 VMs x 4 consoles: 25 console clients; 25 event clients
    for v in 0..7 {
        let name = format!("ch{v}");
        let xml = root.join(format!("{name}.xml"));
        std::fs::write(&xml, four_consoles(&name)).unwrap();
        q.virsh(&["define", xml.to_str().unwrap()]).ok();
        q.virsh(&["start", &name]).ok();
    }
    let pids_before: Vec<u32> = {
        let mut v: Vec<u32> = q.qemus().iter().map(|p| p.pid).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(pids_before.len(), 7);
    let uri = p.uri("qemu");
    let mut clients = Vec::new();
    for i in 0..50 {
        let mut c = command("/usr/bin/python3");
        c.args(["-c", CHAOS50_PY, &uri]);
        let what = if i < 25 {
            let (dom, dev) = (format!("ch{}", i / 4), format!("serial{}", i % 4));
            c.args(["console", &dom, &dev]);
            format!("console {dom} {dev}")
        } else {
            c.arg("events");
            format!("events {i}")
        };
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        clients.push((what, child, lines));
    }
    for (what, _, lines) in &mut clients {
        expect_line(what, lines, "ready");
    }
    p.sigkill();
    // every client sees its connection end cleanly: a close callback or a stream error
    for (what, _, lines) in &mut clients {
        let l = expect_line(what, lines, "lost ");
        assert!(
            l.starts_with("lost closed ") || l.starts_with("lost error: ") || l == "lost eof",
            "{what}: {l}"
        );
    }
    // the VMs felt nothing
    let mut pids_after: Vec<u32> = q.qemus().iter().map(|p| p.pid).collect();
    pids_after.sort_unstable();
    assert_eq!(pids_after, pids_before);
    for v in 0..7 {
        assert_eq!(q.domstate(&format!("ch{v}")), "running (booted)");
    }
    // a new proxy: every client connects again (consoles and event registrations)
    let _p = Proxyd::start_in(root);
    for (what, child, mut lines) in clients {
        expect_line(&what, &mut lines, "reconnected");
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for v in 0..7 {
        q.virsh(&["destroy", &format!("ch{v}")]).ok();
    }
}

/// Run `script` with `sh -c` in a new mount namespace whose `/run` is a private tmpfs (with
/// an empty `/run/libvirt`) and `/root` another (ssh keeps its known hosts there): nothing the
/// host has there is seen or touched.
fn in_private_run(script: &str, envs: &[(&str, &Path)]) -> std::process::Output {
    let mut c = command("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-ec"])
        .arg(format!(
            "mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /root; mkdir -p /run/libvirt; {script}"
        ))
        .stdin(Stdio::null());
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn socket_activation_and_virsh_without_a_uri() {
    let tmp = tmp_root("oxvirt-proxy-act-");
    let root = tmp.path();
    let q = Qemud::start_in(root);
    let xml = root.join("px1.xml");
    std::fs::write(&xml, DOMAIN).unwrap();
    q.virsh(&["define", xml.to_str().unwrap()]).ok();
    // systemd-socket-activate binds libvirt's legacy sockets, starts the proxy on the first
    // connection and hands them over; stock virsh with no URI (Debian's client: legacy
    // libvirt-sock, an empty name, the proxy probes qemud) lists the root's domain
    let out = in_private_run(
        r#"
        systemd-socket-activate -l /run/libvirt/libvirt-sock -l /run/libvirt/libvirt-sock-ro \
            -l /run/libvirt/libvirt-admin-sock \
            --fdname=virtproxyd.socket:virtproxyd-ro.socket:virtproxyd-admin.socket \
            "$PROXYD" --root "$ROOT" --libvirt-paths --timeout 30 2>"$ROOT/activated.log" &
        act=$!
        i=0; while [ ! -S /run/libvirt/libvirt-sock ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
        echo "before: $(cat /proc/$act/comm)"
        echo "uri: $(virsh uri)"
        echo "names: $(virsh list --all --name | tr -d '\n')"
        echo "ro: $(virsh -r list --all --name | tr -d '\n')"
        echo "after: $(cat /proc/$act/comm)"
        kill $act
        "#,
        &[("PROXYD", &binary("oxvirt-proxyd")), ("ROOT", root)],
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let log = std::fs::read_to_string(root.join("activated.log")).unwrap_or_default();
    assert!(out.status.success(), "{text}\n{err}\n{log}");
    assert!(text.contains("uri: qemu:///system"), "{text}\n{err}\n{log}");
    assert!(text.contains("names: px1"), "{text}\n{err}\n{log}");
    assert!(text.contains("ro: px1"), "{text}\n{err}\n{log}");
    // started on the first connection, not before
    assert!(text.contains("before: systemd-socket-"), "{text}");
    assert!(text.contains("after: oxvirt-proxyd"), "{text}");
}

/// One client of the chaos test on `argv[1]`: "events" holds a pool event registration and
/// waits for its connection to close; "download" downloads the volume `pp/big` again and
/// again. Prints "ready" once it is at work, then how it ended ("closed REASON" or
/// "error: MESSAGE"), and exits 0.
const CHAOS_PY: &str = r#"
import sys, signal, libvirt
signal.alarm(180)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
if sys.argv[2] == "events":
    state = {"closed": None}
    def on_close(conn, reason, opaque):
        state["closed"] = reason
    c.registerCloseCallback(on_close, None)
    c.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                                  lambda *a: None, None)
    print("ready", flush=True)
    while state["closed"] is None:
        libvirt.virEventRunDefaultImpl()
    print("closed", state["closed"], flush=True)
else:
    v = c.storagePoolLookupByName("pp").storageVolLookupByName("big")
    ready = False
    try:
        while True:
            st = c.newStream(0)
            v.download(st, 0, 0, 0)
            while True:
                d = st.recv(262144)
                if isinstance(d, int):
                    continue
                if not d:
                    break
                if not ready:
                    print("ready", flush=True)
                    ready = True
            st.finish()
    except libvirt.libvirtError as e:
        print("error:", e, flush=True)
"#;

#[test]
fn sigkill_of_the_proxy_under_streaming_clients() {
    let tmp = tmp_root("oxvirt-proxy-chaos-");
    let root = tmp.path();
    let s = Storaged::start_in_without_default(root);
    let mut p = Proxyd::start_in(root);
    let st = p.uri("storage");
    dir_pool(&st, root);
    virsh(&st, &["vol-create-as", "pp", "big", "64M"]).ok();

    // 8 clients holding events, 8 downloading, all through the proxy
    let mut clients = Vec::new();
    for i in 0..16 {
        let mode = if i % 2 == 0 { "events" } else { "download" };
        let mut c = command("/usr/bin/python3")
            .args(["-c", CHAOS_PY, &st, mode])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(c.stdout.take().unwrap()).lines();
        clients.push((mode, c, lines));
    }
    for (mode, c, lines) in &mut clients {
        match lines.next() {
            Some(Ok(l)) if l == "ready" => {}
            other => {
                let _ = c.kill();
                panic!("a {mode} client did not start: {other:?}");
            }
        }
    }
    p.sigkill();
    // every client sees its connection end, says how, and exits on its own
    for (mode, c, lines) in clients {
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{mode}: {rest:?} {err}");
        let want = if mode == "events" {
            "closed "
        } else {
            "error: "
        };
        assert!(
            rest.iter().any(|l| l.starts_with(want)),
            "{mode}: {rest:?} {err}"
        );
    }
    // storaged felt nothing; a new proxy serves the clients that come back
    assert_eq!(s.virsh(&["pool-list", "--name"]).ok().trim(), "pp");
    let p = Proxyd::start_in(root);
    let st = p.uri("storage");
    assert_eq!(virsh(&st, &["pool-list", "--name"]).ok().trim(), "pp");
    let down = root.join("down.bin");
    virsh(
        &st,
        &[
            "vol-download",
            "big",
            down.to_str().unwrap(),
            "--pool",
            "pp",
        ],
    )
    .ok();
    assert_eq!(std::fs::metadata(&down).unwrap().len(), 64 << 20);
}

/// The remote end of `qemu+ssh://`: a private sshd on the loopback address (keys made here),
/// and the proxy on libvirt's paths, in the namespace of [`in_private_run`]; then the stock
/// client. Prints what virsh saw.
const SSH_SCRIPT: &str = r#"
ssh-keygen -q -t ed25519 -N '' -f "$SSH/id"
ssh-keygen -q -t ed25519 -N '' -f "$SSH/hostkey"
cp "$SSH/id.pub" "$SSH/authorized_keys"
printf '%s\n' "ListenAddress 127.0.0.1" "Port $PORT" "HostKey $SSH/hostkey" \
    "AuthorizedKeysFile $SSH/authorized_keys" "StrictModes no" \
    "PermitRootLogin prohibit-password" "PasswordAuthentication no" \
    "KbdInteractiveAuthentication no" "UsePAM no" "PidFile none" > "$SSH/sshd_config"
mkdir -p /run/sshd
"$PROXYD" --root "$ROOT" --libvirt-paths 2>"$ROOT/proxyd-ssh.log" &
proxy=$!
/usr/sbin/sshd -D -e -f "$SSH/sshd_config" 2>"$SSH/sshd.log" &
sshd=$!
i=0; while ! [ -S /run/libvirt/libvirt-sock ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
uri="qemu+ssh://root@127.0.0.1:$PORT/system?keyfile=$SSH/id&no_verify=1"
i=0; until virsh -c "$uri" version >/dev/null 2>&1 || [ $i -ge 50 ]; do sleep 0.2; i=$((i+1)); done
echo "names: $(virsh -q -c "$uri" list --all --name | tr -d '\n')"
echo "state: $(virsh -q -c "$uri" domstate px1)"
kill $sshd $proxy
wait
"#;

/// `qemu+ssh://root@127.0.0.1:PORT/system` with the stock client: ssh runs libvirt's
/// `virt-ssh-helper` on the remote end, which finds the proxy's `/run/libvirt/libvirt-sock`
/// (legacy mode) and through it qemud.
#[test]
fn qemu_ssh_through_a_private_sshd() {
    assert!(
        Path::new("/usr/sbin/sshd").exists() && Path::new("/usr/bin/virt-ssh-helper").exists(),
        "needs openssh-server and virt-ssh-helper (scripts/install-deps)"
    );
    let tmp = tmp_root("oxvirt-proxy-ssh-");
    let root = tmp.path();
    let q = Qemud::start_in(root);
    let xml = root.join("px1.xml");
    std::fs::write(&xml, DOMAIN).unwrap();
    q.virsh(&["define", xml.to_str().unwrap()]).ok();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let ssh = root.join("ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let out = in_private_run(
        SSH_SCRIPT,
        &[
            ("PROXYD", &binary("oxvirt-proxyd")),
            ("ROOT", root),
            ("SSH", &ssh),
            ("PORT", Path::new(&port)),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let sshd = std::fs::read_to_string(ssh.join("sshd.log")).unwrap_or_default();
    assert!(text.contains("names: px1"), "{text}\n{err}\n{sshd}");
    assert!(text.contains("state: shut off"), "{text}\n{err}\n{sshd}");
    // through sshd, and through the proxy
    assert!(sshd.contains("Accepted publickey for root"), "{sshd}");
    let log = std::fs::read_to_string(root.join("proxyd-ssh.log")).unwrap_or_default();
    assert!(log.contains("oxvirt-proxyd ready"), "{log}");
}
