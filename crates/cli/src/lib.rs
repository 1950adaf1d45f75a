//! The `lantern` command's building blocks: walking paths, reading files into reports
//! with every failure contained to its file, the store-backed commands and the corpus
//! generator. `main.rs` only parses arguments; benches and tests call these directly.

pub mod backup_cmd;
pub mod extract_cmd;
pub mod gen;
pub mod incidents_cmd;
pub mod interop_cmds;
pub mod read;
pub mod serve_cmd;
pub mod store_cmds;
pub mod trace;
pub mod util;
pub mod walk;
pub mod watch;
