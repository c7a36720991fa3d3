//! Connection URIs: which daemon socket a `qemu:///…` URI means, what name goes in
//! CONNECT_OPEN, and embedded roots (`qemu:///embed?root=DIR`).
//!
//! As libvirt's client does, the transport (`+unix`) and the parameters the client consumes
//! (`socket`) are stripped from the name sent to the daemon; other parameters are kept.

use std::path::PathBuf;

use crate::Error;

/// What a URI asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A daemon on a UNIX socket.
    Daemon {
        /// Sockets to try, in order (the first that exists is used).
        sockets: Vec<PathBuf>,
        /// The name sent in CONNECT_OPEN (`qemu:///system`).
        open_name: String,
    },
    /// The QEMU driver in this process, all state under `root`.
    Embedded { root: PathBuf },
}

/// Parse a connection URI.
pub fn parse(uri: &str) -> Result<Target, Error> {
    let bad = |why: &str| Error::Uri {
        uri: uri.to_owned(),
        reason: why.to_owned(),
    };
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| bad("expected DRIVER[+TRANSPORT]://[HOST]/PATH"))?;
    let (driver, transport) = match scheme.split_once('+') {
        Some((d, t)) => (d, Some(t)),
        None => (scheme, None),
    };
    if !driver.eq_ignore_ascii_case("qemu") {
        return Err(bad("only qemu:// URIs are supported"));
    }
    if let Some(t) = transport {
        if !t.eq_ignore_ascii_case("unix") {
            return Err(bad(&format!(
                "transport '{t}' is not supported here (only unix; remote access goes through oxvirt-proxyd)"
            )));
        }
    }
    let (host_path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, path) = match host_path.find('/') {
        Some(i) => (&host_path[..i], &host_path[i..]),
        None => (host_path, ""),
    };
    if !host.is_empty() && host != "localhost" {
        return Err(bad(
            "remote hosts are not supported (only local UNIX sockets)",
        ));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        params.push((decode(k), decode(v)));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let path = path.trim_end_matches('/');
    match path {
        "/embed" => {
            let root = param("root").ok_or_else(|| bad("qemu:///embed needs ?root=DIR"))?;
            if root.is_empty() {
                return Err(bad("qemu:///embed needs a non-empty root"));
            }
            Ok(Target::Embedded {
                root: PathBuf::from(root),
            })
        }
        "/system" | "/session" => {
            let sockets = match param("socket") {
                Some(s) => vec![PathBuf::from(s)],
                None if path == "/system" => default_system_sockets(),
                None => default_session_sockets(),
            };
            let kept: Vec<String> = params
                .iter()
                .filter(|(k, _)| !CONSUMED.contains(&k.as_str()))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let mut open_name = format!("qemu://{path}");
            if !kept.is_empty() {
                open_name.push('?');
                open_name.push_str(&kept.join("&"));
            }
            // `?name=X` names the driver URI to send, verbatim (as libvirt's client does)
            if let Some(n) = param("name") {
                open_name = n;
            }
            Ok(Target::Daemon { sockets, open_name })
        }
        _ => Err(bad("the path must be /system, /session or /embed?root=DIR")),
    }
}

/// Parameters the client itself uses, never sent to the daemon.
const CONSUMED: &[&str] = &["socket", "mode", "no_tty", "no_verify", "auth", "name"];

/// oxvirt-qemud's system socket first, then libvirt's (modular daemon, then libvirtd).
fn default_system_sockets() -> Vec<PathBuf> {
    vec![
        "/run/oxvirt/qemud-sock".into(),
        "/run/libvirt/virtqemud-sock".into(),
        "/run/libvirt/libvirt-sock".into(),
    ]
}

fn default_session_sockets() -> Vec<PathBuf> {
    let run = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", current_uid())));
    vec![
        run.join("oxvirt/qemud-sock"),
        run.join("libvirt/virtqemud-sock"),
        run.join("libvirt/libvirt-sock"),
    ]
}

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
}

/// The embedded URI of a root directory.
pub fn embedded(root: &std::path::Path) -> String {
    format!("qemu:///embed?root={}", encode(&root.display().to_string()))
}

/// Percent-decoding (invalid escapes are kept as they are).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding of what would end or split a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '&' | '?' | '#' | ' ' | '+' | '=' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daemon(uri: &str) -> (Vec<PathBuf>, String) {
        match parse(uri).unwrap() {
            Target::Daemon { sockets, open_name } => (sockets, open_name),
            t => panic!("{uri}: {t:?}"),
        }
    }

    #[test]
    fn unix_socket_uris_send_the_driver_uri() {
        let (s, n) = daemon("qemu+unix:///system?socket=/tmp/x/sock");
        assert_eq!(s, vec![PathBuf::from("/tmp/x/sock")]);
        assert_eq!(n, "qemu:///system");
        let (_, n) = daemon("qemu+unix:///system?socket=/s&foo=bar");
        assert_eq!(n, "qemu:///system?foo=bar");
        let (s, n) = daemon("qemu:///system");
        assert_eq!(s[0], PathBuf::from("/run/oxvirt/qemud-sock"));
        assert_eq!(s[2], PathBuf::from("/run/libvirt/libvirt-sock"));
        assert_eq!(n, "qemu:///system");
        let (_, n) = daemon("qemu:///session");
        assert_eq!(n, "qemu:///session");
        let (_, n) = daemon("qemu+unix:///system?socket=/s&name=qemu:///session");
        assert_eq!(n, "qemu:///session");
    }

    #[test]
    fn embedded_roots_round_trip() {
        let root = std::path::Path::new("/tmp/a dir/with&odd=chars");
        match parse(&embedded(root)).unwrap() {
            Target::Embedded { root: r } => assert_eq!(r, root),
            t => panic!("{t:?}"),
        }
        assert_eq!(
            parse("qemu:///embed?root=/x").unwrap(),
            Target::Embedded { root: "/x".into() }
        );
    }

    #[test]
    fn unsupported_uris_say_why() {
        for (uri, why) in [
            ("test:///default", "only qemu://"),
            ("qemu+tcp://host/system", "transport 'tcp'"),
            ("qemu://otherhost/system", "remote hosts"),
            ("qemu:///embed", "needs ?root"),
            ("qemu:///embed?root=", "non-empty"),
            ("qemu:///nothing", "the path must be"),
            ("qemu", "expected"),
        ] {
            let e = parse(uri).unwrap_err().to_string();
            assert!(e.contains(why), "{uri}: {e}");
            assert!(e.contains(uri), "{uri}: {e}");
        }
    }

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(decode("a%20b"), "a b");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%é1"), "%é1");
    }
}
