//! virsh sessions compared with libvirt's: each command's transcript (`$ virsh ARGS`, its exit
//! status, its output), and the commands whose transcripts differ.

use crate::Run;

/// Run each command of `session` through `virsh`, `DIR` in its arguments standing for `dir`;
/// one transcript per command, `dir` written `DIR` in its output and `clean` applied to its
/// stdout (what may differ between two hosts, such as timestamps, left out).
pub fn run_session(
    session: &[&[&str]],
    virsh: impl Fn(&[&str]) -> Run,
    dir: &str,
    clean: impl Fn(&str) -> String,
) -> Vec<String> {
    session
        .iter()
        .map(|cmd| {
            let args: Vec<String> = cmd.iter().map(|a| a.replace("DIR", dir)).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = virsh(&args);
            transcript(
                cmd,
                &r,
                &clean(&r.stdout.replace(dir, "DIR")),
                &r.stderr.replace(dir, "DIR"),
            )
        })
        .collect()
}

/// One command's transcript: `$ virsh ARGS`, `[STATUS]`, then its stdout and stderr.
pub fn transcript(cmd: &[&str], r: &Run, stdout: &str, stderr: &str) -> String {
    format!(
        "$ virsh {}\n[{}]\n{}{}",
        cmd.join(" "),
        r.status,
        stdout,
        stderr
    )
}

/// The commands whose transcripts differ between libvirt's session (`want`) and oxvirt's
/// (`got`), each with both transcripts; says on stderr how many were the same.
pub fn differences(want: &[String], got: &[String]) -> Vec<String> {
    let mut same = 0;
    let mut diffs = Vec::new();
    for (w, g) in want.iter().zip(got) {
        if w == g {
            same += 1;
        } else {
            diffs.push(format!("libvirt:\n{w}\noxvirt:\n{g}\n"));
        }
    }
    eprintln!("{same}/{} commands give libvirt's output", want.len());
    diffs
}
