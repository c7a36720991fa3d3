//! `oxvirt`: manage QEMU VMs from the command line. By default everything happens in an
//! embedded root in the user's data directory (no daemon); `--connect URI` uses
//! `oxvirt-qemud` or libvirt's own daemons instead, since the command is a libvirt client.
//!
//! - [`run`]: `oxvirt run`, one command from kernel/disk to a VM on the console;
//! - [`terminal`]: the console session (raw terminal, escape key);
//! - [`net`]: the network subcommands (`net-list`, `net-start`, ...);
//! - [`output`]: tables for people, JSON (`--json`) for scripts.

#[macro_use]
mod output;
mod net;
mod run;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use oxvirt::{Connection, Domain, DomainEvent, DomainState};
use serde_json::json;

use output::Out;

#[derive(Debug, Parser)]
#[command(
    name = "oxvirt",
    version,
    about = "Manage QEMU virtual machines: embedded (no daemon) by default, or through oxvirt-qemud or libvirt"
)]
struct Cli {
    /// Connection URI: qemu:///embed?root=DIR, qemu:///system, qemu+unix:///system?socket=PATH.
    /// Default: an embedded root in $XDG_DATA_HOME/oxvirt/embed (~/.local/share/oxvirt/embed).
    #[arg(short = 'c', long = "connect", global = true, env = "OXVIRT_CONNECT")]
    connect: Option<String>,
    /// Machine-readable output (JSON) instead of tables and sentences.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List domains (running ones; --all for every one).
    List {
        /// Running and defined-but-stopped domains.
        #[arg(long)]
        all: bool,
        /// Only stopped (defined) domains.
        #[arg(long)]
        inactive: bool,
    },
    /// Define a persistent domain from an XML file ("-" reads standard input).
    Define {
        file: PathBuf,
        /// Check the XML against libvirt's schema first.
        #[arg(long)]
        validate: bool,
    },
    /// Remove a domain's persistent definition.
    Undefine { domain: String },
    /// Start a defined domain.
    Start {
        domain: String,
        /// Leave it paused.
        #[arg(long)]
        paused: bool,
        /// Attach to its console after starting.
        #[arg(long)]
        console: bool,
    },
    /// Ask the guest to shut down (ACPI).
    Shutdown {
        domain: String,
        /// Wait until it is shut off (at most --timeout seconds).
        #[arg(long)]
        wait: bool,
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Power a domain off at once.
    Destroy {
        domain: String,
        /// Give QEMU time to exit by itself.
        #[arg(long)]
        graceful: bool,
    },
    /// Ask the guest to reboot (ACPI).
    Reboot { domain: String },
    /// Pause a running domain.
    Suspend { domain: String },
    /// Resume a paused domain.
    Resume { domain: String },
    /// A domain's state, memory, CPUs, persistence.
    Dominfo { domain: String },
    /// A domain's state and its reason.
    Domstate { domain: String },
    /// A domain's XML.
    Dumpxml {
        domain: String,
        /// The persistent configuration rather than the running one.
        #[arg(long)]
        inactive: bool,
        /// Include security-sensitive information.
        #[arg(long)]
        security_info: bool,
        /// The XML for migration.
        #[arg(long)]
        migratable: bool,
    },
    /// Attach to a domain's serial console (Ctrl+] detaches).
    Console {
        domain: String,
        /// Take the console over from another client.
        #[arg(long)]
        force: bool,
    },
    /// Print domain events as they happen.
    Events {
        /// Only this domain's events.
        domain: Option<String>,
        /// Keep printing (default: stop after the first event).
        #[arg(long = "loop")]
        keep: bool,
        /// Stop after this many seconds.
        #[arg(long)]
        timeout: Option<u64>,
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
    },
    /// Statistics of domains (all running ones, or those named).
    Domstats { domains: Vec<String> },
    /// Boot a VM in one command, attach its console, and remove it when the console ends.
    Run(run::RunArgs),
    #[command(flatten)]
    Net(net::NetCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(async {
        match execute(cli).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    });
    // VMs keep running under their shims; nothing else must hold the process
    rt.shutdown_timeout(Duration::from_millis(200));
    code
}

/// The default URI: an embedded root in the user's data directory.
fn default_uri() -> Result<String, String> {
    let data = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(h) => PathBuf::from(h).join(".local/share"),
            None => return Err("neither XDG_DATA_HOME nor HOME is set: use --connect".into()),
        },
    };
    Ok(oxvirt::uri::embedded(&data.join("oxvirt/embed")))
}

