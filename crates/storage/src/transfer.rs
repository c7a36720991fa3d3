//! Volume upload and download (`virStorageVolUpload` / `virStorageVolDownload`): the file's
//! bytes over the call's stream, holes as STREAM_HOLE packets when the client asks for a sparse
//! stream. The disk side runs on a blocking thread and talks to the stream through a channel.

use std::fs::{File, OpenOptions};
use std::io::{IoSlice, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use oxvirt_proto::storage::VolTransferArgs;
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_rpc::stream::{ServerStream, StreamIn};
use tokio::sync::mpsc;
use tracing::debug;

use crate::error::{Result, StorageError};
use crate::StorageDriver;

/// `VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM` / `VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM`
const SPARSE: u32 = 1;
/// bytes read from the file per packet
const CHUNK: usize = oxvirt_proto::message::STREAM_CHUNK;
/// Most packets of an upload written to the file with one system call.
const BATCH: usize = 32;
/// Packets of an upload on their way to the file's writer (the client's backpressure beyond).
const UPLOAD_QUEUE: usize = 16;

fn stream_error(e: &StorageError) -> VirError {
    e.to_vir_error()
}

/// Check the call and find the file (as libvirt: the pool active, the volume known).
pub(crate) fn prepare(d: &StorageDriver, a: &VolTransferArgs, func: &str) -> Result<PathBuf> {
    if a.flags & !SPARSE != 0 {
        return Err(StorageError::Vir(VirError::unsupported_flags(
            a.flags & !SPARSE,
            func,
            oxvirt_proto::errors::ErrorDomain::Storage as i32,
        )));
    }
    let (p, v) = crate::vols::vol_of(d, &a.vol)?;
    if p.busy.contains(&v.name) {
        return Err(StorageError::OperationInvalid(format!(
            "volume '{}' is still being allocated.",
            v.name
        )));
    }
    Ok(PathBuf::from(v.target.path.unwrap_or_default()))
}

enum Chunk {
    Data(Vec<u8>),
    Hole(u64),
}

/// Send the file from `offset` (`length` bytes, 0: to its end), then wait for the client's
/// finish and confirm it.
pub(crate) async fn download(path: PathBuf, a: VolTransferArgs, mut stream: ServerStream) {
    let sparse = a.flags & SPARSE != 0;
    let (tx, mut rx) = mpsc::channel::<Result<Chunk>>(4);
    let reader =
        tokio::task::spawn_blocking(move || read_file(&path, a.offset, a.length, sparse, &tx));
    loop {
        tokio::select! {
            biased;
            m = stream.recv() => match m {
                // the client gave up (virStreamAbort) or went away
                Some(StreamIn::Finish | StreamIn::Error(_)) => { let _ = stream.finish().await; reader.abort(); return; }
                None => { reader.abort(); return; }
                Some(_) => {}
            },
            c = rx.recv() => match c {
                Some(Ok(Chunk::Data(b))) => if !stream.send_data_vec(b).await { return },
                Some(Ok(Chunk::Hole(n))) => {
                    if !stream.send_hole(i64::try_from(n).unwrap_or(i64::MAX)).await { return }
                }
                Some(Err(e)) => { let _ = stream.fail(stream_error(&e)).await; return; }
                None => break,
            },
        }
    }
    if !stream.send_eof().await {
        return;
    }
    loop {
        match stream.recv().await {
            Some(StreamIn::Finish | StreamIn::Error(_)) => {
                let _ = stream.finish().await;
                return;
            }
            None => return,
            Some(_) => {}
        }
    }
}

fn read_file(
    path: &std::path::Path,
    offset: u64,
    length: u64,
    sparse: bool,
    tx: &mpsc::Sender<Result<Chunk>>,
) {
    let send = |c: Result<Chunk>| tx.blocking_send(c).is_ok();
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            send(Err(StorageError::system(
                format!("Unable to open '{}'", path.display()),
                e,
            )));
            return;
        }
    };
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let end = if length == 0 {
        size
    } else {
        size.min(offset.saturating_add(length))
    };
    let mut pos = offset;
    // the end of the run of data `pos` is in (sparse streams look for it once per run)
    let mut data_end = if sparse { pos } else { end };
    while pos < end {
        if pos >= data_end {
            data_end = end;
            match rustix::fs::seek(f.as_fd(), rustix::fs::SeekFrom::Data(pos)) {
                Ok(d) if d > pos => {
                    let hole = d.min(end) - pos;
                    if !send(Ok(Chunk::Hole(hole))) {
                        return;
                    }
                    pos += hole;
                    // the data after the hole: its run's end is looked for next
                    data_end = pos;
                    continue;
                }
                Ok(_) => {}
                // no data after pos: the rest is a hole
                Err(rustix::io::Errno::NXIO) => {
                    send(Ok(Chunk::Hole(end - pos)));
                    return;
                }
                Err(_) => {}
            }
            if let Ok(h) = rustix::fs::seek(f.as_fd(), rustix::fs::SeekFrom::Hole(pos)) {
                data_end = h.min(end);
            }
        }
        let want = usize::try_from((data_end - pos).min(CHUNK as u64)).unwrap_or(CHUNK);
        // each packet is read into its own buffer, which travels to the socket as it is
        let mut buf = vec![0u8; want];
        match f.read_at(&mut buf, pos) {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                if !send(Ok(Chunk::Data(buf))) {
                    return;
                }
                pos += n as u64;
            }
            Err(e) => {
                send(Err(StorageError::system(
                    format!("unable to read '{}'", path.display()),
                    e,
                )));
                return;
            }
        }
    }
}

