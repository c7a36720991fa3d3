//! Typed XML for libvirt's configuration documents: domains now, networks, storage pools and
//! capabilities later.
//!
//! The pipeline for a domain is [`domain::parse`] (XML text → [`domain::Domain`], what libvirt's
//! `virDomainDefParseXML` accepts), then [`domain::post_parse`] (the defaults libvirt's QEMU driver
//! fills in on define, driven by a [`domain::QemuCaps`] value so this crate stays pure), then
//! [`domain::Domain::format`] (libvirt's canonical XML, byte for byte).

#![warn(missing_docs, unreachable_pub)]

pub mod domain;
pub mod error;
mod libxml;
pub mod name;
pub mod network;
pub mod secret;
pub mod snapshot;
pub mod storage;
pub mod xml;
mod xpath;

pub use error::ConfError;
