//! Tests of the procedure table: numbers, names, ACL checks and read-only policy.

use super::*;
use std::collections::HashSet;

const REMOTE: u32 = 0x2000_8086;
const QEMU: u32 = 0x2000_8087;
const LXC: u32 = 0x0006_8000;
const ADMIN: u32 = 0x0690_0690;

fn remote(name: &str) -> &'static ProcedureInfo {
    match by_name(Program::Remote, name) {
        Some(info) => info,
        None => panic!("no REMOTE procedure {name}"),
    }
}

#[test]
fn table_sizes() {
    assert_eq!(REMOTE_PROCEDURES.len(), 443);
    assert_eq!(QEMU_PROCEDURES.len(), 7);
    assert_eq!(LXC_PROCEDURES.len(), 1);
    assert_eq!(ADMIN_PROCEDURES.len(), 19);
}

#[test]
fn numbering_is_dense_sorted_and_unique() {
    for program in Program::ALL {
        let table = program.procedures();
        let mut numbers = HashSet::new();
        let mut names = HashSet::new();
        for (i, info) in table.iter().enumerate() {
            assert_eq!(info.program, program);
            assert_eq!(info.number as usize, i + 1, "{}", info.name);
            assert!(numbers.insert(info.number), "duplicate {}", info.number);
            assert!(names.insert(info.name), "duplicate {}", info.name);
            assert_eq!(procedure(program, info.number), Some(info));
            assert_eq!(by_name(program, info.name), Some(info));
            assert_eq!(by_name(program, &info.constant_name()), Some(info));
        }
        assert_eq!(procedure(program, 0), None);
        assert_eq!(procedure(program, -1), None);
        assert_eq!(procedure(program, table.len() as i32 + 1), None);
    }
    assert_eq!(
        remote_procedure(443).map(|p| p.name),
        Some("DOMAIN_FD_ASSOCIATE")
    );
    assert_eq!(remote_procedure(444), None);
    assert_eq!(by_name(Program::Remote, "NO_SUCH_CALL"), None);
}

#[test]
fn constants() {
    assert_eq!(remote_proc::CONNECT_OPEN, 1);
    assert_eq!(remote_proc::NODE_GET_INFO, 6);
    assert_eq!(remote_proc::DOMAIN_LOOKUP_BY_NAME, 23);
    assert_eq!(remote_proc::AUTH_LIST, 66);
    assert_eq!(remote_proc::DOMAIN_OPEN_CONSOLE, 201);
    assert_eq!(remote_proc::CONNECT_LIST_ALL_DOMAINS, 273);
    assert_eq!(remote_proc::DOMAIN_FD_ASSOCIATE, 443);
    assert_eq!(qemu_proc::DOMAIN_MONITOR_COMMAND, 1);
    assert_eq!(qemu_proc::DOMAIN_MONITOR_COMMAND_WITH_FILES, 7);
    assert_eq!(lxc_proc::DOMAIN_OPEN_NAMESPACE, 1);
    assert_eq!(admin_proc::CONNECT_SET_DAEMON_TIMEOUT, 19);
}

#[test]
fn programs() {
    for program in Program::ALL {
        assert_eq!(Program::from_number(program.number()), Some(program));
    }
    assert_eq!(Program::from_number(REMOTE), Some(Program::Remote));
    assert_eq!(Program::from_number(QEMU), Some(Program::Qemu));
    assert_eq!(Program::from_number(LXC), Some(Program::Lxc));
    assert_eq!(Program::from_number(ADMIN), Some(Program::Admin));
    assert_eq!(Program::from_number(0x6b65_6570), None);
}

