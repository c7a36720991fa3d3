//! `<clock>`: the offset, timezone and timers.

use super::format::fmt_yes_no;
use super::parse::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<clock>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// `utc`, `localtime`, `timezone` or `variable`.
    pub offset: String,
    /// `timezone=` of `offset='timezone'`.
    pub timezone: Option<String>,
    /// `adjustment=` and `basis=` of `offset='variable'`.
    pub adjustment: Option<(i64, String)>,
    /// `<timer>`s in document order.
    pub timers: Vec<Timer>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset: "utc".into(),
            timezone: None,
            adjustment: None,
            timers: Vec::new(),
        }
    }
}

/// `<timer name= present= tickpolicy= track= frequency= mode=>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timer {
    /// `name=`: `rtc`, `pit`, `hpet`, `kvmclock`, ...
    pub name: String,
    /// `present=`.
    pub present: Option<bool>,
    /// `tickpolicy=`.
    pub tickpolicy: Option<String>,
    /// `track=` (of the RTC).
    pub track: Option<String>,
    /// `frequency=` (of the TSC).
    pub frequency: Option<u64>,
    /// `mode=` (of the TSC).
    pub mode: Option<String>,
}

pub(super) fn parse_clock(c: Node<'_, '_>) -> Result<Clock> {
    let mut timezone = None;
    let mut adjustment = None;
    let offset = match c.attribute("offset") {
        None | Some("utc") => "utc",
        Some("localtime") => "localtime",
        Some("timezone") => {
            timezone = Some(attr(c, "timezone").ok_or_else(|| {
                ConfError::Xml(
                    "missing 'timezone' attribute for clock with offset='timezone'".into(),
                )
            })?);
            "timezone"
        }
        Some("variable") => {
            let adj = match c.attribute("adjustment") {
                None => 0,
                Some(a) => a
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| ConfError::Xml("unknown clock adjustment".into()))?,
            };
            let basis = match c.attribute("basis") {
                None | Some("utc") => "utc",
                Some("localtime") => "localtime",
                Some(b) => return Err(ConfError::Xml(format!("unknown clock basis '{b}'"))),
            };
            adjustment = Some((adj, basis.to_owned()));
            "variable"
        }
        Some(o @ "absolute") => {
            return Err(ConfError::NotImplemented(format!("clock offset '{o}'")))
        }
        Some(o) => {
            return Err(ConfError::unsupported(format!(
                "unknown clock offset '{o}'"
            )))
        }
    };
    let mut timers = Vec::new();
    for t in children(c, "timer") {
        let name = match t.attribute("name") {
            Some(
                n @ ("platform" | "pit" | "rtc" | "hpet" | "tsc" | "kvmclock" | "hypervclock"
                | "armvtimer"),
            ) => n,
            Some(n) => return Err(ConfError::Xml(format!("unknown timer name '{n}'"))),
            None => return Err(ConfError::Xml("missing timer name".into())),
        };
        if t.children().any(|x| x.is_element()) {
            return Err(ConfError::NotImplemented("<timer><catchup>".into()));
        }
        let frequency = match t.attribute("frequency") {
            None => None,
            Some(f) => {
                Some(parse_u64(f).ok_or_else(|| ConfError::Xml("invalid timer frequency".into()))?)
            }
        };
        timers.push(Timer {
            name: name.into(),
            present: yes_no(t, "present")?,
            tickpolicy: attr(t, "tickpolicy"),
            track: attr(t, "track"),
            frequency,
            mode: attr(t, "mode"),
        });
    }
    if matches!(offset, "utc" | "localtime") && c.attribute("adjustment").is_some() {
        return Err(ConfError::NotImplemented(
            "clock adjustment with utc/localtime".into(),
        ));
    }
    Ok(Clock {
        offset: offset.into(),
        timezone,
        adjustment,
        timers,
    })
}

pub(super) fn format_clock(w: &mut Writer, clock: &Clock) {
    let mut ca = vec![("offset", clock.offset.clone())];
    if let Some(tz) = &clock.timezone {
        ca.push(("timezone", tz.clone()));
    }
    if let Some((adj, basis)) = &clock.adjustment {
        ca.push(("adjustment", adj.to_string()));
        ca.push(("basis", basis.clone()));
    }
    w.child("clock", &ca, |w| {
        for t in &clock.timers {
            let mut a = vec![("name", t.name.clone())];
            if let Some(p) = t.present {
                a.push(("present", fmt_yes_no(p)));
            }
            if let Some(v) = &t.tickpolicy {
                a.push(("tickpolicy", v.clone()));
            }
            if let Some(v) = &t.track {
                a.push(("track", v.clone()));
            }
            if let Some(v) = t.frequency {
                a.push(("frequency", v.to_string()));
            }
            if let Some(v) = &t.mode {
                a.push(("mode", v.clone()));
            }
            w.empty("timer", &a);
        }
    });
}
