//! A running VM's API (issue 16, statistics, tuning, metadata and the small calls): virsh and
//! python3-libvirt against a running TCG guest on oxvirt and on a private libvirtd 9.0 with the
//! same guest, outputs compared; and the procedure table: no QEMU-driver procedure answers
//! "unknown procedure".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::Qemud;
use oxvirt_proto::procedures::{remote_proc as rp, Program, ServedBy};
use oxvirt_proto::remote::{AuthListRet, ConnectOpenArgs};
use oxvirt_rpc::{Client, ClientError};

/// Every call of the hypervisor daemon's share of the table (the QEMU driver's procedures and
/// the few libvirt's QEMU driver lacks), sent with an empty body to a real daemon, answers
/// something else than "unknown procedure": its handler (a decoding error for a call with
/// arguments) or VIR_ERR_NO_SUPPORT with the API's name.
#[tokio::test]
async fn no_qemu_driver_procedure_is_unknown() {
    let d = Qemud::start();
    let c = Client::connect(&d.socket()).await.unwrap().0;
    let _: AuthListRet = c
        .call(Program::Remote.number(), rp::AUTH_LIST, &())
        .await
        .unwrap();
    let () = c
        .call(
            Program::Remote.number(),
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some("qemu:///system".into()),
                flags: 0,
            },
        )
        .await
        .unwrap();
    let mut asked = 0;
    let mut no_support = 0;
    for program in [Program::Remote, Program::Qemu, Program::Lxc] {
        for p in program.procedures() {
            if p.event || p.api_name.is_none() || p.served_by() != ServedBy::Qemu {
                continue;
            }
            asked += 1;
            match c
                .call_raw(program.number(), p.number, Vec::new(), Vec::new())
                .await
            {
                Ok(_) => {}
                Err(ClientError::Remote(e)) => {
                    assert!(
                        !e.message.contains("unknown procedure"),
                        "{}: {}",
                        p.constant_name(),
                        e.message
                    );
                    if e.code == 3 {
                        no_support += 1;
                        assert_eq!(
                            e.message,
                            format!(
                                "this function is not supported by the connection driver: {}",
                                p.api_name.unwrap_or_default()
                            )
                        );
                    }
                }
                Err(other) => panic!("{}: {other:?}", p.constant_name()),
            }
        }
    }
    assert!(asked > 240, "{asked}");
    assert!(no_support < asked, "{no_support} of {asked}");
}