#[test]
fn acl_data_is_well_formed() {
    for program in Program::ALL {
        for info in program.procedures() {
            if let Some(first) = info.acl.first() {
                // libvirt checks one object type per call.
                assert!(
                    info.acl.iter().all(|p| p.object == first.object),
                    "{}",
                    info.name
                );
            }
            for p in info.acl.iter().chain(info.acl_filter.iter()) {
                assert!(!p.object.is_empty() && !p.perm.is_empty(), "{}", info.name);
                assert!(!(p.flag_condition.is_some() && p.param_condition.is_some()));
                if let Some(cond) = p.flag_condition {
                    for name in cond.trim_start_matches('!').split('|') {
                        assert!(acl_constant(name).is_some(), "{}: {name}", info.name);
                    }
                }
                if let Some((_, value)) = p.param_condition {
                    assert!(acl_constant(value.trim_start_matches('!')).is_some());
                }
            }
            if let Some(filter) = info.acl_filter {
                assert!(!filter.is_conditional());
            }
            // Only the REMOTE program's events and auth calls have no API.
            if info.api_name.is_none() {
                assert!(
                    info.event || info.name.starts_with("AUTH_"),
                    "{}",
                    info.name
                );
            }
            if info.event {
                assert!(info.acl.is_empty(), "{}", info.name);
                assert_eq!(info.api_name, None);
            }
            assert_eq!(info.stream.has_stream(), info.stream_arg.is_some());
        }
    }
    assert!(ADMIN_PROCEDURES.iter().all(|p| p.acl.is_empty()));
    let events = REMOTE_PROCEDURES.iter().filter(|p| p.event).count();
    assert_eq!(events, 51);
    assert!(QEMU_PROCEDURES[5].event);
}

#[test]
fn spot_checks() {
    let auth = remote("AUTH_LIST");
    assert_eq!(auth.number, 66);
    assert!(auth.acl.is_empty());
    assert_eq!(auth.priority, Priority::High);
    assert_eq!(auth.api_name, None);
    assert!(!auth.event);

    let console = remote("DOMAIN_OPEN_CONSOLE");
    assert_eq!(console.number, 201);
    assert_eq!(console.stream, StreamDirection::Duplex);
    assert_eq!(console.stream_arg, Some(2));
    assert!(console.stream.server_sends() && console.stream.client_sends());
    assert_eq!(console.acl, &[perm("domain", "open_device")]);
    assert_eq!(
        remote("DOMAIN_OPEN_CHANNEL").stream,
        StreamDirection::Duplex
    );

    let download = remote("STORAGE_VOL_DOWNLOAD");
    assert_eq!(download.number, 209);
    assert_eq!(download.stream, StreamDirection::Read);
    assert_eq!(download.stream_arg, Some(1));
    assert!(!download.stream.client_sends());

    let upload = remote("STORAGE_VOL_UPLOAD");
    assert_eq!(upload.number, 208);
    assert_eq!(upload.stream, StreamDirection::Write);
    assert!(!upload.stream.server_sends());

    assert_eq!(remote("DOMAIN_SCREENSHOT").stream, StreamDirection::Read);
    assert_eq!(
        remote("DOMAIN_MIGRATE_PREPARE_TUNNEL3").stream,
        StreamDirection::Write
    );
    assert_eq!(remote("DOMAIN_GET_INFO").stream, StreamDirection::None);
    let streams = REMOTE_PROCEDURES
        .iter()
        .filter(|p| p.stream.has_stream())
        .count();
    assert_eq!(streams, 7);

    let xml = remote("DOMAIN_GET_XML_DESC");
    assert_eq!(xml.number, 14);
    assert_eq!(xml.acl.len(), 3);
    assert_eq!(
        xml.acl[1],
        perm_if("domain", "read_secure", "VIR_DOMAIN_XML_SECURE")
    );

    let list = remote("CONNECT_LIST_ALL_DOMAINS");
    assert_eq!(list.acl, &[perm("connect", "search_domains")]);
    assert_eq!(list.acl_filter, Some(perm("domain", "getattr")));
    assert_eq!(list.priority, Priority::High);

    let addrs = remote("DOMAIN_INTERFACE_ADDRESSES");
    assert_eq!(
        addrs.acl[1].param_condition,
        Some(("source", "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT"))
    );

    assert_eq!(remote("DOMAIN_DESTROY").priority, Priority::High);
    assert_eq!(remote("CONNECT_GET_CAPABILITIES").priority, Priority::Low);
    assert!(remote("DOMAIN_EVENT_LIFECYCLE").event);
    assert!(!remote("CONNECT_DOMAIN_EVENT_REGISTER_ANY").event);
    assert!(!remote("DOMAIN_GET_PERF_EVENTS").event);
}

