//! The syntax of access.conf (see the crate's documentation).

use crate::{AccessError, Action, ObjectPattern, PermPattern, Rule, Rules, SubjectPattern};

/// Split a line into fields: blanks separate, double quotes group (and are dropped), `#`
/// outside quotes ends the line.
fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '#' if !quoted => break,
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    if any {
        out.push(cur);
    }
    Ok(out)
}

fn subject(s: &str) -> Result<SubjectPattern, String> {
    if s == "*" {
        return Ok(SubjectPattern::Any);
    }
    let (kind, value) = s
        .split_once(':')
        .ok_or_else(|| format!("subject '{s}' is not KIND:VALUE or '*'"))?;
    if value.is_empty() {
        return Err(format!("subject '{s}' has an empty value"));
    }
    let id = |v: &str| {
        v.parse::<u32>()
            .map_err(|_| format!("subject '{s}': '{v}' is not a number"))
    };
    Ok(match kind {
        "user" => SubjectPattern::User(value.into()),
        "uid" => SubjectPattern::Uid(id(value)?),
        "group" => SubjectPattern::Group(value.into()),
        "gid" => SubjectPattern::Gid(id(value)?),
        "dn" => SubjectPattern::Dn(value.into()),
        "sasl" => SubjectPattern::Sasl(value.into()),
        k => {
            return Err(format!(
                "unknown subject kind '{k}' (user, uid, group, gid, dn, sasl)"
            ))
        }
    })
}

fn perms(s: &str) -> Result<Vec<PermPattern>, String> {
    s.split(',')
        .map(|p| match p.split_once(':') {
            _ if p == "*" => Ok(PermPattern {
                object: "*".into(),
                perm: "*".into(),
            }),
            Some((o, q)) if !o.is_empty() && !q.is_empty() => Ok(PermPattern {
                object: o.into(),
                perm: q.into(),
            }),
            _ => Err(format!("permission '{p}' is not OBJECT_TYPE:PERMISSION")),
        })
        .collect()
}

fn objects(s: &str) -> Result<Vec<ObjectPattern>, String> {
    s.split(',')
        .map(|o| match o.split_once(':') {
            _ if o.is_empty() => Err("empty object pattern".to_owned()),
            None => Ok(ObjectPattern {
                object: o.into(),
                name: "*".into(),
            }),
            Some((t, n)) if !t.is_empty() && !n.is_empty() => Ok(ObjectPattern {
                object: t.into(),
                name: n.into(),
            }),
            _ => Err(format!("object '{o}' is not OBJECT_TYPE[:NAME]")),
        })
        .collect()
}

fn rule(
    f: &[String],
) -> Result<(Action, SubjectPattern, Vec<PermPattern>, Vec<ObjectPattern>), String> {
    let (action, subj, perm, obj) = match f {
        [a, s, p] => (a, s, p, None),
        [a, s, p, o] => (a, s, p, Some(o)),
        _ => {
            return Err(format!(
                "expected ACTION SUBJECT PERMISSIONS [OBJECTS], found {} fields",
                f.len()
            ))
        }
    };
    let action = match action.as_str() {
        "allow" => Action::Allow,
        "deny" => Action::Deny,
        a => return Err(format!("unknown action '{a}' (allow, deny)")),
    };
    let objects = match obj {
        Some(o) => objects(o)?,
        None => objects("*")?,
    };
    Ok((action, subject(subj)?, perms(perm)?, objects))
}

pub(crate) fn rules(text: &str, path: &str) -> Result<Rules, AccessError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let err = |message: String| AccessError::Syntax {
            path: path.to_owned(),
            line: i + 1,
            message,
        };
        let f = fields(line).map_err(err)?;
        if f.is_empty() {
            continue;
        }
        let (action, subject, perms, objects) = rule(&f).map_err(err)?;
        out.push(Rule {
            action,
            subject,
            perms,
            objects,
            line: i + 1,
        });
    }
    Ok(Rules { rules: out })
}
