//! The ADMIN program (`virt-admin`), served on a daemon's admin socket: open/close, library
//! version, the list of servers and of their clients.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use oxvirt_proto::procedures::admin_proc as ap;
use oxvirt_proto::remote::admin::{
    ConnectListServersRet, ConnectLookupServerArgs, ListArgs, NonnullClient, NonnullServer,
    ServerListClientsArgs, ServerListClientsRet, ServerRet,
};
use oxvirt_proto::remote::{FlagsArgs, U64Ret};
use oxvirt_proto::VirError;
use oxvirt_rpc::server::{Call, Client};

use crate::service::ret;

/// `VIR_ERR_NO_SERVER`.
const NO_SERVER: i32 = 95;

#[derive(Debug, Clone)]
struct ClientRecord {
    server: &'static str,
    connected_at: u64,
}

/// Admin state: the daemon's servers ("admin" and the client server) and their clients.
#[derive(Debug)]
pub struct AdminServer {
    name: String,
    clients: Mutex<BTreeMap<u64, ClientRecord>>,
}

impl AdminServer {
    pub fn new(name: &str) -> Self {
        AdminServer {
            name: name.to_owned(),
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn client_connected(&self, client: &Arc<Client>) {
        let server = if client.listener == "admin" {
            "admin"
        } else {
            "main"
        };
        if let Ok(mut c) = self.clients.lock() {
            c.insert(
                client.id,
                ClientRecord {
                    server,
                    connected_at: client.connected_at,
                },
            );
        }
    }

    pub fn client_gone(&self, id: u64) {
        if let Ok(mut c) = self.clients.lock() {
            c.remove(&id);
        }
    }

    fn server_key(&self, name: &str) -> Option<&'static str> {
        if name == "admin" {
            Some("admin")
        } else if name == self.name {
            Some("main")
        } else {
            None
        }
    }

    fn no_server(name: &str) -> VirError {
        VirError::new(
            NO_SERVER,
            oxvirt_proto::vir_error::domain::ADMIN,
            format!("no server with matching name '{name}'"),
        )
    }

    /// Handle an ADMIN call. Returns the body, whether the connection is now open, and whether
    /// to close it after the reply.
    pub fn call(
        &self,
        _client: &Arc<Client>,
        open: bool,
        call: &Call,
    ) -> Result<(Vec<u8>, bool, bool), VirError> {
        let bad = |_| VirError::rpc("Unable to decode message payload");
        let p = call.header.procedure;
        match p {
            ap::CONNECT_OPEN => {
                let a: FlagsArgs = oxvirt_xdr::from_bytes(&call.body).map_err(bad)?;
                if a.flags != 0 {
                    return Err(VirError::unsupported_flags(
                        a.flags,
                        "virAdmConnectOpen",
                        oxvirt_proto::vir_error::domain::ADMIN,
                    ));
                }
                return Ok((Vec::new(), true, false));
            }
            ap::CONNECT_CLOSE => return Ok((Vec::new(), false, true)),
            _ => {}
        }
        if !open {
            return Err(VirError::internal("connection not open"));
        }
        let body = match p {
            ap::CONNECT_GET_LIB_VERSION => ret(&U64Ret {
                value: crate::LIBVIRT_VERSION,
            })?,
            ap::CONNECT_LIST_SERVERS => {
                let a: ListArgs = oxvirt_xdr::from_bytes(&call.body).map_err(bad)?;
                let servers = vec![
                    NonnullServer {
                        name: "admin".into(),
                    },
                    NonnullServer {
                        name: self.name.clone(),
                    },
                ];
                let n = servers.len() as u32;
                ret(&ConnectListServersRet {
                    servers: if a.need_results != 0 {
                        servers
                    } else {
                        Vec::new()
                    },
                    ret: n,
                })?
            }
            ap::CONNECT_LOOKUP_SERVER => {
                let a: ConnectLookupServerArgs = oxvirt_xdr::from_bytes(&call.body).map_err(bad)?;
                if self.server_key(&a.name).is_none() {
                    return Err(Self::no_server(&a.name));
                }
                ret(&ServerRet {
                    srv: NonnullServer { name: a.name },
                })?
            }
            ap::SERVER_LIST_CLIENTS => {
                let a: ServerListClientsArgs = oxvirt_xdr::from_bytes(&call.body).map_err(bad)?;
                let key = self
                    .server_key(&a.srv.name)
                    .ok_or_else(|| Self::no_server(&a.srv.name))?;
                let clients: Vec<NonnullClient> = self
                    .clients
                    .lock()
                    .map(|c| {
                        c.iter()
                            .filter(|(_, r)| r.server == key)
                            .map(|(id, r)| NonnullClient {
                                srv: a.srv.clone(),
                                id: *id,
                                timestamp: r.connected_at as i64,
                                transport: 0,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let n = clients.len() as u32;
                ret(&ServerListClientsRet {
                    clients: if a.need_results != 0 {
                        clients
                    } else {
                        Vec::new()
                    },
                    ret: n,
                })?
            }
            p => return Err(VirError::unknown_procedure(p)),
        };
        Ok((body, false, false))
    }
}