#[test]
fn api_names() {
    let cases = [
        ("DOMAIN_DESTROY", "virDomainDestroy"),
        ("NODE_GET_INFO", "virNodeGetInfo"),
        ("CONNECT_LIST_ALL_DOMAINS", "virConnectListAllDomains"),
        ("DOMAIN_GET_XML_DESC", "virDomainGetXMLDesc"),
        ("DOMAIN_LOOKUP_BY_UUID", "virDomainLookupByUUID"),
        ("DOMAIN_LOOKUP_BY_ID", "virDomainLookupByID"),
        ("CONNECT_GET_URI", "virConnectGetURI"),
        ("DOMAIN_GET_OS_TYPE", "virDomainGetOSType"),
        ("NODE_GET_CPU_STATS", "virNodeGetCPUStats"),
        (
            "DOMAIN_PM_SUSPEND_FOR_DURATION",
            "virDomainPMSuspendForDuration",
        ),
        ("DOMAIN_INJECT_NMI", "virDomainInjectNMI"),
        ("DOMAIN_FSTRIM", "virDomainFSTrim"),
        ("DOMAIN_GET_FSINFO", "virDomainGetFSInfo"),
        ("DOMAIN_PIN_IOTHREAD", "virDomainPinIOThread"),
        (
            "NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN",
            "virNodeDeviceLookupSCSIHostByWWN",
        ),
        ("NETWORK_GET_DHCP_LEASES", "virNetworkGetDHCPLeases"),
        ("NWFILTER_LOOKUP_BY_NAME", "virNWFilterLookupByName"),
        (
            "CONNECT_LIST_ALL_NWFILTER_BINDINGS",
            "virConnectListAllNWFilterBindings",
        ),
        (
            "INTERFACE_LOOKUP_BY_MAC_STRING",
            "virInterfaceLookupByMACString",
        ),
        (
            "DOMAIN_MIGRATE_PREPARE3_PARAMS",
            "virDomainMigratePrepare3Params",
        ),
        ("DOMAIN_OPEN_GRAPHICS_FD", "virDomainOpenGraphicsFD"),
        ("NODE_GET_SEV_INFO", "virNodeGetSEVInfo"),
        (
            "DOMAIN_AUTHORIZED_SSH_KEYS_GET",
            "virDomainAuthorizedSSHKeysGet",
        ),
        ("DOMAIN_FD_ASSOCIATE", "virDomainFDAssociate"),
        (
            "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY",
            "virConnectDomainEventRegisterAny",
        ),
        ("STORAGE_VOL_CREATE_XML_FROM", "virStorageVolCreateXMLFrom"),
    ];
    for (name, api) in cases {
        assert_eq!(remote(name).api_name, Some(api), "{name}");
    }
    assert_eq!(remote("AUTH_SASL_INIT").api_name, None);
    assert_eq!(remote("DOMAIN_EVENT_CALLBACK_LIFECYCLE").api_name, None);
    let qemu = |n: i32| procedure(Program::Qemu, n).and_then(|p| p.api_name);
    assert_eq!(qemu(1), Some("virDomainQemuMonitorCommand"));
    assert_eq!(qemu(4), Some("virConnectDomainQemuMonitorEventRegister"));
    assert_eq!(qemu(6), None);
    assert_eq!(
        procedure(Program::Lxc, 1).and_then(|p| p.api_name),
        Some("virDomainLxcOpenNamespace")
    );
    let admin = |n: i32| procedure(Program::Admin, n).and_then(|p| p.api_name);
    assert_eq!(admin(1), Some("virAdmConnectOpen"));
    assert_eq!(admin(6), Some("virAdmServerGetThreadPoolParameters"));
    assert_eq!(admin(18), Some("virAdmServerUpdateTlsFiles"));
}

