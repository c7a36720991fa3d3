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
    /// As `virsh domstats` prints values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::LLong(v) => write!(f, "{v}"),
            Value::ULLong(v) => write!(f, "{v}"),
            Value::Double(v) => write!(f, "{v:.3}"),
            Value::Boolean(v) => write!(f, "{}", if *v { "yes" } else { "no" }),
            Value::String(v) => f.write_str(v),
        }
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
