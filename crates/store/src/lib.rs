//! Store: keeps the evidence and the record. Original files are written once,
//! content-addressed by SHA-256; reports, events and the full-text index live in a
//! database behind the [`Store`] trait (SQLite embedded by default).