fn ro_ok(name: &str, flags: Option<u32>) -> bool {
    allowed_on_read_only(remote(name), flags)
}

#[test]
fn read_only_decisions() {
    let allowed = [
        "CONNECT_OPEN",
        "CONNECT_CLOSE",
        "AUTH_LIST",
        "CONNECT_GET_TYPE",
        "NODE_GET_INFO",
        "CONNECT_GET_CAPABILITIES",
        "CONNECT_LIST_ALL_DOMAINS",
        "DOMAIN_LOOKUP_BY_NAME",
        "DOMAIN_GET_INFO",
        "DOMAIN_GET_STATE",
        "CONNECT_BASELINE_CPU",
        "CONNECT_COMPARE_CPU",
        "NODE_GET_SECURITY_MODEL",
        "NETWORK_GET_DHCP_LEASES",
        "CONNECT_GET_ALL_DOMAIN_STATS",
        "DOMAIN_GET_JOB_STATS",
        "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY",
        "DOMAIN_EVENT_LIFECYCLE",
        "CONNECT_SET_IDENTITY",
        "DOMAIN_MIGRATE_GET_MAX_DOWNTIME",
        "CONNECT_SUPPORTS_FEATURE",
    ];
    for name in allowed {
        assert!(ro_ok(name, Some(0)), "{name} should be allowed");
        assert!(ro_ok(name, None), "{name} should be allowed");
    }
    let denied = [
        "DOMAIN_DESTROY",
        "DOMAIN_CREATE",
        "DOMAIN_DEFINE_XML",
        "DOMAIN_UNDEFINE_FLAGS",
        "CONNECT_GET_DOMAIN_CAPABILITIES",
        "DOMAIN_GET_HOSTNAME",
        "DOMAIN_OPEN_CONSOLE",
        "DOMAIN_SCREENSHOT",
        "DOMAIN_BLOCK_PEEK",
        "DOMAIN_MEMORY_PEEK",
        "SECRET_GET_VALUE",
        "STORAGE_VOL_DOWNLOAD",
        "DOMAIN_SET_SCHEDULER_PARAMETERS",
        "NODE_DEVICE_GET_AUTOSTART",
        "DOMAIN_GET_LAUNCH_SECURITY_INFO",
        "NETWORK_CREATE",
    ];
    for name in denied {
        assert!(!ro_ok(name, Some(0)), "{name} should be denied");
    }

    // Flag-dependent ones.
    assert!(ro_ok("DOMAIN_GET_XML_DESC", Some(0)));
    assert!(ro_ok("DOMAIN_GET_XML_DESC", Some(2))); // INACTIVE
    assert!(!ro_ok("DOMAIN_GET_XML_DESC", Some(1))); // SECURE
    assert!(!ro_ok("DOMAIN_GET_XML_DESC", Some(8))); // MIGRATABLE
    assert!(!ro_ok("DOMAIN_GET_XML_DESC", None));
    assert!(ro_ok("DOMAIN_GET_VCPUS_FLAGS", Some(1)));
    assert!(!ro_ok("DOMAIN_GET_VCPUS_FLAGS", Some(8)));
    assert!(ro_ok("DOMAIN_SNAPSHOT_GET_XML_DESC", Some(0)));
    assert!(!ro_ok("DOMAIN_SNAPSHOT_GET_XML_DESC", Some(1)));
    assert!(!ro_ok("DOMAIN_CHECKPOINT_GET_XML_DESC", Some(1)));
    assert!(!ro_ok("DOMAIN_MANAGED_SAVE_GET_XML_DESC", Some(1)));
    // DOMAIN_INTERFACE_ADDRESSES depends on `source`: 0 LEASE, 1 AGENT, 2 ARP.
    assert!(ro_ok("DOMAIN_INTERFACE_ADDRESSES", Some(0)));
    assert!(!ro_ok("DOMAIN_INTERFACE_ADDRESSES", Some(1)));
    assert!(ro_ok("DOMAIN_INTERFACE_ADDRESSES", Some(2)));
    // Unconditional write perms decide regardless of flags.
    assert!(!ro_ok("DOMAIN_ATTACH_DEVICE_FLAGS", Some(1)));
    assert!(!ro_ok("DOMAIN_REBOOT", Some(0)));
}

