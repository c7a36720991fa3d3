//! [`Console`]: a domain's serial console as a byte stream (DOMAIN_OPEN_CONSOLE).

use oxvirt_rpc::client::ClientStream;
use oxvirt_rpc::stream::StreamIn;

use crate::{Connection, Error, Result};

/// An open console. Read what the guest writes with [`Console::read`], type with
/// [`Console::write`]; [`Console::close`] ends the session (dropping it also does, without
/// waiting for the server).
#[derive(Debug)]
pub struct Console {
    conn: Connection,
    stream: ClientStream,
}

impl Console {
    pub(crate) fn new(conn: Connection, stream: ClientStream) -> Self {
        Console { conn, stream }
    }

    /// The next bytes from the guest; `None` when the console ended (the domain stopped, or
    /// another client took the console over).
    pub async fn read(&mut self) -> Result<Option<Vec<u8>>> {
        loop {
            match self.stream.recv().await {
                Some(StreamIn::Data(d)) => return Ok(Some(d)),
                Some(StreamIn::Hole(_)) => continue,
                Some(StreamIn::Eof) | Some(StreamIn::Finish) | Some(StreamIn::Error(None)) => {
                    return Ok(None)
                }
                Some(StreamIn::Error(Some(e))) => return Err(Error::Libvirt(e)),
                None => {
                    return Err(Error::Closed {
                        uri: self.conn.uri().to_owned(),
                    })
                }
            }
        }
    }

    /// Send bytes to the guest.
    pub async fn write(&self, data: &[u8]) -> Result<()> {
        self.stream
            .send_data(data)
            .await
            .map_err(|e| self.conn.rpc_error(e))
    }

    /// End the session (abort, as `virsh console` does when it detaches).
    pub async fn close(self) -> Result<()> {
        let conn = self.conn.clone();
        self.stream.abort().await.map_err(|e| conn.rpc_error(e))
    }
}