/// Write what the client sends into the file from `offset` (at most `length` bytes when not 0)
/// until its finish; holes leave the file's bytes unwritten and sparse (the file grows to cover
/// a hole at its end). The finish is confirmed once the data is on disk.
pub(crate) async fn upload(path: PathBuf, a: VolTransferArgs, mut stream: ServerStream) {
    let (tx, mut rx) = mpsc::channel::<StreamIn>(UPLOAD_QUEUE);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<Result<()>>();
    let limit = if a.length == 0 { u64::MAX } else { a.length };
    let offset = a.offset;
    std::thread::spawn(move || {
        let _ = done_tx.send(write_file(&path, offset, limit, &mut rx));
    });
    let mut done_rx = done_rx;
    loop {
        tokio::select! {
            m = stream.recv() => match m {
                Some(m @ (StreamIn::Data(_) | StreamIn::Hole(_))) => {
                    // the writer takes at most a few packets ahead: backpressure for the client
                    if tx.send(m).await.is_err() {
                        break;
                    }
                }
                Some(StreamIn::Finish) | Some(StreamIn::Eof) => {
                    drop(tx);
                    let r = (&mut done_rx).await.unwrap_or(Err(StorageError::Internal("the upload stopped".into())));
                    match r {
                        Ok(()) => { let _ = stream.finish().await; }
                        Err(e) => { let _ = stream.fail(stream_error(&e)).await; }
                    }
                    return;
                }
                Some(StreamIn::Error(_)) => {
                    debug!("upload aborted by the client");
                    let _ = stream.finish().await;
                    return;
                }
                None => return,
            },
            r = &mut done_rx => {
                // the writer stopped before the client's finish: an error
                let e = match r { Ok(Err(e)) => e, _ => StorageError::Internal("the upload stopped".into()) };
                let _ = stream.fail(stream_error(&e)).await;
                return;
            }
        }
    }
    let r = done_rx
        .await
        .unwrap_or(Err(StorageError::Internal("the upload stopped".into())));
    if let Err(e) = r {
        let _ = stream.fail(stream_error(&e)).await;
    }
}

fn write_file(
    path: &std::path::Path,
    offset: u64,
    limit: u64,
    rx: &mut mpsc::Receiver<StreamIn>,
) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StorageError::system(format!("Unable to open '{}'", path.display()), e))?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| StorageError::system("cannot seek", e))?;
    let write_err = |e| StorageError::system(format!("unable to write '{}'", path.display()), e);
    let sync_err = |e| StorageError::system(format!("cannot sync '{}'", path.display()), e);
    let mut pos = offset;
    let mut written = 0u64;
    let mut behind = WriteBehind::default();
    // packets that arrived together go to the file in one system call
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    loop {
        let m = match rx.try_recv() {
            Ok(m) => m,
            Err(mpsc::error::TryRecvError::Empty) => {
                write_batch(&mut f, &mut batch).map_err(write_err)?;
                match rx.blocking_recv() {
                    Some(m) => m,
                    None => break,
                }
            }
            Err(mpsc::error::TryRecvError::Disconnected) => break,
        };
        match m {
            StreamIn::Data(mut b) => {
                let n = (b.len() as u64).min(limit - written);
                b.truncate(usize::try_from(n).unwrap_or(b.len()));
                pos += n;
                written += n;
                batch.push(b);
                if batch.len() >= BATCH {
                    write_batch(&mut f, &mut batch).map_err(write_err)?;
                }
                behind.wrote(&f, n).map_err(sync_err)?;
            }
            StreamIn::Hole(n) => {
                write_batch(&mut f, &mut batch).map_err(write_err)?;
                let n = u64::try_from(n).unwrap_or(0).min(limit - written);
                // the hole's bytes may hold old data: punch them out
                let _ = rustix::fs::fallocate(
                    &f,
                    rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE,
                    pos,
                    n,
                );
                pos += n;
                written += n;
                f.seek(SeekFrom::Start(pos))
                    .map_err(|e| StorageError::system("cannot seek", e))?;
            }
            _ => {}
        }
    }
    write_batch(&mut f, &mut batch).map_err(write_err)?;
    behind.wait().map_err(sync_err)?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if pos > len {
        f.set_len(pos)
            .map_err(|e| StorageError::system("cannot extend the volume", e))?;
    }
    f.sync_data()
        .map_err(|e| StorageError::system(format!("cannot sync '{}'", path.display()), e))
}

/// Bytes of an upload after which the file's data is synced in the background.
const SYNC_STEP: u64 = 64 << 20;

/// Write-behind of an upload: every [`SYNC_STEP`] bytes a thread syncs what was written so
/// far while the upload goes on, so the sync before the finish is confirmed waits for the
/// last bytes only, not for the whole volume.
#[derive(Debug, Default)]
struct WriteBehind {
    since: u64,
    running: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl WriteBehind {
    fn wrote(&mut self, f: &File, n: u64) -> std::io::Result<()> {
        self.since += n;
        if self.since < SYNC_STEP || self.running.as_ref().is_some_and(|t| !t.is_finished()) {
            return Ok(());
        }
        self.wait()?;
        let g = f.try_clone()?;
        self.running = Some(std::thread::spawn(move || g.sync_data()));
        self.since = 0;
        Ok(())
    }

    /// Wait for the sync in flight; its error.
    fn wait(&mut self) -> std::io::Result<()> {
        match self.running.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the sync thread failed")),
            None => Ok(()),
        }
    }
}

/// Write the packets of `batch` at the file's position with as few `writev` as it takes, and
/// empty it.
fn write_batch(f: &mut File, batch: &mut Vec<Vec<u8>>) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = batch
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| IoSlice::new(b))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        let n = f.write_vectored(rest)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut rest, n);
    }
    drop(slices);
    batch.clear();
    Ok(())
}
