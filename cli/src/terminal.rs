//! A console session: the guest's output to standard output, standard input to the guest.
//! On a terminal, the terminal is put in raw mode (restored on exit) and Ctrl+] detaches, as
//! with `virsh console`. Otherwise (pipes, files) input is forwarded until it ends and the
//! session lasts until the console closes (the VM stopped) or SIGINT/SIGTERM.

use std::io::Write;

use rustix::termios::{self, Termios};
use tokio::io::AsyncReadExt;

/// Ctrl+]: leave the console.
const ESCAPE: u8 = 0x1d;

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The console closed: the domain stopped (or another client took it over).
    Closed,
    /// The user detached (Ctrl+]) or the program was asked to stop (SIGINT/SIGTERM).
    Detached,
}

/// Puts the terminal back as it was.
struct RawMode {
    saved: Termios,
}

impl RawMode {
    fn enter() -> Option<RawMode> {
        let stdin = rustix::stdio::stdin();
        if !termios::isatty(stdin) {
            return None;
        }
        let saved = termios::tcgetattr(stdin).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        termios::tcsetattr(stdin, termios::OptionalActions::Flush, &raw).ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(
            rustix::stdio::stdin(),
            termios::OptionalActions::Flush,
            &self.saved,
        );
    }
}

/// Run a session on `console` until it ends.
pub async fn session(console: oxvirt::Console, name: &str) -> Result<Ended, String> {
    let raw = RawMode::enter();
    if raw.is_some() {
        eprint!("Connected to domain '{name}'\r\nEscape character is ^] (Ctrl + ])\r\n");
    }
    let r = pump(console, raw.is_some()).await;
    drop(raw);
    if matches!(r, Ok(Ended::Detached)) && termios::isatty(rustix::stdio::stdin()) {
        eprintln!();
    }
    r
}

async fn pump(mut console: oxvirt::Console, tty: bool) -> Result<Ended, String> {
    let mut stdin = tokio::io::stdin();
    let mut stdin_open = true;
    let mut buf = vec![0u8; 4096];
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    loop {
        tokio::select! {
            data = console.read() => match data {
                Ok(Some(bytes)) => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&bytes)
                        .and_then(|()| out.flush())
                        .map_err(|e| format!("cannot write the console output: {e}"))?;
                }
                Ok(None) => return Ok(Ended::Closed),
                Err(e) => return Err(e.to_string()),
            },
            n = stdin.read(&mut buf), if stdin_open => match n {
                Ok(0) | Err(_) => stdin_open = false,
                Ok(n) => {
                    let input = &buf[..n];
                    if tty {
                        if let Some(i) = input.iter().position(|&b| b == ESCAPE) {
                            if i > 0 {
                                console.write(&input[..i]).await.map_err(|e| e.to_string())?;
                            }
                            let _ = console.close().await;
                            return Ok(Ended::Detached);
                        }
                    }
                    console.write(input).await.map_err(|e| e.to_string())?;
                }
            },
            _ = tokio::signal::ctrl_c() => {
                let _ = console.close().await;
                return Ok(Ended::Detached);
            }
            _ = term.recv() => {
                let _ = console.close().await;
                return Ok(Ended::Detached);
            }
        }
    }
}