async fn execute(cli: Cli) -> Result<ExitCode, String> {
    let uri = match cli.connect {
        Some(u) => u,
        None => default_uri()?,
    };
    let out = Out { json: cli.json };
    let conn = Connection::open(&uri).await.map_err(|e| e.to_string())?;
    let r = command(&conn, &out, cli.command).await;
    let _ = conn.close().await;
    r
}

/// The text of an XML file given on the command line ("-": standard input).
fn read_input(file: &std::path::Path) -> Result<String, String> {
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|err| format!("cannot read standard input: {err}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(file).map_err(|err| format!("cannot read {}: {err}", file.display()))
}

async fn lookup(conn: &Connection, what: &str) -> Result<Domain, String> {
    conn.lookup(what).await.map_err(|e| e.to_string())
}

async fn command(conn: &Connection, out: &Out, cmd: Command) -> Result<ExitCode, String> {
    let e = |e: oxvirt::Error| e.to_string();
    match cmd {
        Command::List { all, inactive } => list(conn, out, all, inactive).await?,
        Command::Define { file, validate } => {
            let xml = read_input(&file)?;
            let d = conn
                .define_xml(&xml, u32::from(validate))
                .await
                .map_err(e)?;
            out.done(
                &format!("Domain '{}' defined from {}", d.name(), file.display()),
                json!({"domain": d.name(), "uuid": d.uuid_string(), "action": "defined"}),
            );
        }
        Command::Undefine { domain } => {
            let d = lookup(conn, &domain).await?;
            d.undefine(0).await.map_err(e)?;
            out.action(&d, "undefined", "has been undefined");
        }
        Command::Start {
            domain,
            paused,
            console,
        } => {
            let d = lookup(conn, &domain).await?;
            if console {
                // attach before the guest runs, so no output is lost
                d.start(1).await.map_err(e)?;
                let c = d.open_console(None, 0).await.map_err(e)?;
                if !paused {
                    d.resume().await.map_err(e)?;
                }
                out.action(&d, "started", "started");
                terminal::session(c, d.name()).await?;
            } else {
                d.start(u32::from(paused)).await.map_err(e)?;
                out.action(&d, "started", "started");
            }
        }
        Command::Shutdown {
            domain,
            wait,
            timeout,
        } => {
            let d = lookup(conn, &domain).await?;
            let events = if wait {
                Some(conn.domain_events(Some(&d)).await.map_err(e)?)
            } else {
                None
            };
            d.shutdown().await.map_err(e)?;
            if let Some(events) = events {
                wait_stopped(&d, events, Duration::from_secs(timeout)).await?;
                out.action(&d, "shut off", "is shut off");
            } else {
                out.action(&d, "shutting down", "is being shutdown");
            }
        }
        Command::Destroy { domain, graceful } => {
            let d = lookup(conn, &domain).await?;
            d.destroy(u32::from(graceful)).await.map_err(e)?;
            out.action(&d, "destroyed", "destroyed");
        }
        Command::Reboot { domain } => {
            let d = lookup(conn, &domain).await?;
            d.reboot().await.map_err(e)?;
            out.action(&d, "rebooting", "is being rebooted");
        }
        Command::Suspend { domain } => {
            let d = lookup(conn, &domain).await?;
            d.suspend().await.map_err(e)?;
            out.action(&d, "suspended", "suspended");
        }
        Command::Resume { domain } => {
            let d = lookup(conn, &domain).await?;
            d.resume().await.map_err(e)?;
            out.action(&d, "resumed", "resumed");
        }
        Command::Dominfo { domain } => {
            let d = lookup(conn, &domain).await?;
            let info = d.info().await.map_err(e)?;
            let os = d.os_type().await.map_err(e)?;
            let persistent = d.is_persistent().await.map_err(e)?;
            let autostart = d.autostart().await.map_err(e)?;
            out.dominfo(&d, &info, &os, persistent, autostart);
        }
        Command::Domstate { domain } => {
            let d = lookup(conn, &domain).await?;
            let (state, reason) = d.state().await.map_err(e)?;
            out.domstate(&d, state, reason);
        }
        Command::Dumpxml {
            domain,
            inactive,
            security_info,
            migratable,
        } => {
            let d = lookup(conn, &domain).await?;
            let mut flags = 0;
            if inactive {
                flags |= oxvirt::xml_flags::INACTIVE;
            }
            if security_info {
                flags |= oxvirt::xml_flags::SECURE;
            }
            if migratable {
                flags |= oxvirt::xml_flags::MIGRATABLE;
            }
            let xml = d.xml(flags).await.map_err(e)?;
            out.text(&xml, json!({"domain": d.name(), "xml": xml}));
        }
        Command::Console { domain, force } => {
            let d = lookup(conn, &domain).await?;
            let c = d.open_console(None, u32::from(force)).await.map_err(e)?;
            terminal::session(c, d.name()).await?;
        }
        Command::Events {
            domain,
            keep,
            timeout,
            count,
        } => watch_events(conn, out, domain, keep, timeout, count).await?,
        Command::Domstats { domains } => {
            let mut stats = conn
                .all_domain_stats(0, oxvirt::list_flags::ACTIVE)
                .await
                .map_err(e)?;
            if !domains.is_empty() {
                let mut wanted = Vec::new();
                for n in &domains {
                    wanted.push(lookup(conn, n).await?.uuid());
                }
                stats.retain(|s| wanted.contains(&s.domain.uuid()));
            }
            out.domstats(&stats);
        }
        Command::Run(args) => return run::run(conn, out, args).await,
        Command::Net(cmd) => net::command(conn, out, cmd).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `list`: the domains as virsh orders them.
async fn list(conn: &Connection, out: &Out, all: bool, inactive: bool) -> Result<(), String> {
    let e = |e: oxvirt::Error| e.to_string();
    let flags = if inactive {
        oxvirt::list_flags::INACTIVE
    } else if all {
        0
    } else {
        oxvirt::list_flags::ACTIVE
    };
    let doms = conn.list_domains(flags).await.map_err(e)?;
    let mut rows = Vec::new();
    for d in doms {
        let (state, _) = d.state().await.map_err(e)?;
        rows.push((d, state));
    }
    // virsh's order: running ones by id, then the others by name
    rows.sort_by(|(a, _), (b, _)| match (a.id(), b.id()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name().cmp(b.name()),
    });
    out.list(&rows);
    Ok(())
}

/// `events`: print domain events until the count, the timeout or Ctrl-C.
async fn watch_events(
    conn: &Connection,
    out: &Out,
    domain: Option<String>,
    keep: bool,
    timeout: Option<u64>,
    count: Option<usize>,
) -> Result<(), String> {
    let e = |e: oxvirt::Error| e.to_string();
    let only = match &domain {
        Some(n) => Some(lookup(conn, n).await?),
        None => None,
    };
    let mut events = conn.domain_events(only.as_ref()).await.map_err(e)?;
    let limit = count.unwrap_or(if keep { usize::MAX } else { 1 });
    let deadline = timeout.map(|t| tokio::time::Instant::now() + Duration::from_secs(t));
    let mut seen = 0;
    while seen < limit {
        let next = async {
            match deadline {
                Some(d) => tokio::time::timeout_at(d, events.next()).await.ok(),
                None => Some(events.next().await),
            }
        };
        let ev = tokio::select! {
            ev = next => ev,
            _ = tokio::signal::ctrl_c() => None,
        };
        match ev {
            Some(Some(ev)) => {
                out.event(&ev);
                seen += 1;
            }
            Some(None) => return Err("the connection closed".into()),
            None => break,
        }
    }
    if !out.json {
        outln!("events received: {seen}");
    }
    Ok(())
}

/// Wait for a domain's "Stopped" event (or find it already shut off).
async fn wait_stopped(
    d: &Domain,
    mut events: oxvirt::DomainEvents,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        // a transient domain is gone once it stops: "no such domain" means stopped too
        if let Ok((DomainState::Shutoff, _)) | Err(_) = d.state().await {
            return Ok(());
        }
        match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(DomainEvent::Lifecycle { event: 5, .. })) => return Ok(()),
            Ok(Some(_)) => continue,
            Ok(None) => return Err("the connection closed".into()),
            Err(_) => {
                return Err(format!(
                    "domain '{}' did not shut off within {} s",
                    d.name(),
                    timeout.as_secs()
                ))
            }
        }
    }
}
