//! `lantern`: the command line. Wires ingest -> extract -> store together; the only
//! crate besides the store that touches files.

use lantern_cli::{
    backup_cmd, extract_cmd, gen, interop_cmds, serve_cmd, store_cmds, util, walk, watch,
};
use lantern_store::StoreSpec;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lantern",
    version,
    about = "Turn reports from North Korea's border region into a sourced record of events."
)]
struct Cli {
    /// Data folder of the embedded store.
    #[arg(
        long,
        global = true,
        env = "LANTERN_DATA",
        default_value = "lantern-data"
    )]
    data: PathBuf,
    /// The store: `sqlite:PATH` (a data folder), `postgres://USER@HOST:PORT/DB`, or a
    /// folder path. Wins over --data / LANTERN_DATA.
    #[arg(long, global = true, env = "LANTERN_DATABASE", value_name = "URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest files or folders (recursively): keep the originals, store reports and events.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Never draw a progress bar.
        #[arg(long)]
        quiet: bool,
        /// Files per database transaction (fewer if they exceed 32 MB). Larger
        /// transactions rewrite the stored indexes' pages less often.
        #[arg(long, default_value_t = store_cmds::DEFAULT_BATCH)]
        batch: usize,
        /// Do not recompute incidents afterwards.
        #[arg(long)]
        no_incidents: bool,
    },
    /// List stored reports.
    Reports {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
    },
    /// Show one report: metadata, clean body, removed spans, events.
    Show {
        /// Report id or a unique prefix of it.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over titles and bodies (English and Korean).
    Search {
        query: String,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Re-hash every stored original and check the database; lists mismatches.
    Verify,
    /// Extract events from files and print them; needs no store.
    Extract {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = extract_cmd::Format::Jsonl)]
        format: extract_cmd::Format,
    },
    /// List stored events, filtered.
    Events {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Re-extract reports whose events come from an older extractor version.
    /// Reviewed events are never touched.
    Reextract {
        /// Re-extract every report, not just stale ones.
        #[arg(long)]
        all: bool,
        /// Do not recompute incidents afterwards.
        #[arg(long)]
        no_incidents: bool,
    },
    /// Ingest the shipped sample reports (examples/reports), print what was stored, then
    /// serve the web app (creating a `demo` admin account if there is none).
    Demo {
        /// Folder of sample reports.
        #[arg(long, default_value = "examples/reports")]
        reports: PathBuf,
        /// Only ingest and print; do not serve.
        #[arg(long)]
        no_serve: bool,
        /// Address to serve on (loopback by default).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// Serve the web app and the JSON API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Mark cookies Secure (set when serving through HTTPS; also automatic behind a
        /// proxy that sends X-Forwarded-Proto: https).
        #[arg(long)]
        secure_cookies: bool,
    },
    /// Manage accounts of the web app.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// List the stored incidents (one happening, many reports) with their events,
    /// reports, outlets, corroboration and disagreements. Incidents are recomputed after
    /// ingest, reextract and import; here when out of date or with --recompute.
    Incidents {
        #[arg(long)]
        json: bool,
        /// Recompute incidents and reposts from all stored events first.
        #[arg(long)]
        recompute: bool,
        /// Only incidents reported by at least this many independent outlets.
        #[arg(long)]
        min_outlets: Option<u32>,
        /// At most this many incidents (newest first).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Export stored events (rejected ones left out) as ACLED-layout CSV, Lantern JSON
    /// Lines, GeoJSON or FollowTheMoney entities, to standard output or --out.
    Export {
        #[arg(long, value_enum)]
        format: interop_cmds::ExportFormat,
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many events.
        #[arg(long)]
        limit: Option<usize>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include attribution text, evidence quotes and source paths (they may
        /// identify people): for editors only.
        #[arg(long)]
        include_sensitive: bool,
        /// Include events a reviewer rejected.
        #[arg(long)]
        include_rejected: bool,
    },
    /// Import events from a Lantern JSON Lines export or an ACLED-layout CSV.
    Import {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: interop_cmds::ImportFormat,
        /// Do not recompute incidents afterwards.
        #[arg(long)]
        no_incidents: bool,
    },
    /// Poll RSS or Atom feeds and ingest new items (conditional GET, backoff on errors,
    /// never a duplicate). The one command that uses the network.
    Watch {
        #[arg(required = true)]
        feeds: Vec<String>,
        /// How often to poll each feed (e.g. 15m, 1h).
        #[arg(long, default_value = "15m")]
        every: String,
        /// Poll each feed once (unless it is backing off after errors) and stop.
        #[arg(long)]
        once: bool,
        /// First wait after an error; doubled after each further error, at most a day.
        #[arg(long, default_value = "1m")]
        retry: String,
    },
    /// Saved searches: with no subcommand, list each one's new matching events since
    /// the last check (and mark them seen).
    Alerts {
        #[command(subcommand)]
        action: Option<AlertCmd>,
    },
    /// Write a consistent backup of the whole store to a new file (safe while the server
    /// and ingest run): a SQLite database, or a pg_dump archive for PostgreSQL.
    Backup {
        /// The backup file to create (never overwritten).
        out: PathBuf,
    },
    /// Restore a backup made by `lantern backup` into an empty store of the same kind.
    Restore {
        /// The backup file.
        input: PathBuf,
    },
    /// Copy a whole store into a new, empty store of either backend (SQLite to
    /// PostgreSQL or back): originals (hashes checked), reports, events with their ids
    /// and reviews, the audit log, accounts, tokens, settings, alerts, feeds, imports
    /// and incidents. The source is the store chosen by --database/--data unless --from.
    Copy {
        /// The source store (a data folder, sqlite:PATH or postgres:// URL).
        #[arg(long)]
        from: Option<String>,
        /// The target store; must be empty (it is created when missing).
        #[arg(long)]
        to: String,
        /// No progress lines, only the summary.
        #[arg(long)]
        quiet: bool,
    },
    /// Write a synthetic corpus for benchmarks.
    Gen {
        /// Number of reports.
        #[arg(long)]
        reports: usize,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// One JSON Lines file instead of one text file per report.
        #[arg(long)]
        jsonl: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (or set the role and password of an existing one).
    Add {
        name: String,
        /// viewer, editor or admin.
        #[arg(long)]
        role: String,
        /// Read the password from the first line of stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it (once).
    Create {
        name: String,
        /// viewer, editor or admin.
        #[arg(long, default_value = "viewer")]
        role: String,
    },
}

#[derive(Subcommand)]
enum AlertCmd {
    /// Save a search (same filters as `lantern events`).
    Add {
        name: String,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Delete a saved search.
    Remove { name: String },
    /// Write a saved search's Atom feed (its newest matching events).
    Feed {
        name: String,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// The web app's address, for links.
        #[arg(long)]
        base_url: Option<String>,
    },
}

/// The event filters shared by `events`, `export` and `alerts add`.
#[derive(clap::Args)]
struct FilterArgs {
    /// Event type (codebook name, e.g. arrest).
    #[arg(long = "type")]
    event_type: Option<String>,
    /// Place name or id; a province matches the places inside it.
    #[arg(long)]
    place: Option<String>,
    /// Actor id (codebook name, e.g. state_security).
    #[arg(long)]
    actor: Option<String>,
    /// Earliest date, YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Latest date, YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
}

impl FilterArgs {
    fn with_limit(self, limit: usize) -> store_cmds::EventArgs {
        store_cmds::EventArgs {
            event_type: self.event_type,
            place: self.place,
            actor: self.actor,
            from: self.from,
            to: self.to,
            limit,
        }
    }
}

fn main() -> ExitCode {
    // Errors are one clear line each; an internal panic is reported without a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // A closed pipe (`lantern reports | head`) is the reader's choice, not an error.
        if msg.contains("failed printing to stdout") {
            std::process::exit(0);
        }
        eprintln!("internal error: {msg}");
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command; `Ok(false)` means it ran but something failed (exit status 1).
fn run(cli: Cli) -> anyhow::Result<bool> {
    // The one place the store is chosen: --database (or LANTERN_DATABASE) wins over --data.
    let data = match cli.database.as_deref() {
        Some(spec) => StoreSpec::parse(spec).map_err(|e| anyhow::anyhow!("--database: {e}"))?,
        None => StoreSpec::data_folder(&cli.data),
    };
    let data = &data;
    match cli.command {
        Command::Backup { out } => backup_cmd::backup(data, &out),
        Command::Restore { input } => backup_cmd::restore(data, &input),
        Command::Copy { from, to, quiet } => {
            let from = match from.as_deref() {
                Some(spec) => StoreSpec::parse(spec).map_err(|e| anyhow::anyhow!("--from: {e}"))?,
                None => data.clone(),
            };
            let to = StoreSpec::parse(&to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            backup_cmd::copy(&from, &to, quiet)
        }
        Command::Extract { paths, format } => extract_cmd::run(&paths, format),
        Command::Gen {
            reports,
            out,
            seed,
            jsonl,
        } => {
            let bytes = gen::generate(&out, reports, seed, jsonl)
                .map_err(|e| anyhow::anyhow!("{}: {}", out.display(), walk::describe_io(&e)))?;
            println!(
                "wrote {reports} reports ({}) to {}",
                util::human_bytes(bytes as u64),
                out.display()
            );
            Ok(true)
        }
        Command::Ingest {
            paths,
            quiet,
            batch,
            no_incidents,
        } => {
            let ok = store_cmds::ingest(data, &paths, quiet, batch)?;
            refresh_incidents(data, no_incidents)?;
            Ok(ok)
        }
        Command::Reports {
            json,
            limit,
            offset,
        } => store_cmds::reports(data, json, limit, offset),
        Command::Show { id, json } => store_cmds::show(data, &id, json),
        Command::Search { query, json, limit } => store_cmds::search(data, &query, json, limit),
        Command::Verify => store_cmds::verify(data),
        Command::Events {
            filter,
            json,
            limit,
        } => store_cmds::events(data, filter.with_limit(limit), json),
        Command::Incidents {
            json,
            recompute,
            min_outlets,
            limit,
        } => lantern_cli::incidents_cmd::run(data, json, recompute, min_outlets, limit),
        Command::Export {
            format,
            filter,
            limit,
            out,
            include_sensitive,
            include_rejected,
        } => interop_cmds::export(
            data,
            filter.with_limit(limit.unwrap_or(usize::MAX)),
            format,
            lantern_export::Options {
                include_sensitive,
                include_rejected,
            },
            out.as_deref(),
        ),
        Command::Import {
            file,
            format,
            no_incidents,
        } => {
            let ok = interop_cmds::import(data, &file, format)?;
            refresh_incidents(data, no_incidents)?;
            Ok(ok)
        }
        Command::Watch {
            feeds,
            every,
            once,
            retry,
        } => {
            let opts = watch::WatchOptions {
                every: watch::parse_interval(&every).map_err(anyhow::Error::msg)?,
                once,
                retry: watch::parse_interval(&retry)
                    .map_err(|e| anyhow::anyhow!(e.replace("--every", "--retry")))?,
            };
            let mut store = store_cmds::open(data)?;
            watch::watch(store.as_mut(), &feeds, &opts)
        }
        Command::Alerts { action } => {
            let action = match action {
                None => interop_cmds::AlertAction::Check,
                Some(AlertCmd::Add { name, filter }) => {
                    interop_cmds::AlertAction::Add(name, filter.with_limit(usize::MAX))
                }
                Some(AlertCmd::Remove { name }) => interop_cmds::AlertAction::Remove(name),
                Some(AlertCmd::Feed {
                    name,
                    out,
                    limit,
                    base_url,
                }) => interop_cmds::AlertAction::Feed {
                    name,
                    out,
                    limit,
                    base_url,
                },
            };
            interop_cmds::alerts(data, action)
        }
        Command::Reextract { all, no_incidents } => {
            let ok = store_cmds::reextract(data, all)?;
            refresh_incidents(data, no_incidents)?;
            Ok(ok)
        }
        Command::Demo {
            reports,
            no_serve,
            addr,
        } => {
            let ok = store_cmds::demo(data, &reports)?;
            if no_serve {
                return Ok(ok);
            }
            if let Some((name, password)) = serve_cmd::demo_account(data)? {
                println!("\ndemo account: {name} / {password}");
            }
            serve_cmd::serve(data, &addr, false)
        }
        Command::Serve {
            addr,
            secure_cookies,
        } => serve_cmd::serve(data, &addr, secure_cookies),
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    password_stdin,
                },
        } => serve_cmd::user_add(data, &name, &role, password_stdin),
        Command::Token {
            command: TokenCommand::Create { name, role },
        } => serve_cmd::token_create(data, &name, &role),
    }
}

/// Recompute the stored incidents after a write, unless asked not to (or nothing changed).
fn refresh_incidents(data: &lantern_store::StoreSpec, skip: bool) -> anyhow::Result<()> {
    if skip {
        return Ok(());
    }
    let mut store = store_cmds::open(data)?;
    lantern_cli::incidents_cmd::after_write(store.as_mut())
}
