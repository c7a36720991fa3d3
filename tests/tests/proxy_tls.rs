//! `oxvirt-proxyd --listen`: TLS as libvirt's virtproxyd serves it. The test makes a CA, a
//! server certificate and client certificates with openssl in libvirt's client layout (a
//! `pkipath=` directory: nothing in /etc is touched), configures `ROOT/etc/proxyd.conf` with
//! libvirt's keys, and drives stock virsh and python3-libvirt over
//! `qemu+tls://localhost:PORT/system`: domains, a guest's console, events, a volume upload and
//! download through storaged; a client whose DN is not in `tls_allowed_dn_list` and a client
//! certificate of another CA are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use oxvirt_e2e::pki::MAKE_CERTS;
use oxvirt_e2e::proxyd::{dir_pool, volume_round_trip, Proxyd, EVENTS_PY};
use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::{command, guest_xml, python, python_console_roundtrip, virsh, Qemud};

const DOMAIN: &str =
    "<domain type='qemu'><name>px1</name><memory>65536</memory><os><type>hvm</type></os></domain>";

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn tls_uri(driver: &str, port: u16, pki: &Path) -> String {
    format!(
        "{driver}+tls://localhost:{port}/system?pkipath={}",
        pki.display()
    )
}

#[test]
fn virsh_and_python_over_tls() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-proxy-tls-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let pki = root.join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    let made = command("sh")
        .args(["-c", MAKE_CERTS])
        .current_dir(&pki)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let port = free_port();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/proxyd.conf"),
        format!(
            "# libvirt's keys\nlisten_tls = 1\nlisten_addr = \"127.0.0.1\"\ntls_port = \"{port}\"\n\
             key_file = \"{p}/server.key\"\ncert_file = \"{p}/server.pem\"\n\
             ca_file = \"{p}/ca/cacert.pem\"\n\
             tls_allowed_dn_list = [\"C=GB,O=oxvirt test,CN=allowed\", \"CN=nobody\"]\n",
            p = pki.display()
        ),
    )
    .unwrap();
    let _s = Storaged::start_in_without_default(root);
    let q = Qemud::start_in(root);
    let p = Proxyd::start_in_with(root, &["--listen"]);
    let allowed = pki.join("pki-allowed");
    let uri = tls_uri("qemu", port, &allowed);

    // domains
    let xml = root.join("px1.xml");
    std::fs::write(&xml, DOMAIN).unwrap();
    virsh(&uri, &["define", xml.to_str().unwrap()]).ok();
    assert_eq!(virsh(&uri, &["list", "--all", "--name"]).ok().trim(), "px1");
    assert_eq!(
        virsh(&uri, &["dumpxml", "px1"]).ok(),
        q.virsh(&["dumpxml", "px1"]).ok()
    );
    // events (python3-libvirt)
    let r = python(EVENTS_PY, &[&uri, xml.to_str().unwrap()]);
    let out = r.ok();
    assert!(
        out.contains("event px1 0") && out.contains("event px1 1"),
        "{out}"
    );

    // a volume upload and download through storaged
    let st = tls_uri("storage", port, &allowed);
    let pool_dir = dir_pool(&st, root);
    volume_round_trip(&st, root, &pool_dir, 2);

    // a guest started and its console, over TLS
    let serial = root.join("serial.log");
    let gxml = root.join("pxtls.xml");
    std::fs::write(&gxml, guest_xml("pxtls", &serial)).unwrap();
    virsh(&uri, &["define", gxml.to_str().unwrap()]).ok();
    virsh(&uri, &["start", "pxtls"]).ok();
    python_console_roundtrip(&uri, "pxtls", false);
    virsh(&uri, &["destroy", "pxtls"]).ok();

    // a DN not on tls_allowed_dn_list: libvirt's client reports the missing confirmation
    let e = virsh(&tls_uri("qemu", port, &pki.join("pki-stranger")), &["list"]);
    assert!(
        e.err()
            .contains("server verification (of our certificate or IP address) failed"),
        "{e:?}"
    );
    // a certificate of a CA the server does not trust: no session at all
    let e = virsh(&tls_uri("qemu", port, &pki.join("pki-wrong")), &["list"]);
    assert!(
        e.err().contains("failed to connect to the hypervisor"),
        "{e:?}"
    );
    let log = p.log();
    assert!(
        log.contains("is not on the list of allowed clients (tls_allowed_dn_list): C=GB,O=oxvirt test,CN=stranger"),
        "{log}"
    );
    assert!(log.contains("handshake"), "{log}");
}