#[test]
fn read_only_args() {
    assert_eq!(
        remote("DOMAIN_GET_XML_DESC").read_only_arg(),
        ReadOnlyArg::Flags
    );
    assert_eq!(
        remote("DOMAIN_GET_VCPUS_FLAGS").read_only_arg(),
        ReadOnlyArg::Flags
    );
    assert_eq!(
        remote("DOMAIN_INTERFACE_ADDRESSES").read_only_arg(),
        ReadOnlyArg::Param("source")
    );
    assert_eq!(remote("DOMAIN_DESTROY").read_only_arg(), ReadOnlyArg::None);
    assert_eq!(
        remote("DOMAIN_ATTACH_DEVICE_FLAGS").read_only_arg(),
        ReadOnlyArg::None
    );
    assert_eq!(remote("NODE_GET_INFO").read_only_arg(), ReadOnlyArg::None);
    let dependent: Vec<&str> = REMOTE_PROCEDURES
        .iter()
        .filter(|p| p.read_only_arg() != ReadOnlyArg::None)
        .map(|p| p.name)
        .collect();
    assert_eq!(
        dependent,
        [
            "DOMAIN_GET_XML_DESC",
            "DOMAIN_SNAPSHOT_GET_XML_DESC",
            "DOMAIN_GET_VCPUS_FLAGS",
            "DOMAIN_INTERFACE_ADDRESSES",
            "DOMAIN_MANAGED_SAVE_GET_XML_DESC",
            "DOMAIN_CHECKPOINT_GET_XML_DESC",
        ]
    );
    // Everything else gets the same answer whatever the flags.
    for program in Program::ALL {
        for info in program.procedures() {
            if info.read_only_arg() == ReadOnlyArg::None {
                let base = info.allowed_on_read_only(None);
                for flags in [0, 1, 2, 3, 8, 64, u32::MAX] {
                    assert_eq!(
                        info.allowed_on_read_only(Some(flags)),
                        base,
                        "{}",
                        info.name
                    );
                }
            }
        }
    }
}

/// The procedures libvirt 9.0's API functions refuse on a read-only connection with
/// flags = 0 (an unconditional read-only check in the function the daemon calls).
const LIBVIRT_DENIED_REMOTE: [i32; 197] = [
    8, 9, 10, 11, 12, 13, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 39, 40, 41, 42, 48, 49, 53, 54,
    55, 58, 61, 62, 63, 75, 76, 77, 78, 79, 80, 81, 82, 83, 90, 93, 94, 103, 104, 108, 109, 118,
    119, 120, 123, 124, 125, 131, 132, 133, 134, 135, 136, 142, 144, 145, 146, 148, 160, 161, 164,
    165, 166, 174, 180, 181, 182, 184, 185, 192, 193, 196, 197, 199, 201, 204, 205, 207, 208, 209,
    210, 211, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 225, 226, 231, 232, 233, 234, 235,
    236, 237, 239, 240, 242, 245, 249, 250, 251, 252, 254, 256, 258, 259, 260, 261, 264, 266, 267,
    277, 279, 288, 290, 291, 294, 295, 296, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310,
    334, 335, 336, 337, 338, 342, 343, 345, 347, 349, 350, 352, 355, 356, 357, 358, 364, 366, 371,
    372, 384, 386, 389, 390, 392, 393, 394, 395, 396, 399, 400, 402, 406, 408, 410, 411, 417, 418,
    420, 421, 424, 425, 427, 428, 429, 430, 431, 432, 433, 434, 437, 439, 440, 441, 442, 443,
];

