//! `<networkport>`
