//! The network XML corpus (`tests/data/network`): each `NAME.xml` parsed, validated as the
//! network driver does on define and formatted must give `NAME.expected.xml` (libvirt 9.0's
//! `net-dumpxml --inactive` after `net-define`) byte for byte, or exactly the error (code,
//! domain, message) in `NAME.expected-error`. All must match.
//!
//! Generated values (a UUID or bridge MAC the input leaves out) are taken from libvirt's output.
//! Set `CONF_CORPUS_VERBOSE=1` to print the differences.

use oxvirt_conf::network::{parse, validate, FormatFlags, NetError};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/network")
}

fn inputs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(corpus())
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    n.ends_with(".xml") && !n.contains(".expected")
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn sibling(p: &Path, suffix: &str) -> PathBuf {
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    p.with_file_name(format!("{stem}{suffix}"))
}

fn between(s: &str, a: &str, b: &str) -> Option<String> {
    let i = s.find(a)? + a.len();
    let j = s[i..].find(b)? + i;
    Some(s[i..j].to_owned())
}

fn define(input: &str, expected: Option<&str>) -> Result<String, NetError> {
    let mut def = parse(input)?;
    validate(&mut def, |_| false)?;
    let mut out = def.format(FormatFlags { inactive: true });
    if let Some(exp) = expected {
        for (a, b) in [("<uuid>", "</uuid>"), ("<mac address='", "'")] {
            if let (Some(ours), Some(theirs)) = (between(&out, a, b), between(exp, a, b)) {
                if !input.to_ascii_lowercase().contains(&ours) {
                    out = out.replacen(&ours, &theirs, 1);
                }
            }
        }
    }
    Ok(out)
}

fn error_text(e: &NetError) -> String {
    format!("{} {} {}", e.code(), e.domain(), e)
}

fn expected_error_text(s: &str) -> String {
    let code = between(s, "code: ", " ").unwrap_or_default();
    let domain = between(s, "domain: ", " ").unwrap_or_default();
    let msg = s
        .split_once("message: ")
        .map(|(_, m)| m.strip_suffix('\n').unwrap_or(m).to_owned())
        .unwrap_or_default();
    format!("{code} {domain} {msg}")
}

#[test]
fn network_corpus_is_identical() {
    let verbose = std::env::var_os("CONF_CORPUS_VERBOSE").is_some();
    let inputs = inputs();
    assert!(inputs.len() >= 60, "only {} corpus inputs", inputs.len());
    let mut matched = 0;
    let mut failures = Vec::new();
    for p in &inputs {
        let input = std::fs::read_to_string(p).unwrap();
        let exp_xml = std::fs::read_to_string(sibling(p, ".expected.xml")).ok();
        let exp_err = std::fs::read_to_string(sibling(p, ".expected-error")).ok();
        let got = define(&input, exp_xml.as_deref());
        let ok = match (&got, &exp_xml, &exp_err) {
            (Ok(out), Some(exp), _) => out == exp,
            (Err(e), _, Some(exp)) => error_text(e) == expected_error_text(exp),
            _ => false,
        };
        if ok {
            matched += 1;
        } else {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if verbose {
                let got = match &got {
                    Ok(x) => x.clone(),
                    Err(e) => error_text(e),
                };
                let exp = exp_xml
                    .clone()
                    .or(exp_err.as_deref().map(expected_error_text))
                    .unwrap_or_default();
                eprintln!("=== {name}\n--- got\n{got}\n--- expected\n{exp}");
            }
            failures.push(name);
        }
    }
    eprintln!(
        "network corpus: {matched} of {} identical to libvirt 9.0",
        inputs.len()
    );
    assert!(failures.is_empty(), "differ from libvirt: {failures:?}");
}