#[test]
fn read_only_matches_libvirt_for_every_procedure() {
    for info in REMOTE_PROCEDURES {
        let libvirt_denies = LIBVIRT_DENIED_REMOTE.contains(&info.number);
        assert_eq!(
            !info.allowed_on_read_only(Some(0)),
            libvirt_denies,
            "{} ({})",
            info.name,
            info.number
        );
    }
    // Every QEMU and LXC call is refused except the monitor event itself.
    for info in QEMU_PROCEDURES.iter().chain(LXC_PROCEDURES) {
        assert_eq!(
            info.allowed_on_read_only(Some(0)),
            info.event,
            "{}",
            info.name
        );
    }
    for info in ADMIN_PROCEDURES {
        assert_eq!(info.read_only_denial(Some(0)), None);
    }
}

#[test]
fn denials() {
    let d = read_only_denial(REMOTE, remote_proc::DOMAIN_DESTROY, None);
    let Some(d) = d else {
        panic!("DOMAIN_DESTROY allowed")
    };
    assert_eq!(d.api_name, "virDomainDestroy");
    assert_eq!(d.domain, ErrorDomain::Domain);
    assert_eq!(
        d.message(),
        "operation forbidden: read only access prevents virDomainDestroy"
    );
    assert_eq!(ReadOnlyDenial::CODE as i32, 29);

    assert_eq!(
        read_only_denied(REMOTE, remote_proc::DOMAIN_DESTROY, Some(0)),
        Some("virDomainDestroy")
    );
    assert_eq!(
        read_only_denied(REMOTE, remote_proc::NODE_GET_INFO, Some(0)),
        None
    );
    assert_eq!(read_only_denied(REMOTE, 9999, Some(0)), None);
    assert_eq!(read_only_denied(0x1234_5678, 12, Some(0)), None);
    assert_eq!(
        read_only_denied(ADMIN, admin_proc::CLIENT_CLOSE, Some(0)),
        None
    );

    let secure = read_only_denial(REMOTE, remote_proc::DOMAIN_GET_XML_DESC, Some(1));
    let Some(secure) = secure else {
        panic!("secure XML allowed")
    };
    assert!(secure.secure_flag);
    assert_eq!(secure.detail(), "virDomainGetXMLDesc with secure flag");
    assert_eq!(
        secure.message(),
        "operation forbidden: virDomainGetXMLDesc with secure flag"
    );
    assert_eq!(
        read_only_denial(REMOTE, remote_proc::DOMAIN_GET_XML_DESC, Some(0)),
        None
    );

    let snap = read_only_denial(REMOTE, remote_proc::DOMAIN_SNAPSHOT_GET_XML_DESC, Some(1));
    assert_eq!(snap.map(|d| d.domain), Some(ErrorDomain::DomainSnapshot));
    assert_eq!(snap.map(|d| d.secure_flag), Some(true));
    let cp = read_only_denial(REMOTE, remote_proc::DOMAIN_CHECKPOINT_GET_XML_DESC, Some(1));
    assert_eq!(cp.map(|d| d.domain), Some(ErrorDomain::DomainCheckpoint));

    let vcpus = read_only_denial(REMOTE, remote_proc::DOMAIN_GET_VCPUS_FLAGS, Some(8));
    assert_eq!(
        vcpus.map(|d| d.message()),
        Some("operation forbidden: read only access prevents virDomainGetVcpusFlags".into())
    );
    assert_eq!(vcpus.map(|d| d.secure_flag), Some(false));

    let secret = read_only_denial(REMOTE, remote_proc::SECRET_GET_VALUE, Some(0));
    assert_eq!(secret.map(|d| d.secure_flag), Some(false));
    assert_eq!(secret.map(|d| d.domain), Some(ErrorDomain::Secret));

    let net = read_only_denial(REMOTE, remote_proc::NETWORK_DESTROY, Some(0));
    assert_eq!(net.map(|d| d.domain), Some(ErrorDomain::Network));
    let pool = read_only_denial(REMOTE, remote_proc::STORAGE_POOL_DESTROY, Some(0));
    assert_eq!(pool.map(|d| d.domain), Some(ErrorDomain::Storage));
    let find = read_only_denial(REMOTE, remote_proc::CONNECT_FIND_STORAGE_POOL_SOURCES, None);
    assert_eq!(find.map(|d| d.domain), Some(ErrorDomain::Storage));
    let dev = read_only_denial(REMOTE, remote_proc::NODE_DEVICE_DETACH_FLAGS, Some(0));
    assert_eq!(dev.map(|d| d.domain), Some(ErrorDomain::Nodedev));
    let iface = read_only_denial(REMOTE, remote_proc::INTERFACE_CHANGE_BEGIN, Some(0));
    assert_eq!(iface.map(|d| d.domain), Some(ErrorDomain::Interface));
    let filt = read_only_denial(REMOTE, remote_proc::NWFILTER_UNDEFINE, Some(0));
    assert_eq!(filt.map(|d| d.domain), Some(ErrorDomain::Nwfilter));
    let caps = read_only_denial(REMOTE, remote_proc::CONNECT_GET_DOMAIN_CAPABILITIES, None);
    assert_eq!(caps.map(|d| d.domain), Some(ErrorDomain::Domain));
    let host = read_only_denial(REMOTE, remote_proc::NODE_SUSPEND_FOR_DURATION, None);
    assert_eq!(host.map(|d| d.domain), Some(ErrorDomain::Domain));

    let mon = read_only_denial(QEMU, qemu_proc::DOMAIN_MONITOR_COMMAND, Some(0));
    assert_eq!(
        mon.map(|d| (d.domain, d.message())),
        Some((
            ErrorDomain::None,
            "operation forbidden: read only access prevents virDomainQemuMonitorCommand"
                .to_string()
        ))
    );
    let ns = read_only_denied(LXC, lxc_proc::DOMAIN_OPEN_NAMESPACE, Some(0));
    assert_eq!(ns, Some("virDomainLxcOpenNamespace"));
}

