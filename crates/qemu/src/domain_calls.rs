//! Domain lists and lookups. The registry of defined domains comes with the QEMU driver
//! issue; until then it is empty, and lookups fail as libvirt's do for unknown domains.

use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    ConnectListAllDomainsArgs, ConnectListAllDomainsRet, ConnectListDefinedDomainsArgs,
    ConnectListDefinedDomainsRet, ConnectListDomainsArgs, ConnectListDomainsRet,
    DomainLookupByIdArgs, DomainLookupByNameArgs, DomainLookupByUuidArgs, IntRet, DOMAIN_LIST_MAX,
};
use oxvirt_remote::CallCtx;

use crate::{QemuDriver, QemuError};

/// Every `VIR_CONNECT_LIST_DOMAINS_*` flag libvirt 9.0 knows.
const LIST_DOMAINS_FLAGS: u32 = 0xffff;

fn enc<T: oxvirt_xdr::Encode>(v: &T) -> Result<Vec<u8>, QemuError> {
    Ok(oxvirt_xdr::to_bytes(v)?)
}

/// Format a UUID the way libvirt prints it.
pub fn uuid_string(u: &[u8; 16]) -> String {
    let h: Vec<String> = u.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

pub fn call(_d: &QemuDriver, ctx: &CallCtx) -> Result<Vec<u8>, QemuError> {
    match ctx.procedure() {
        rp::CONNECT_LIST_ALL_DOMAINS => {
            let a: ConnectListAllDomainsArgs = ctx.args().map_err(QemuError::Vir)?;
            if a.flags & !LIST_DOMAINS_FLAGS != 0 {
                return Err(QemuError::UnsupportedFlags {
                    flags: a.flags,
                    func: "qemuConnectListAllDomains",
                });
            }
            enc(&ConnectListAllDomainsRet {
                domains: Vec::new(),
                ret: 0,
            })
        }
        rp::CONNECT_NUM_OF_DOMAINS | rp::CONNECT_NUM_OF_DEFINED_DOMAINS => {
            enc(&IntRet { value: 0 })
        }
        rp::CONNECT_LIST_DOMAINS => {
            let a: ConnectListDomainsArgs = ctx.args().map_err(QemuError::Vir)?;
            if a.maxids < 0 || a.maxids as usize > DOMAIN_LIST_MAX {
                return Err(QemuError::Vir(oxvirt_proto::VirError::rpc(
                    "maxids > REMOTE_DOMAIN_LIST_MAX",
                )));
            }
            enc(&ConnectListDomainsRet { ids: Vec::new() })
        }
        rp::CONNECT_LIST_DEFINED_DOMAINS => {
            let a: ConnectListDefinedDomainsArgs = ctx.args().map_err(QemuError::Vir)?;
            if a.maxnames < 0 || a.maxnames as usize > DOMAIN_LIST_MAX {
                return Err(QemuError::Vir(oxvirt_proto::VirError::rpc(
                    "maxnames > REMOTE_DOMAIN_LIST_MAX",
                )));
            }
            enc(&ConnectListDefinedDomainsRet { names: Vec::new() })
        }
        rp::DOMAIN_LOOKUP_BY_NAME => {
            let a: DomainLookupByNameArgs = ctx.args().map_err(QemuError::Vir)?;
            Err(QemuError::NoDomainName(a.name))
        }
        rp::DOMAIN_LOOKUP_BY_UUID => {
            let a: DomainLookupByUuidArgs = ctx.args().map_err(QemuError::Vir)?;
            Err(QemuError::NoDomainUuid(uuid_string(&a.uuid)))
        }
        rp::DOMAIN_LOOKUP_BY_ID => {
            let a: DomainLookupByIdArgs = ctx.args().map_err(QemuError::Vir)?;
            Err(QemuError::NoDomainId(a.id))
        }
        p => Err(QemuError::Vir(oxvirt_proto::VirError::unknown_procedure(p))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_format() {
        let u = [
            0x66, 0x95, 0xeb, 0x01, 0xf6, 0xa4, 0x83, 0x04, 0x79, 0xaa, 0x97, 0xf2, 0x50, 0x2e,
            0x19, 0x3f,
        ];
        assert_eq!(
            super::uuid_string(&u),
            "6695eb01-f6a4-8304-79aa-97f2502e193f"
        );
    }
}
