//! The network driver's calls without a daemon: the state machine of define / start / destroy /
//! undefine, libvirt's refusals, and the state a new driver finds on disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_daemon::Paths;
use oxvirt_network::calls::{self, list_flags};
use oxvirt_network::host::HostNetwork;
use oxvirt_network::wire::*;
use oxvirt_network::{NetworkDriver, NetworkError};

const NAT: &str = "<network><name>n1</name><uuid>0d7b6b1e-aaaa-4bbb-8ccc-000000000001</uuid><forward mode='nat'/><ip address='10.1.0.1' prefix='24'/></network>";
const ISO: &str =
    "<network><name>n2</name><uuid>0d7b6b1e-aaaa-4bbb-8ccc-000000000002</uuid></network>";

fn xml(x: &str) -> NetworkXmlFlagsArgs {
    NetworkXmlFlagsArgs {
        xml: x.into(),
        flags: 0,
    }
}

fn names(d: &NetworkDriver, flags: u32) -> Vec<String> {
    calls::list_all(
        d,
        ConnectListAllNetworksArgs {
            need_results: 1,
            flags,
        },
    )
    .unwrap()
    .nets
    .into_iter()
    .map(|n| n.name)
    .collect()
}

#[test]
fn lifecycle_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    let d = NetworkDriver::new(&paths, false, HostNetwork::Off).unwrap();
    let n1 = calls::define_xml(&d, xml(NAT)).unwrap().net;
    let n2 = calls::define_xml(&d, xml(ISO)).unwrap().net;
    // the generated bridge names skip each other
    let b1 = calls::get_bridge_name(&d, NetworkArgs { net: n1.clone() }).unwrap();
    let b2 = calls::get_bridge_name(&d, NetworkArgs { net: n2.clone() }).unwrap();
    assert_eq!((b1.value.as_str(), b2.value.as_str()), ("virbr0", "virbr1"));
    calls::create(&d, NetworkArgs { net: n1.clone() }).unwrap();
    assert!(matches!(
        calls::create(&d, NetworkArgs { net: n1.clone() }),
        Err(NetworkError::OperationInvalid(m)) if m == "network is already active"
    ));
    assert_eq!(names(&d, list_flags::ACTIVE), vec!["n1"]);
    assert_eq!(names(&d, list_flags::INACTIVE), vec!["n2"]);
    // redefining an active network changes its next start only
    let changed = NAT.replace("10.1.0.1", "10.2.0.1");
    calls::define_xml(&d, xml(&changed)).unwrap();
    let live = calls::get_xml_desc(
        &d,
        NetworkGetXmlDescArgs {
            net: n1.clone(),
            flags: 0,
        },
    )
    .unwrap()
    .value;
    let inactive = calls::get_xml_desc(
        &d,
        NetworkGetXmlDescArgs {
            net: n1.clone(),
            flags: calls::XML_INACTIVE,
        },
    )
    .unwrap()
    .value;
    assert!(live.contains("10.1.0.1") && inactive.contains("10.2.0.1"));
    // same name, other UUID; same UUID, other name
    let other_uuid = NAT.replace("000000000001", "000000000009");
    assert!(matches!(
        calls::define_xml(&d, xml(&other_uuid)),
        Err(NetworkError::OperationFailed(m)) if m == "network 'n1' already exists with uuid 0d7b6b1e-aaaa-4bbb-8ccc-000000000001"
    ));
    let other_name = NAT.replace("<name>n1<", "<name>n9<");
    assert!(matches!(
        calls::define_xml(&d, xml(&other_name)),
        Err(NetworkError::OperationFailed(m)) if m == "network 'n1' is already defined with uuid 0d7b6b1e-aaaa-4bbb-8ccc-000000000001"
    ));
    // undefine while active: transient until destroyed, then gone
    calls::undefine(&d, NetworkArgs { net: n1.clone() }).unwrap();
    assert_eq!(names(&d, list_flags::TRANSIENT), vec!["n1"]);
    assert!(matches!(
        calls::set_autostart(
            &d,
            NetworkSetAutostartArgs {
                net: n1.clone(),
                autostart: 1
            }
        ),
        Err(NetworkError::OperationInvalid(_))
    ));
    calls::destroy(&d, NetworkArgs { net: n1.clone() }).unwrap();
    assert_eq!(names(&d, 0), vec!["n2"]);
    assert!(matches!(
        calls::destroy(&d, NetworkArgs { net: n2.clone() }),
        Err(NetworkError::OperationInvalid(m)) if m == "network 'n2' is not active"
    ));
    assert!(matches!(
        calls::lookup_by_name(&d, NetworkLookupByNameArgs { name: "n1".into() }),
        Err(NetworkError::NoNetwork(m)) if m == "no network with matching name 'n1'"
    ));
    assert!(calls::define_xml(
        &d,
        NetworkXmlFlagsArgs {
            xml: ISO.into(),
            flags: 2
        }
    )
    .is_err());
}

#[test]
fn a_new_driver_finds_the_state_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    {
        let d = NetworkDriver::new(&paths, false, HostNetwork::Off).unwrap();
        let n1 = calls::define_xml(&d, xml(NAT)).unwrap().net;
        calls::define_xml(&d, xml(ISO)).unwrap();
        calls::set_autostart(
            &d,
            NetworkSetAutostartArgs {
                net: n1.clone(),
                autostart: 1,
            },
        )
        .unwrap();
        calls::create(&d, NetworkArgs { net: n1 }).unwrap();
        let t = ISO
            .replace("n2", "t3")
            .replace("000000000002", "000000000003");
        calls::create_xml(&d, xml(&t)).unwrap();
        // dropped without any shutdown step, as a SIGKILL would leave it
    }
    let d = NetworkDriver::new(&paths, false, HostNetwork::Off).unwrap();
    assert_eq!(names(&d, list_flags::ACTIVE), vec!["n1", "t3"]);
    assert_eq!(names(&d, list_flags::PERSISTENT), vec!["n1", "n2"]);
    assert_eq!(names(&d, list_flags::AUTOSTART), vec!["n1"]);
    assert_eq!(d.active_count(), 2);
}