#[test]
fn overrides_are_real_exceptions() {
    // Each override must contradict the plain ACL rule, or it is not needed.
    for &(program, number, allowed) in READ_ONLY_OVERRIDES {
        let Some(info) = procedure(program, number) else {
            panic!("override for unknown procedure {number}")
        };
        let by_acl = info
            .acl
            .iter()
            .all(|p| p.is_read_class() || !p.applies(Some(0)));
        assert_ne!(by_acl, allowed, "{}", info.name);
        assert_eq!(info.allowed_on_read_only(Some(0)), allowed);
    }
}

#[test]
fn permission_conditions() {
    let save_current = perm_if(
        "domain",
        "save",
        "!VIR_DOMAIN_AFFECT_CONFIG|VIR_DOMAIN_AFFECT_LIVE",
    );
    assert!(save_current.applies(Some(0)));
    assert!(!save_current.applies(Some(1)));
    assert!(!save_current.applies(Some(2)));
    assert!(save_current.applies(Some(4)));
    assert!(save_current.applies(None));
    let save_config = perm_if("domain", "save", "VIR_DOMAIN_AFFECT_CONFIG");
    assert!(save_config.applies(Some(3)));
    assert!(!save_config.applies(Some(1)));
    let agent = perm_param(
        "domain",
        "write",
        "source",
        "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT",
    );
    assert!(agent.applies(Some(1)));
    assert!(!agent.applies(Some(0)));
    let not_agent = perm_param("domain", "write", "source", "!1");
    assert!(!not_agent.applies(Some(1)));
    assert!(not_agent.applies(Some(2)));
    assert!(perm("domain", "read").applies(Some(0)));
    assert!(perm("connect", "search_domains").is_read_class());
    assert!(!perm("secret", "read_secure").is_read_class());
    assert_eq!(acl_constant("VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE"), Some(64));
    assert_eq!(acl_constant("VIR_NOPE"), None);
}
