//! libvirt's error codes and domains as named `i32` constants (what [`VirError`] carries), for
//! every value of [`ErrorCode`] and [`ErrorDomain`]: the numbers are those enums' discriminants,
//! written once in [`crate::errors`].
//!
//! [`VirError`]: crate::VirError

use crate::errors::{ErrorCode, ErrorDomain};

/// `virErrorNumber`: `code::NO_DOMAIN` is `VIR_ERR_NO_DOMAIN`.
pub mod code {
    use super::ErrorCode;
    /// `VIR_ERR_OK` (0).
    pub const OK: i32 = ErrorCode::Ok.as_i32();
    /// `VIR_ERR_INTERNAL_ERROR` (1).
    pub const INTERNAL_ERROR: i32 = ErrorCode::InternalError.as_i32();
    /// `VIR_ERR_NO_MEMORY` (2).
    pub const NO_MEMORY: i32 = ErrorCode::NoMemory.as_i32();
    /// `VIR_ERR_NO_SUPPORT` (3).
    pub const NO_SUPPORT: i32 = ErrorCode::NoSupport.as_i32();
    /// `VIR_ERR_UNKNOWN_HOST` (4).
    pub const UNKNOWN_HOST: i32 = ErrorCode::UnknownHost.as_i32();
    /// `VIR_ERR_NO_CONNECT` (5).
    pub const NO_CONNECT: i32 = ErrorCode::NoConnect.as_i32();
    /// `VIR_ERR_INVALID_CONN` (6).
    pub const INVALID_CONN: i32 = ErrorCode::InvalidConn.as_i32();
    /// `VIR_ERR_INVALID_DOMAIN` (7).
    pub const INVALID_DOMAIN: i32 = ErrorCode::InvalidDomain.as_i32();
    /// `VIR_ERR_INVALID_ARG` (8).
    pub const INVALID_ARG: i32 = ErrorCode::InvalidArg.as_i32();
    /// `VIR_ERR_OPERATION_FAILED` (9).
    pub const OPERATION_FAILED: i32 = ErrorCode::OperationFailed.as_i32();
    /// `VIR_ERR_GET_FAILED` (10).
    pub const GET_FAILED: i32 = ErrorCode::GetFailed.as_i32();
    /// `VIR_ERR_POST_FAILED` (11).
    pub const POST_FAILED: i32 = ErrorCode::PostFailed.as_i32();
    /// `VIR_ERR_HTTP_ERROR` (12).
    pub const HTTP_ERROR: i32 = ErrorCode::HttpError.as_i32();
    /// `VIR_ERR_SEXPR_SERIAL` (13).
    pub const SEXPR_SERIAL: i32 = ErrorCode::SexprSerial.as_i32();
    /// `VIR_ERR_NO_XEN` (14).
    pub const NO_XEN: i32 = ErrorCode::NoXen.as_i32();
    /// `VIR_ERR_XEN_CALL` (15).
    pub const XEN_CALL: i32 = ErrorCode::XenCall.as_i32();
    /// `VIR_ERR_OS_TYPE` (16).
    pub const OS_TYPE: i32 = ErrorCode::OsType.as_i32();
    /// `VIR_ERR_NO_KERNEL` (17).
    pub const NO_KERNEL: i32 = ErrorCode::NoKernel.as_i32();
    /// `VIR_ERR_NO_ROOT` (18).
    pub const NO_ROOT: i32 = ErrorCode::NoRoot.as_i32();
    /// `VIR_ERR_NO_SOURCE` (19).
    pub const NO_SOURCE: i32 = ErrorCode::NoSource.as_i32();
    /// `VIR_ERR_NO_TARGET` (20).
    pub const NO_TARGET: i32 = ErrorCode::NoTarget.as_i32();
    /// `VIR_ERR_NO_NAME` (21).
    pub const NO_NAME: i32 = ErrorCode::NoName.as_i32();
    /// `VIR_ERR_NO_OS` (22).
    pub const NO_OS: i32 = ErrorCode::NoOs.as_i32();
    /// `VIR_ERR_NO_DEVICE` (23).
    pub const NO_DEVICE: i32 = ErrorCode::NoDevice.as_i32();
    /// `VIR_ERR_NO_XENSTORE` (24).
    pub const NO_XENSTORE: i32 = ErrorCode::NoXenstore.as_i32();
    /// `VIR_ERR_DRIVER_FULL` (25).
    pub const DRIVER_FULL: i32 = ErrorCode::DriverFull.as_i32();
    /// `VIR_ERR_CALL_FAILED` (26).
    pub const CALL_FAILED: i32 = ErrorCode::CallFailed.as_i32();
    /// `VIR_ERR_XML_ERROR` (27).
    pub const XML_ERROR: i32 = ErrorCode::XmlError.as_i32();
    /// `VIR_ERR_DOM_EXIST` (28).
    pub const DOM_EXIST: i32 = ErrorCode::DomExist.as_i32();
    /// `VIR_ERR_OPERATION_DENIED` (29).
    pub const OPERATION_DENIED: i32 = ErrorCode::OperationDenied.as_i32();
    /// `VIR_ERR_OPEN_FAILED` (30).
    pub const OPEN_FAILED: i32 = ErrorCode::OpenFailed.as_i32();
    /// `VIR_ERR_READ_FAILED` (31).
    pub const READ_FAILED: i32 = ErrorCode::ReadFailed.as_i32();
    /// `VIR_ERR_PARSE_FAILED` (32).
    pub const PARSE_FAILED: i32 = ErrorCode::ParseFailed.as_i32();
    /// `VIR_ERR_CONF_SYNTAX` (33).
    pub const CONF_SYNTAX: i32 = ErrorCode::ConfSyntax.as_i32();
    /// `VIR_ERR_WRITE_FAILED` (34).
    pub const WRITE_FAILED: i32 = ErrorCode::WriteFailed.as_i32();
    /// `VIR_ERR_XML_DETAIL` (35).
    pub const XML_DETAIL: i32 = ErrorCode::XmlDetail.as_i32();
    /// `VIR_ERR_INVALID_NETWORK` (36).
    pub const INVALID_NETWORK: i32 = ErrorCode::InvalidNetwork.as_i32();
    /// `VIR_ERR_NETWORK_EXIST` (37).
    pub const NETWORK_EXIST: i32 = ErrorCode::NetworkExist.as_i32();
    /// `VIR_ERR_SYSTEM_ERROR` (38).
    pub const SYSTEM_ERROR: i32 = ErrorCode::SystemError.as_i32();
    /// `VIR_ERR_RPC` (39).
    pub const RPC: i32 = ErrorCode::Rpc.as_i32();
    /// `VIR_ERR_GNUTLS_ERROR` (40).
    pub const GNUTLS_ERROR: i32 = ErrorCode::GnutlsError.as_i32();
    /// `VIR_WAR_NO_NETWORK` (41).
    pub const WAR_NO_NETWORK: i32 = ErrorCode::WarNoNetwork.as_i32();
    /// `VIR_ERR_NO_DOMAIN` (42).
    pub const NO_DOMAIN: i32 = ErrorCode::NoDomain.as_i32();
    /// `VIR_ERR_NO_NETWORK` (43).
    pub const NO_NETWORK: i32 = ErrorCode::NoNetwork.as_i32();
    /// `VIR_ERR_INVALID_MAC` (44).
    pub const INVALID_MAC: i32 = ErrorCode::InvalidMac.as_i32();
    /// `VIR_ERR_AUTH_FAILED` (45).
    pub const AUTH_FAILED: i32 = ErrorCode::AuthFailed.as_i32();
    /// `VIR_ERR_INVALID_STORAGE_POOL` (46).
    pub const INVALID_STORAGE_POOL: i32 = ErrorCode::InvalidStoragePool.as_i32();
    /// `VIR_ERR_INVALID_STORAGE_VOL` (47).
    pub const INVALID_STORAGE_VOL: i32 = ErrorCode::InvalidStorageVol.as_i32();
    /// `VIR_WAR_NO_STORAGE` (48).
    pub const WAR_NO_STORAGE: i32 = ErrorCode::WarNoStorage.as_i32();
    /// `VIR_ERR_NO_STORAGE_POOL` (49).
    pub const NO_STORAGE_POOL: i32 = ErrorCode::NoStoragePool.as_i32();
    /// `VIR_ERR_NO_STORAGE_VOL` (50).
    pub const NO_STORAGE_VOL: i32 = ErrorCode::NoStorageVol.as_i32();
    /// `VIR_WAR_NO_NODE` (51).
    pub const WAR_NO_NODE: i32 = ErrorCode::WarNoNode.as_i32();
    /// `VIR_ERR_INVALID_NODE_DEVICE` (52).
    pub const INVALID_NODE_DEVICE: i32 = ErrorCode::InvalidNodeDevice.as_i32();
    /// `VIR_ERR_NO_NODE_DEVICE` (53).
    pub const NO_NODE_DEVICE: i32 = ErrorCode::NoNodeDevice.as_i32();
    /// `VIR_ERR_NO_SECURITY_MODEL` (54).
    pub const NO_SECURITY_MODEL: i32 = ErrorCode::NoSecurityModel.as_i32();
    /// `VIR_ERR_OPERATION_INVALID` (55).
    pub const OPERATION_INVALID: i32 = ErrorCode::OperationInvalid.as_i32();
    /// `VIR_WAR_NO_INTERFACE` (56).
    pub const WAR_NO_INTERFACE: i32 = ErrorCode::WarNoInterface.as_i32();
    /// `VIR_ERR_NO_INTERFACE` (57).
    pub const NO_INTERFACE: i32 = ErrorCode::NoInterface.as_i32();
    /// `VIR_ERR_INVALID_INTERFACE` (58).
    pub const INVALID_INTERFACE: i32 = ErrorCode::InvalidInterface.as_i32();
    /// `VIR_ERR_MULTIPLE_INTERFACES` (59).
    pub const MULTIPLE_INTERFACES: i32 = ErrorCode::MultipleInterfaces.as_i32();
    /// `VIR_WAR_NO_NWFILTER` (60).
    pub const WAR_NO_NWFILTER: i32 = ErrorCode::WarNoNwfilter.as_i32();
    /// `VIR_ERR_INVALID_NWFILTER` (61).
    pub const INVALID_NWFILTER: i32 = ErrorCode::InvalidNwfilter.as_i32();
    /// `VIR_ERR_NO_NWFILTER` (62).
    pub const NO_NWFILTER: i32 = ErrorCode::NoNwfilter.as_i32();
    /// `VIR_ERR_BUILD_FIREWALL` (63).
    pub const BUILD_FIREWALL: i32 = ErrorCode::BuildFirewall.as_i32();
    /// `VIR_WAR_NO_SECRET` (64).
    pub const WAR_NO_SECRET: i32 = ErrorCode::WarNoSecret.as_i32();
    /// `VIR_ERR_INVALID_SECRET` (65).
    pub const INVALID_SECRET: i32 = ErrorCode::InvalidSecret.as_i32();
    /// `VIR_ERR_NO_SECRET` (66).
    pub const NO_SECRET: i32 = ErrorCode::NoSecret.as_i32();
    /// `VIR_ERR_CONFIG_UNSUPPORTED` (67).
    pub const CONFIG_UNSUPPORTED: i32 = ErrorCode::ConfigUnsupported.as_i32();
    /// `VIR_ERR_OPERATION_TIMEOUT` (68).
    pub const OPERATION_TIMEOUT: i32 = ErrorCode::OperationTimeout.as_i32();
    /// `VIR_ERR_MIGRATE_PERSIST_FAILED` (69).
    pub const MIGRATE_PERSIST_FAILED: i32 = ErrorCode::MigratePersistFailed.as_i32();
    /// `VIR_ERR_HOOK_SCRIPT_FAILED` (70).
    pub const HOOK_SCRIPT_FAILED: i32 = ErrorCode::HookScriptFailed.as_i32();
    /// `VIR_ERR_INVALID_DOMAIN_SNAPSHOT` (71).
    pub const INVALID_DOMAIN_SNAPSHOT: i32 = ErrorCode::InvalidDomainSnapshot.as_i32();
    /// `VIR_ERR_NO_DOMAIN_SNAPSHOT` (72).
    pub const NO_DOMAIN_SNAPSHOT: i32 = ErrorCode::NoDomainSnapshot.as_i32();
    /// `VIR_ERR_INVALID_STREAM` (73).
    pub const INVALID_STREAM: i32 = ErrorCode::InvalidStream.as_i32();
    /// `VIR_ERR_ARGUMENT_UNSUPPORTED` (74).
    pub const ARGUMENT_UNSUPPORTED: i32 = ErrorCode::ArgumentUnsupported.as_i32();
    /// `VIR_ERR_STORAGE_PROBE_FAILED` (75).
    pub const STORAGE_PROBE_FAILED: i32 = ErrorCode::StorageProbeFailed.as_i32();
    /// `VIR_ERR_STORAGE_POOL_BUILT` (76).
    pub const STORAGE_POOL_BUILT: i32 = ErrorCode::StoragePoolBuilt.as_i32();
    /// `VIR_ERR_SNAPSHOT_REVERT_RISKY` (77).
    pub const SNAPSHOT_REVERT_RISKY: i32 = ErrorCode::SnapshotRevertRisky.as_i32();
    /// `VIR_ERR_OPERATION_ABORTED` (78).
    pub const OPERATION_ABORTED: i32 = ErrorCode::OperationAborted.as_i32();
    /// `VIR_ERR_AUTH_CANCELLED` (79).
    pub const AUTH_CANCELLED: i32 = ErrorCode::AuthCancelled.as_i32();
    /// `VIR_ERR_NO_DOMAIN_METADATA` (80).
    pub const NO_DOMAIN_METADATA: i32 = ErrorCode::NoDomainMetadata.as_i32();
    /// `VIR_ERR_MIGRATE_UNSAFE` (81).
    pub const MIGRATE_UNSAFE: i32 = ErrorCode::MigrateUnsafe.as_i32();
    /// `VIR_ERR_OVERFLOW` (82).
    pub const OVERFLOW: i32 = ErrorCode::Overflow.as_i32();
    /// `VIR_ERR_BLOCK_COPY_ACTIVE` (83).
    pub const BLOCK_COPY_ACTIVE: i32 = ErrorCode::BlockCopyActive.as_i32();
    /// `VIR_ERR_OPERATION_UNSUPPORTED` (84).
    pub const OPERATION_UNSUPPORTED: i32 = ErrorCode::OperationUnsupported.as_i32();
    /// `VIR_ERR_SSH` (85).
    pub const SSH: i32 = ErrorCode::Ssh.as_i32();
    /// `VIR_ERR_AGENT_UNRESPONSIVE` (86).
    pub const AGENT_UNRESPONSIVE: i32 = ErrorCode::AgentUnresponsive.as_i32();
    /// `VIR_ERR_RESOURCE_BUSY` (87).
    pub const RESOURCE_BUSY: i32 = ErrorCode::ResourceBusy.as_i32();
    /// `VIR_ERR_ACCESS_DENIED` (88).
    pub const ACCESS_DENIED: i32 = ErrorCode::AccessDenied.as_i32();
    /// `VIR_ERR_DBUS_SERVICE` (89).
    pub const DBUS_SERVICE: i32 = ErrorCode::DbusService.as_i32();
    /// `VIR_ERR_STORAGE_VOL_EXIST` (90).
    pub const STORAGE_VOL_EXIST: i32 = ErrorCode::StorageVolExist.as_i32();
    /// `VIR_ERR_CPU_INCOMPATIBLE` (91).
    pub const CPU_INCOMPATIBLE: i32 = ErrorCode::CpuIncompatible.as_i32();
    /// `VIR_ERR_XML_INVALID_SCHEMA` (92).
    pub const XML_INVALID_SCHEMA: i32 = ErrorCode::XmlInvalidSchema.as_i32();
    /// `VIR_ERR_MIGRATE_FINISH_OK` (93).
    pub const MIGRATE_FINISH_OK: i32 = ErrorCode::MigrateFinishOk.as_i32();
    /// `VIR_ERR_AUTH_UNAVAILABLE` (94).
    pub const AUTH_UNAVAILABLE: i32 = ErrorCode::AuthUnavailable.as_i32();
    /// `VIR_ERR_NO_SERVER` (95).
    pub const NO_SERVER: i32 = ErrorCode::NoServer.as_i32();
    /// `VIR_ERR_NO_CLIENT` (96).
    pub const NO_CLIENT: i32 = ErrorCode::NoClient.as_i32();
    /// `VIR_ERR_AGENT_UNSYNCED` (97).
    pub const AGENT_UNSYNCED: i32 = ErrorCode::AgentUnsynced.as_i32();
    /// `VIR_ERR_LIBSSH` (98).
    pub const LIBSSH: i32 = ErrorCode::Libssh.as_i32();
    /// `VIR_ERR_DEVICE_MISSING` (99).
    pub const DEVICE_MISSING: i32 = ErrorCode::DeviceMissing.as_i32();
    /// `VIR_ERR_INVALID_NWFILTER_BINDING` (100).
    pub const INVALID_NWFILTER_BINDING: i32 = ErrorCode::InvalidNwfilterBinding.as_i32();
    /// `VIR_ERR_NO_NWFILTER_BINDING` (101).
    pub const NO_NWFILTER_BINDING: i32 = ErrorCode::NoNwfilterBinding.as_i32();
    /// `VIR_ERR_INVALID_DOMAIN_CHECKPOINT` (102).
    pub const INVALID_DOMAIN_CHECKPOINT: i32 = ErrorCode::InvalidDomainCheckpoint.as_i32();
    /// `VIR_ERR_NO_DOMAIN_CHECKPOINT` (103).
    pub const NO_DOMAIN_CHECKPOINT: i32 = ErrorCode::NoDomainCheckpoint.as_i32();
    /// `VIR_ERR_NO_DOMAIN_BACKUP` (104).
    pub const NO_DOMAIN_BACKUP: i32 = ErrorCode::NoDomainBackup.as_i32();
    /// `VIR_ERR_INVALID_NETWORK_PORT` (105).
    pub const INVALID_NETWORK_PORT: i32 = ErrorCode::InvalidNetworkPort.as_i32();
    /// `VIR_ERR_NETWORK_PORT_EXIST` (106).
    pub const NETWORK_PORT_EXIST: i32 = ErrorCode::NetworkPortExist.as_i32();
    /// `VIR_ERR_NO_NETWORK_PORT` (107).
    pub const NO_NETWORK_PORT: i32 = ErrorCode::NoNetworkPort.as_i32();
    /// `VIR_ERR_NO_HOSTNAME` (108).
    pub const NO_HOSTNAME: i32 = ErrorCode::NoHostname.as_i32();
    /// `VIR_ERR_CHECKPOINT_INCONSISTENT` (109).
    pub const CHECKPOINT_INCONSISTENT: i32 = ErrorCode::CheckpointInconsistent.as_i32();
    /// `VIR_ERR_MULTIPLE_DOMAINS` (110).
    pub const MULTIPLE_DOMAINS: i32 = ErrorCode::MultipleDomains.as_i32();
}

