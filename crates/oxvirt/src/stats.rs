//! [`DomainStats`]: one domain's record of `virConnectGetAllDomainStats`.

use oxvirt_proto::types::{TypedParam, TypedParamValue};

use crate::Domain;

/// A typed parameter's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Boolean(bool),
    String(String),
}

impl std::fmt::Display for Value {
    /// As `virsh domstats` prints values (libvirt's `virTypedParameterToString`: doubles with
    /// `%g`, booleans as 1 or 0).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::LLong(v) => write!(f, "{v}"),
            Value::ULLong(v) => write!(f, "{v}"),
            Value::Double(v) => f.write_str(&format_g(*v)),
            Value::Boolean(v) => write!(f, "{}", u8::from(*v)),
            Value::String(v) => f.write_str(v),
        }
    }
}

/// C's `%g`: six significant digits, trailing zeros dropped, exponent form below 1e-4 and from
/// 1e6 on.
fn format_g(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let trim = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    };
    // the exponent after rounding to six significant digits
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa.to_owned()), exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(format!("{v:.decimals$}"))
    }
}

/// The statistics of one domain: `(field, value)` in the server's order (`state.state`,
/// `cpu.time`, `balloon.current`, ...).
#[derive(Debug, Clone)]
pub struct DomainStats {
    pub domain: Domain,
    pub params: Vec<(String, Value)>,
}

impl DomainStats {
    pub(crate) fn new(domain: Domain, params: Vec<TypedParam>) -> Self {
        let params = params
            .into_iter()
            .map(|p| {
                let v = match p.value {
                    TypedParamValue::Int(v) => Value::Int(v),
                    TypedParamValue::UInt(v) => Value::UInt(v),
                    TypedParamValue::LLong(v) => Value::LLong(v),
                    TypedParamValue::ULLong(v) => Value::ULLong(v),
                    TypedParamValue::Double(v) => Value::Double(v),
                    TypedParamValue::Boolean(v) => Value::Boolean(v != 0),
                    TypedParamValue::String(v) => Value::String(v),
                };
                (p.field, v)
            })
            .collect();
        DomainStats { domain, params }
    }

    /// A field's value.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.params.iter().find(|(f, _)| f == field).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_virsh_prints_them() {
        for (v, want) in [
            (0.5, "0.5"),
            (100.0, "100"),
            (1234567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (0.00001234, "1.234e-05"),
            (-2.25, "-2.25"),
            (999999.5, "1e+06"),
            (0.0, "0"),
        ] {
            assert_eq!(Value::Double(v).to_string(), want, "{v}");
        }
        assert_eq!(Value::Boolean(true).to_string(), "1");
        assert_eq!(Value::Boolean(false).to_string(), "0");
    }
}
