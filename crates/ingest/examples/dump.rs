//! Print what ingest finds in files: metadata and removed spans (a debugging aid).
//! Usage: cargo run -p lantern-ingest --example dump -- FILE...

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                println!("== {path}: {e}");
                continue;
            }
        };
        match lantern_ingest::parse_file(&bytes, &path, "2026-01-01T00:00:00Z") {
            Err(e) => println!("== {path}: ERROR {e}"),
            Ok(items) => {
                for item in items {
                    match item {
                        Err(e) => println!("== {path}: ITEM ERROR {e}"),
                        Ok(r) => {
                            println!(
                                "== {path} [{}] item={:?} lang={} title={:?} outlet={:?} url={:?} published={:?}",
                                r.format,
                                r.item,
                                r.language.as_str(),
                                r.title,
                                r.outlet,
                                r.url,
                                r.published.as_ref().map(|p| (p.date.to_string(), p.source, p.raw.clone()))
                            );
                            for s in &r.removed {
                                println!(
                                    "   - {:<8} {:?}",
                                    s.kind.as_str(),
                                    r.text[s.offset..s.offset + s.length].trim_end()
                                );
                            }
                            if std::env::var("BODY").is_ok() {
                                println!("{}\n", r.body);
                            }
                        }
                    }
                }
            }
        }
    }
}