/// `virErrorDomain`: `domain::QEMU` is `VIR_FROM_QEMU`.
pub mod domain {
    use super::ErrorDomain;
    /// `VIR_FROM_NONE` (0).
    pub const NONE: i32 = ErrorDomain::None.as_i32();
    /// `VIR_FROM_XEN` (1).
    pub const XEN: i32 = ErrorDomain::Xen.as_i32();
    /// `VIR_FROM_XEND` (2).
    pub const XEND: i32 = ErrorDomain::Xend.as_i32();
    /// `VIR_FROM_XENSTORE` (3).
    pub const XENSTORE: i32 = ErrorDomain::Xenstore.as_i32();
    /// `VIR_FROM_SEXPR` (4).
    pub const SEXPR: i32 = ErrorDomain::Sexpr.as_i32();
    /// `VIR_FROM_XML` (5).
    pub const XML: i32 = ErrorDomain::Xml.as_i32();
    /// `VIR_FROM_DOM` (6).
    pub const DOM: i32 = ErrorDomain::Dom.as_i32();
    /// `VIR_FROM_RPC` (7).
    pub const RPC: i32 = ErrorDomain::Rpc.as_i32();
    /// `VIR_FROM_PROXY` (8).
    pub const PROXY: i32 = ErrorDomain::Proxy.as_i32();
    /// `VIR_FROM_CONF` (9).
    pub const CONF: i32 = ErrorDomain::Conf.as_i32();
    /// `VIR_FROM_QEMU` (10).
    pub const QEMU: i32 = ErrorDomain::Qemu.as_i32();
    /// `VIR_FROM_NET` (11).
    pub const NET: i32 = ErrorDomain::Net.as_i32();
    /// `VIR_FROM_TEST` (12).
    pub const TEST: i32 = ErrorDomain::Test.as_i32();
    /// `VIR_FROM_REMOTE` (13).
    pub const REMOTE: i32 = ErrorDomain::Remote.as_i32();
    /// `VIR_FROM_OPENVZ` (14).
    pub const OPENVZ: i32 = ErrorDomain::Openvz.as_i32();
    /// `VIR_FROM_XENXM` (15).
    pub const XENXM: i32 = ErrorDomain::Xenxm.as_i32();
    /// `VIR_FROM_STATS_LINUX` (16).
    pub const STATS_LINUX: i32 = ErrorDomain::StatsLinux.as_i32();
    /// `VIR_FROM_LXC` (17).
    pub const LXC: i32 = ErrorDomain::Lxc.as_i32();
    /// `VIR_FROM_STORAGE` (18).
    pub const STORAGE: i32 = ErrorDomain::Storage.as_i32();
    /// `VIR_FROM_NETWORK` (19).
    pub const NETWORK: i32 = ErrorDomain::Network.as_i32();
    /// `VIR_FROM_DOMAIN` (20).
    pub const DOMAIN: i32 = ErrorDomain::Domain.as_i32();
    /// `VIR_FROM_UML` (21).
    pub const UML: i32 = ErrorDomain::Uml.as_i32();
    /// `VIR_FROM_NODEDEV` (22).
    pub const NODEDEV: i32 = ErrorDomain::Nodedev.as_i32();
    /// `VIR_FROM_XEN_INOTIFY` (23).
    pub const XEN_INOTIFY: i32 = ErrorDomain::XenInotify.as_i32();
    /// `VIR_FROM_SECURITY` (24).
    pub const SECURITY: i32 = ErrorDomain::Security.as_i32();
    /// `VIR_FROM_VBOX` (25).
    pub const VBOX: i32 = ErrorDomain::Vbox.as_i32();
    /// `VIR_FROM_INTERFACE` (26).
    pub const INTERFACE: i32 = ErrorDomain::Interface.as_i32();
    /// `VIR_FROM_ONE` (27).
    pub const ONE: i32 = ErrorDomain::One.as_i32();
    /// `VIR_FROM_ESX` (28).
    pub const ESX: i32 = ErrorDomain::Esx.as_i32();
    /// `VIR_FROM_PHYP` (29).
    pub const PHYP: i32 = ErrorDomain::Phyp.as_i32();
    /// `VIR_FROM_SECRET` (30).
    pub const SECRET: i32 = ErrorDomain::Secret.as_i32();
    /// `VIR_FROM_CPU` (31).
    pub const CPU: i32 = ErrorDomain::Cpu.as_i32();
    /// `VIR_FROM_XENAPI` (32).
    pub const XENAPI: i32 = ErrorDomain::Xenapi.as_i32();
    /// `VIR_FROM_NWFILTER` (33).
    pub const NWFILTER: i32 = ErrorDomain::Nwfilter.as_i32();
    /// `VIR_FROM_HOOK` (34).
    pub const HOOK: i32 = ErrorDomain::Hook.as_i32();
    /// `VIR_FROM_DOMAIN_SNAPSHOT` (35).
    pub const DOMAIN_SNAPSHOT: i32 = ErrorDomain::DomainSnapshot.as_i32();
    /// `VIR_FROM_AUDIT` (36).
    pub const AUDIT: i32 = ErrorDomain::Audit.as_i32();
    /// `VIR_FROM_SYSINFO` (37).
    pub const SYSINFO: i32 = ErrorDomain::Sysinfo.as_i32();
    /// `VIR_FROM_STREAMS` (38).
    pub const STREAMS: i32 = ErrorDomain::Streams.as_i32();
    /// `VIR_FROM_VMWARE` (39).
    pub const VMWARE: i32 = ErrorDomain::Vmware.as_i32();
    /// `VIR_FROM_EVENT` (40).
    pub const EVENT: i32 = ErrorDomain::Event.as_i32();
    /// `VIR_FROM_LIBXL` (41).
    pub const LIBXL: i32 = ErrorDomain::Libxl.as_i32();
    /// `VIR_FROM_LOCKING` (42).
    pub const LOCKING: i32 = ErrorDomain::Locking.as_i32();
    /// `VIR_FROM_HYPERV` (43).
    pub const HYPERV: i32 = ErrorDomain::Hyperv.as_i32();
    /// `VIR_FROM_CAPABILITIES` (44).
    pub const CAPABILITIES: i32 = ErrorDomain::Capabilities.as_i32();
    /// `VIR_FROM_URI` (45).
    pub const URI: i32 = ErrorDomain::Uri.as_i32();
    /// `VIR_FROM_AUTH` (46).
    pub const AUTH: i32 = ErrorDomain::Auth.as_i32();
    /// `VIR_FROM_DBUS` (47).
    pub const DBUS: i32 = ErrorDomain::Dbus.as_i32();
    /// `VIR_FROM_PARALLELS` (48).
    pub const PARALLELS: i32 = ErrorDomain::Parallels.as_i32();
    /// `VIR_FROM_DEVICE` (49).
    pub const DEVICE: i32 = ErrorDomain::Device.as_i32();
    /// `VIR_FROM_SSH` (50).
    pub const SSH: i32 = ErrorDomain::Ssh.as_i32();
    /// `VIR_FROM_LOCKSPACE` (51).
    pub const LOCKSPACE: i32 = ErrorDomain::Lockspace.as_i32();
    /// `VIR_FROM_INITCTL` (52).
    pub const INITCTL: i32 = ErrorDomain::Initctl.as_i32();
    /// `VIR_FROM_IDENTITY` (53).
    pub const IDENTITY: i32 = ErrorDomain::Identity.as_i32();
    /// `VIR_FROM_CGROUP` (54).
    pub const CGROUP: i32 = ErrorDomain::Cgroup.as_i32();
    /// `VIR_FROM_ACCESS` (55).
    pub const ACCESS: i32 = ErrorDomain::Access.as_i32();
    /// `VIR_FROM_SYSTEMD` (56).
    pub const SYSTEMD: i32 = ErrorDomain::Systemd.as_i32();
    /// `VIR_FROM_BHYVE` (57).
    pub const BHYVE: i32 = ErrorDomain::Bhyve.as_i32();
    /// `VIR_FROM_CRYPTO` (58).
    pub const CRYPTO: i32 = ErrorDomain::Crypto.as_i32();
    /// `VIR_FROM_FIREWALL` (59).
    pub const FIREWALL: i32 = ErrorDomain::Firewall.as_i32();
    /// `VIR_FROM_POLKIT` (60).
    pub const POLKIT: i32 = ErrorDomain::Polkit.as_i32();
    /// `VIR_FROM_THREAD` (61).
    pub const THREAD: i32 = ErrorDomain::Thread.as_i32();
    /// `VIR_FROM_ADMIN` (62).
    pub const ADMIN: i32 = ErrorDomain::Admin.as_i32();
    /// `VIR_FROM_LOGGING` (63).
    pub const LOGGING: i32 = ErrorDomain::Logging.as_i32();
    /// `VIR_FROM_XENXL` (64).
    pub const XENXL: i32 = ErrorDomain::Xenxl.as_i32();
    /// `VIR_FROM_PERF` (65).
    pub const PERF: i32 = ErrorDomain::Perf.as_i32();
    /// `VIR_FROM_LIBSSH` (66).
    pub const LIBSSH: i32 = ErrorDomain::Libssh.as_i32();
    /// `VIR_FROM_RESCTRL` (67).
    pub const RESCTRL: i32 = ErrorDomain::Resctrl.as_i32();
    /// `VIR_FROM_FIREWALLD` (68).
    pub const FIREWALLD: i32 = ErrorDomain::Firewalld.as_i32();
    /// `VIR_FROM_DOMAIN_CHECKPOINT` (69).
    pub const DOMAIN_CHECKPOINT: i32 = ErrorDomain::DomainCheckpoint.as_i32();
    /// `VIR_FROM_TPM` (70).
    pub const TPM: i32 = ErrorDomain::Tpm.as_i32();
    /// `VIR_FROM_BPF` (71).
    pub const BPF: i32 = ErrorDomain::Bpf.as_i32();
    /// `VIR_FROM_CH` (72).
    pub const CH: i32 = ErrorDomain::Ch.as_i32();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_enums() {
        assert_eq!(code::OK, 0);
        assert_eq!(code::NO_DOMAIN, 42);
        assert_eq!(code::CONFIG_UNSUPPORTED, 67);
        assert_eq!(code::NO_SERVER, 95);
        assert_eq!(code::MULTIPLE_DOMAINS, ErrorCode::LAST.as_i32());
        assert_eq!(domain::QEMU, 10);
        assert_eq!(domain::STREAMS, 38);
        assert_eq!(domain::CH, ErrorDomain::LAST.as_i32());
    }
}
