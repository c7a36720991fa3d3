//! The ADMIN program (`virt-admin`), served on a daemon's admin socket: open/close, library
//! version, the list of servers and of their clients.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};

use oxvirt_proto::procedures::admin_proc as ap;
use oxvirt_proto::remote::admin::{
    ClientArgs, ClientRet, ConnectListServersRet, ConnectLookupServerArgs, ListArgs, NonnullClient,
    NonnullServer, ServerListClientsArgs, ServerListClientsRet, ServerLookupClientArgs, ServerRet,
    TypedParamsOnly,
};
use oxvirt_proto::remote::{FlagsArgs, U64Ret};
use oxvirt_proto::VirError;
use oxvirt_proto::{TypedParam, TypedParamValue};
use oxvirt_rpc::server::{Call, Client};

use crate::service::ret;

use oxvirt_proto::vir_error::code::{NO_CLIENT, NO_SERVER};
use oxvirt_sync::MutexExt;

/// What `virt-admin client-info` shows: read-only flag and the peer's identity from
/// SO_PEERCRED, with the same parameter names as libvirt.
fn client_info(c: &Client) -> Vec<TypedParam> {
    let p = |field: &str, value| TypedParam {
        field: field.to_owned(),
        value,
    };
    let mut v = vec![p(
        "readonly",
        TypedParamValue::Boolean(i32::from(c.is_read_only())),
    )];
    let uid = c.peer.uid;
    let gid = c.peer.gid;
    v.push(p("unix_user_id", TypedParamValue::Int(uid as i32)));
    if let Some(n) = name_from_db("/etc/passwd", uid) {
        v.push(p("unix_user_name", TypedParamValue::String(n)));
    }
    v.push(p("unix_group_id", TypedParamValue::Int(gid as i32)));
    if let Some(n) = name_from_db("/etc/group", gid) {
        v.push(p("unix_group_name", TypedParamValue::String(n)));
    }
    if let Some(pid) = c.peer.pid {
        v.push(p("unix_process_id", TypedParamValue::Int(pid)));
    }
    v
}

/// The name for an id in a passwd- or group-format file (`name:x:id:...`).
fn name_from_db(path: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _ = f.next()?;
        (f.next()?.parse::<u32>().ok()? == id).then(|| name.to_owned())
    })
}

#[derive(Debug, Clone)]
struct ClientRecord {
    server: &'static str,
    connected_at: u64,
    client: Weak<Client>,
}

/// Admin state: the daemon's servers ("admin" and the client server) and their clients.
#[derive(Debug)]
pub struct AdminServer {
    name: String,
    clients: Mutex<BTreeMap<u64, ClientRecord>>,
}

impl AdminServer {
    /// The admin server of a daemon whose client server is called `name`.
    pub fn new(name: &str) -> Self {
        AdminServer {
            name: name.to_owned(),
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    /// A client connected (on any socket).
    pub fn client_connected(&self, client: &Arc<Client>) {
        let server = if client.listener == "admin" {
            "admin"
        } else {
            "main"
        };
        {
            let mut c = self.clients.locked();
            c.insert(
                client.id,
                ClientRecord {
                    server,
                    connected_at: client.connected_at,
                    client: Arc::downgrade(client),
                },
            );
        }
    }

    /// Clients connected now, of every server.
    pub fn client_count(&self) -> usize {
        self.clients.locked().len()
    }

    /// A client went away.
    pub fn client_gone(&self, id: u64) {
        {
            let mut c = self.clients.locked();
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

    fn record(&self, id: u64) -> Option<ClientRecord> {
        self.clients.locked().get(&id).cloned()
    }

    fn no_client(id: u64) -> VirError {
        VirError::new(
            NO_CLIENT,
            oxvirt_proto::vir_error::domain::ADMIN,
            format!("no client with matching id '{id}'"),
        )
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
                let a: FlagsArgs = oxvirt_xdr::from_bytes_exact(&call.body).map_err(bad)?;
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
                let a: ListArgs = oxvirt_xdr::from_bytes_exact(&call.body).map_err(bad)?;
                // libvirtd lists its client server first
                let servers = vec![
                    NonnullServer {
                        name: self.name.clone(),
                    },
                    NonnullServer {
                        name: "admin".into(),
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
                let a: ConnectLookupServerArgs =
                    oxvirt_xdr::from_bytes_exact(&call.body).map_err(bad)?;
                if self.server_key(&a.name).is_none() {
                    return Err(Self::no_server(&a.name));
                }
                ret(&ServerRet {
                    srv: NonnullServer { name: a.name },
                })?
            }
            ap::SERVER_LIST_CLIENTS => {
                let a: ServerListClientsArgs =
                    oxvirt_xdr::from_bytes_exact(&call.body).map_err(bad)?;
                let key = self
                    .server_key(&a.srv.name)
                    .ok_or_else(|| Self::no_server(&a.srv.name))?;
                let clients: Vec<NonnullClient> = self
                    .clients
                    .locked()
                    .iter()
                    .filter(|(_, r)| r.server == key)
                    .map(|(id, r)| NonnullClient {
                        srv: a.srv.clone(),
                        id: *id,
                        timestamp: r.connected_at as i64,
                        transport: 0,
                    })
                    .collect();
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
            ap::SERVER_LOOKUP_CLIENT => {
                let a: ServerLookupClientArgs =
                    oxvirt_xdr::from_bytes_exact(&call.body).map_err(bad)?;
                let key = self
                    .server_key(&a.srv.name)
                    .ok_or_else(|| Self::no_server(&a.srv.name))?;
                let r = self
                    .record(a.id)
                    .filter(|r| r.server == key)
                    .ok_or_else(|| Self::no_client(a.id))?;
                ret(&ClientRet {
                    clnt: NonnullClient {
                        srv: a.srv,
                        id: a.id,
                        timestamp: r.connected_at as i64,
                        transport: 0,
                    },
                })?
            }
            ap::CLIENT_GET_INFO => {
                let a: ClientArgs = oxvirt_xdr::from_bytes_exact(&call.body).map_err(bad)?;
                let c = self
                    .record(a.clnt.id)
                    .and_then(|r| r.client.upgrade())
                    .ok_or_else(|| Self::no_client(a.clnt.id))?;
                ret(&TypedParamsOnly {
                    params: client_info(&c),
                })?
            }
            ap::CLIENT_CLOSE => {
                let a: ClientArgs = oxvirt_xdr::from_bytes_exact(&call.body).map_err(bad)?;
                let c = self
                    .record(a.clnt.id)
                    .and_then(|r| r.client.upgrade())
                    .ok_or_else(|| Self::no_client(a.clnt.id))?;
                c.close();
                Vec::new()
            }
            p => return Err(VirError::unknown_procedure(p)),
        };
        Ok((body, false, false))
    }
}
