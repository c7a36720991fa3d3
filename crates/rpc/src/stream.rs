//! Streams: the STREAM / STREAM_HOLE messages that follow a call's reply on the call's serial
//! (volume upload/download, consoles). Shared by the server ([`ServerStream`]) and the client
//! ([`crate::client::ClientStream`]).
//!
//! Protocol, as libvirt 9.0 does it: data goes as STREAM/CONTINUE packets of raw bytes (at most
//! [`STREAM_CHUNK`] each when we send; any size up to the message maximum is accepted). The
//! sender of data ends it with an empty STREAM/CONTINUE (server: EOF) or STREAM/OK (client:
//! finish); the finish is confirmed with STREAM/OK, or STREAM/ERROR with an error. A client
//! aborts with STREAM/ERROR and an empty body. Holes are STREAM_HOLE packets `{length, flags}`.
//! Flow control is backpressure, as in libvirtd: on the server, a client's packets not yet
//! taken by their stream count against its `max_client_requests` together with its calls in
//! flight, and at the limit the connection's reader stops reading the socket; outgoing data
//! waits for room in the client's queue of bytes not yet written (`max_queued_bytes`).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit};

use crate::frame::Message;
use crate::server::Client;
use oxvirt_proto::message::{StreamHole, STREAM_CHUNK};
use oxvirt_proto::types::WireError;
use oxvirt_proto::{Header, MessageType, Status, VirError};

/// Identifies a stream on a connection: the call's program, procedure and serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub program: u32,
    pub procedure: i32,
    pub serial: u32,
}

/// What arrives on a stream from the peer.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamIn {
    /// Raw bytes (a STREAM/CONTINUE packet with a body).
    Data(Vec<u8>),
    /// A hole of this many bytes (STREAM_HOLE).
    Hole(i64),
    /// End of the peer's data: an empty STREAM/CONTINUE (from a server).
    Eof,
    /// STREAM/OK: the client's finish request, or the server's confirmation.
    Finish,
    /// STREAM/ERROR: an abort from a client (no error), or a failure from a server.
    Error(Option<VirError>),
}

impl StreamIn {
    /// Interpret a STREAM or STREAM_HOLE message. `None` for packets that make no sense.
    pub fn from_message(m: &Message) -> Option<Self> {
        match (m.header.message_type()?, m.header.message_status()?) {
            (MessageType::Stream, Status::Continue) if !m.body.is_empty() => {
                Some(StreamIn::Data(m.body.clone()))
            }
            _ => Self::control(m),
        }
    }

    /// [`StreamIn::from_message`], without copying the data.
    pub fn from_owned(m: Message) -> Option<Self> {
        match (m.header.message_type()?, m.header.message_status()?) {
            (MessageType::Stream, Status::Continue) if !m.body.is_empty() => {
                Some(StreamIn::Data(m.body))
            }
            _ => Self::control(&m),
        }
    }

    fn control(m: &Message) -> Option<Self> {
        match (m.header.message_type()?, m.header.message_status()?) {
            (MessageType::Stream, Status::Continue) if m.body.is_empty() => Some(StreamIn::Eof),
            (MessageType::Stream, Status::Continue) => Some(StreamIn::Data(m.body.clone())),
            (MessageType::Stream, Status::Ok) => Some(StreamIn::Finish),
            (MessageType::Stream, Status::Error) => {
                let e = oxvirt_xdr::from_bytes::<WireError>(&m.body)
                    .ok()
                    .map(|w| VirError::from_wire(&w));
                Some(StreamIn::Error(e))
            }
            (MessageType::StreamHole, _) => oxvirt_xdr::from_bytes::<StreamHole>(&m.body)
                .ok()
                .map(|h| StreamIn::Hole(h.length)),
            _ => None,
        }
    }
}

/// A packet on its way from the connection's reader to the stream, holding its place among
/// the client's requests in flight until the stream takes it.
#[derive(Debug)]
pub(crate) struct StreamPacket {
    pub(crate) item: StreamIn,
    pub(crate) _permit: OwnedSemaphorePermit,
}

/// What we send on a stream.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamOut {
    Data(Vec<u8>),
    Hole(i64),
    /// Empty STREAM/CONTINUE: end of our data (server side).
    Eof,
    /// STREAM/OK: finish request (client) or confirmation (server).
    Finish,
    /// STREAM/ERROR: a failure (server) or, with `None`, an abort (client).
    Error(Option<VirError>),
}

