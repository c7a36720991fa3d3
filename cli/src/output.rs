//! What the command prints: virsh-like tables and sentences for people, JSON for scripts.

use std::io::Write;

use oxvirt::{Domain, DomainEvent, DomainInfo, DomainState, DomainStats, Value};
use serde_json::{json, Value as Json};

/// Write to standard output; a reader that went away (`oxvirt list | head -1`) ends the
/// program quietly instead of a panic, as the closed pipe ends C tools.
pub fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// `print!` through [`write_stdout`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_stdout(&format!($($arg)*)) };
}

/// `println!` through [`write_stdout`].
#[macro_export]
macro_rules! outln {
    () => { $crate::output::write_stdout("\n") };
    ($($arg:tt)*) => { $crate::output::write_stdout(&format!("{}\n", format!($($arg)*))) };
}

#[derive(Debug)]
pub struct Out {
    pub json: bool,
}

fn id_json(d: &Domain) -> Json {
    d.id().map_or(Json::Null, |i| json!(i))
}

/// Columns left-aligned, three spaces apart, one leading space, a dashed rule (virsh's tables).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push(' ');
            s.push_str(c);
            if i + 1 < n {
                let pad = width[i] - c.chars().count() + 2;
                s.push_str(&" ".repeat(pad));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    let total: usize = width.iter().sum::<usize>() + 3 * n;
    out.push_str(&"-".repeat(total));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out.push('\n');
    out
}

impl Out {
    fn print_json(&self, v: &Json) {
        outln!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    }

    pub fn list(&self, rows: &[(Domain, DomainState)]) {
        if self.json {
            let v: Vec<Json> = rows
                .iter()
                .map(|(d, s)| {
                    json!({"id": id_json(d), "name": d.name(), "uuid": d.uuid_string(), "state": s.to_string()})
                })
                .collect();
            self.print_json(&Json::Array(v));
            return;
        }
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|(d, s)| {
                vec![
                    d.id().map_or("-".to_owned(), |i| i.to_string()),
                    d.name().to_owned(),
                    s.to_string(),
                ]
            })
            .collect();
        out!("{}", table(&["Id", "Name", "State"], &rows));
    }

    /// The outcome of a call on a domain: "Domain 'x' started".
    pub fn action(&self, d: &Domain, what: &str, sentence: &str) {
        self.done(
            &format!("Domain '{}' {sentence}", d.name()),
            json!({"domain": d.name(), "uuid": d.uuid_string(), "action": what}),
        );
    }

    pub fn done(&self, sentence: &str, v: Json) {
        if self.json {
            self.print_json(&v);
        } else {
            outln!("{sentence}");
        }
    }

    pub fn text(&self, text: &str, v: Json) {
        if self.json {
            self.print_json(&v);
        } else {
            out!("{text}");
            if !text.ends_with('\n') {
                outln!();
            }
        }
    }

    pub fn dominfo(
        &self,
        d: &Domain,
        info: &DomainInfo,
        os: &str,
        persistent: bool,
        autostart: bool,
    ) {
        if self.json {
            self.print_json(&json!({
                "id": id_json(d),
                "name": d.name(),
                "uuid": d.uuid_string(),
                "os_type": os,
                "state": info.state.to_string(),
                "vcpus": info.vcpus,
                "cpu_time_ns": info.cpu_time_ns,
                "max_memory_kib": info.max_memory_kib,
                "memory_kib": info.memory_kib,
                "persistent": persistent,
                "autostart": autostart,
            }));
            return;
        }
        let yes = |b| if b { "yes" } else { "no" };
        let mut lines = vec![
            ("Id:", d.id().map_or("-".to_owned(), |i| i.to_string())),
            ("Name:", d.name().to_owned()),
            ("UUID:", d.uuid_string()),
            ("OS Type:", os.to_owned()),
            ("State:", info.state.to_string()),
            ("CPU(s):", info.vcpus.to_string()),
        ];
        if info.state.is_active() {
            lines.push((
                "CPU time:",
                format!("{:.1}s", info.cpu_time_ns as f64 / 1e9),
            ));
        }
        lines.push(("Max memory:", format!("{} KiB", info.max_memory_kib)));
        lines.push(("Used memory:", format!("{} KiB", info.memory_kib)));
        lines.push(("Persistent:", yes(persistent).to_owned()));
        lines.push((
            "Autostart:",
            if autostart { "enable" } else { "disable" }.to_owned(),
        ));
        for (k, v) in lines {
            outln!("{k:<16}{v}");
        }
    }

    pub fn domstate(&self, d: &Domain, state: DomainState, reason: i32) {
        let why = state.reason_name(reason);
        self.text(
            &format!("{state} ({why})"),
            json!({"domain": d.name(), "state": state.to_string(), "reason": why}),
        );
    }

    pub fn event(&self, ev: &DomainEvent) {
        if self.json {
            let d = ev.domain();
            let mut v = json!({"event": ev.kind(), "domain": d.name, "uuid": d.uuid_string()});
            match ev {
                DomainEvent::Lifecycle { event, detail, .. } => {
                    let (e, det) = oxvirt::lifecycle_names(*event, *detail);
                    v["type"] = json!(e);
                    v["detail"] = json!(det);
                }
                DomainEvent::BalloonChange { actual_kib, .. } => {
                    v["actual_kib"] = json!(actual_kib);
                }
                DomainEvent::Reboot { .. } => {}
            }
            outln!("{v}");
        } else {
            outln!("{ev}");
        }
    }

    pub fn domstats(&self, stats: &[DomainStats]) {
        if self.json {
            let v: Vec<Json> = stats
                .iter()
                .map(|s| {
                    let mut fields = serde_json::Map::new();
                    for (k, v) in &s.params {
                        let j = match v {
                            Value::Int(x) => json!(x),
                            Value::UInt(x) => json!(x),
                            Value::LLong(x) => json!(x),
                            Value::ULLong(x) => json!(x),
                            Value::Double(x) => json!(x),
                            Value::Boolean(x) => json!(x),
                            Value::String(x) => json!(x),
                        };
                        fields.insert(k.clone(), j);
                    }
                    json!({"domain": s.domain.name(), "stats": fields})
                })
                .collect();
            self.print_json(&Json::Array(v));
            return;
        }
        for s in stats {
            outln!("Domain: '{}'", s.domain.name());
            for (k, v) in &s.params {
                outln!("  {k}={v}");
            }
            outln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_look_like_virsh() {
        let t = table(
            &["Id", "Name", "State"],
            &[
                vec!["1".into(), "demo".into(), "running".into()],
                vec!["-".into(), "a-long-name".into(), "shut off".into()],
            ],
        );
        assert_eq!(
            t,
            " Id   Name          State\n\
             ------------------------------\n \
             1    demo          running\n \
             -    a-long-name   shut off\n\n"
        );
    }
}