impl StreamOut {
    pub fn into_message(self, key: &StreamKey) -> Message {
        let h =
            |t: MessageType, s: Status| Header::new(key.program, key.procedure, t, key.serial, s);
        match self {
            StreamOut::Data(d) => Message::new(h(MessageType::Stream, Status::Continue), d),
            StreamOut::Hole(len) => Message::new(
                h(MessageType::StreamHole, Status::Continue),
                oxvirt_xdr::to_bytes(&StreamHole {
                    length: len,
                    flags: 0,
                })
                .unwrap_or_default(),
            ),
            StreamOut::Eof => Message::new(h(MessageType::Stream, Status::Continue), Vec::new()),
            StreamOut::Finish => Message::new(h(MessageType::Stream, Status::Ok), Vec::new()),
            StreamOut::Error(e) => Message::new(
                h(MessageType::Stream, Status::Error),
                e.map(|e| oxvirt_xdr::to_bytes(&e.to_wire()).unwrap_or_default())
                    .unwrap_or_default(),
            ),
        }
    }
}

/// The server's end of a call's stream.
#[derive(Debug)]
pub struct ServerStream {
    client: Arc<Client>,
    key: StreamKey,
    rx: mpsc::Receiver<StreamPacket>,
    gate: Option<oneshot::Receiver<()>>,
    open: bool,
}

impl ServerStream {
    pub(crate) fn new(
        client: Arc<Client>,
        key: StreamKey,
        rx: mpsc::Receiver<StreamPacket>,
        gate: Option<oneshot::Receiver<()>>,
    ) -> Self {
        ServerStream {
            client,
            key,
            rx,
            gate,
            open: true,
        }
    }

    pub fn key(&self) -> StreamKey {
        self.key
    }

    /// The next packet from the client; `None` once the connection is gone.
    ///
    /// The connection's reader stops reading while the client's packets not yet taken here
    /// and its calls in flight reach `max_client_requests`: a stream that is not read stalls
    /// its whole connection (libvirt's flow control).
    pub async fn recv(&mut self) -> Option<StreamIn> {
        tokio::select! {
            // what already arrived comes first, even if the connection closed since
            biased;
            p = self.rx.recv() => p.map(|p| p.item),
            _ = self.client.closed() => None,
        }
    }

    /// Wait until the call's reply has gone out; false if it never will.
    async fn ready(&mut self) -> bool {
        if let Some(g) = self.gate.take() {
            if g.await.is_err() {
                self.open = false;
            }
        }
        self.open && !self.client.is_closed()
    }

    async fn send(&mut self, out: StreamOut) -> bool {
        if !self.ready().await {
            return false;
        }
        self.client.send_stream(&self.key, out).await
    }

    /// Send bytes, split in libvirt's chunk size.
    pub async fn send_data(&mut self, data: &[u8]) -> bool {
        for chunk in data.chunks(STREAM_CHUNK) {
            if !self.send(StreamOut::Data(chunk.to_vec())).await {
                return false;
            }
        }
        true
    }

    /// Send bytes the caller gives away: one packet without a copy when they fit in libvirt's
    /// chunk size.
    pub async fn send_data_vec(&mut self, data: Vec<u8>) -> bool {
        if data.len() > STREAM_CHUNK {
            return self.send_data(&data).await;
        }
        self.send(StreamOut::Data(data)).await
    }

    pub async fn send_hole(&mut self, len: i64) -> bool {
        self.send(StreamOut::Hole(len)).await
    }

    /// End of our data (the client answers with a finish request).
    pub async fn send_eof(&mut self) -> bool {
        self.send(StreamOut::Eof).await
    }

    /// Confirm the client's finish or abort; the stream is done.
    pub async fn finish(mut self) -> bool {
        let r = self.send(StreamOut::Finish).await;
        self.client.unregister_stream(&self.key);
        r
    }

    /// Fail the stream with an error; the stream is done.
    pub async fn fail(mut self, e: VirError) -> bool {
        let r = self.send(StreamOut::Error(Some(e))).await;
        self.client.unregister_stream(&self.key);
        r
    }
}

impl Drop for ServerStream {
    fn drop(&mut self) {
        self.client.unregister_stream(&self.key);
    }
}
