//! Ingest, listing, lookup, originals, verify and migrations against real SQLite files.

mod common;

use common::*;
use lantern_extract::EventType;
use lantern_store::{FileOutcome, ReportOutcome, SqliteStore, Store, StoreError, VerifyOutcome};

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path()).expect("open store")
}

#[test]
fn ingest_list_show_and_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let mut store: Box<dyn Store> = Box::new(open(&dir));
    let a = file_input(
        text_file(
            "Crackdown on phones in Hyesan",
            "2024-03-05",
            "Security agents searched homes in Hyesan for Chinese phones.",
        ),
        "a.txt",
        three_events(),
    );
    let b = file_input(
        text_file(
            "Rice prices rise",
            "2024-02-01",
            "Rice prices in Onsŏng rose again.",
        ),
        "b.txt",
        vec![],
    );
    let out = store.ingest_batch(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(out.len(), 2);
    assert!(out[0].original_new && out[1].original_new);
    let a_id = a.reports[0].0.id.clone();
    assert_eq!(
        out[0].reports,
        vec![ReportOutcome::Stored {
            id: a_id.clone(),
            events: 3
        }]
    );
    assert_eq!(store.count_reports().unwrap(), 2);
    assert_eq!(store.count_originals().unwrap(), 2);

    let list = store.reports(10, 0).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, a_id, "newest published first");
    assert_eq!(list[0].event_count, 3);
    assert_eq!(
        list[0].title.as_deref(),
        Some("Crackdown on phones in Hyesan")
    );
    assert_eq!(list[0].outlet.as_deref(), Some("Test Wire"));
    assert_eq!(list[0].source_path, "a.txt");
    assert_eq!(list[1].event_count, 0);
    assert_eq!(store.reports(1, 1).unwrap()[0].id, list[1].id);

    // Full id and prefixes, any case.
    let full = store.report(&a_id).unwrap().unwrap();
    assert_eq!(full, a.reports[0].0);
    let by_prefix = store.report(&a_id[..8].to_uppercase()).unwrap().unwrap();
    assert_eq!(by_prefix.id, a_id);
    assert!(store.report("zz-not-hex").unwrap().is_none());
    assert!(matches!(
        store.report("").unwrap_err(),
        StoreError::Invalid { .. }
    ));

    // Originals are kept byte for byte.
    let sha = &out[0].original_sha256;
    assert!(store.has_original(sha).unwrap());
    assert_eq!(store.original(sha).unwrap().unwrap(), a.original);
    assert!(!store.has_original(&"0".repeat(64)).unwrap());
    assert!(store.original(&"0".repeat(64)).unwrap().is_none());
    let info = store.original_info(sha).unwrap().unwrap();
    assert_eq!(info.size, a.original.len() as u64);
    assert_eq!(info.first_path, "a.txt");

    // Events of the report, in order, with report context.
    let ev = store.report_events(&a_id).unwrap();
    assert_eq!(ev.len(), 3);
    assert_eq!(ev[0].event, three_events()[0]);
    assert_eq!(ev[2].event, three_events()[2]);
    assert_eq!(ev[0].extractor_version, VERSION);
    assert_eq!(
        ev[0].report_title.as_deref(),
        Some("Crackdown on phones in Hyesan")
    );
    assert_eq!(store.event(ev[1].id).unwrap().unwrap(), ev[1]);
}

#[test]
fn ambiguous_prefix_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    // 40 reports: some share a first hex digit for sure.
    let files: Vec<_> = (0..40).map(synthetic).collect();
    store.ingest_batch(&files).unwrap();
    let ids: Vec<String> = files.iter().map(|f| f.reports[0].0.id.clone()).collect();
    let first = ids[0].chars().next().unwrap().to_string();
    let shared = ids.iter().filter(|i| i.starts_with(&first)).count();
    if shared > 1 {
        let err = store.report(&first).unwrap_err();
        assert!(matches!(err, StoreError::AmbiguousPrefix { .. }));
        let msg = err.to_string();
        assert!(msg.contains(&format!("'{first}'")), "{msg}");
        assert!(msg.contains("ambiguous"), "{msg}");
    }
    // A long enough prefix is unique.
    assert_eq!(store.report(&ids[0][..16]).unwrap().unwrap().id, ids[0]);
}

#[test]
fn same_file_twice_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let f = synthetic(1);
    let first = store.ingest_batch(std::slice::from_ref(&f)).unwrap();
    let mut again = f.clone();
    again.source_path = "elsewhere/copy.txt".into();
    let second = store.ingest_batch(&[f.clone(), again]).unwrap();
    assert!(first[0].original_new);
    assert!(!second[0].original_new && !second[1].original_new);
    assert_eq!(second[0].original_sha256, first[0].original_sha256);
    let id = f.reports[0].0.id.clone();
    let dup = ReportOutcome::Duplicate {
        existing_id: id.clone(),
        existing_source_path: "inbox/report-1.txt".into(),
    };
    assert_eq!(second[0].reports, vec![dup.clone()]);
    assert_eq!(second[1].reports, vec![dup]);
    assert_eq!(second[0].duplicates(), 1);
    assert_eq!(store.count_originals().unwrap(), 1);
    assert_eq!(store.count_reports().unwrap(), 1);
    assert_eq!(
        store.report_events(&id).unwrap().len(),
        3,
        "no duplicated events"
    );
    let info = store
        .original_info(&first[0].original_sha256)
        .unwrap()
        .unwrap();
    assert_eq!(info.paths, vec!["inbox/report-1.txt", "elsewhere/copy.txt"]);
}

#[test]
fn same_body_in_two_files_is_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let body = "Border guards in Onsong were told to shoot at anyone crossing at night.";
    let a = file_input(
        text_file("First", "2024-01-02", body),
        "a.txt",
        three_events(),
    );
    let b = file_input(
        text_file("Repost", "2024-01-09", body),
        "b.txt",
        three_events(),
    );
    assert_ne!(a.original, b.original);
    assert_eq!(a.reports[0].0.id, b.reports[0].0.id);
    // Within one batch as well as across batches.
    let out: Vec<FileOutcome> = store.ingest_batch(&[a.clone(), b.clone()]).unwrap();
    assert!(out[0].original_new && out[1].original_new);
    assert_eq!(out[0].stored(), 1);
    assert_eq!(
        out[1].reports,
        vec![ReportOutcome::Duplicate {
            existing_id: a.reports[0].0.id.clone(),
            existing_source_path: "a.txt".into()
        }]
    );
    assert_eq!(store.count_reports().unwrap(), 1);
    assert_eq!(
        store.count_originals().unwrap(),
        2,
        "both originals kept as evidence"
    );
    assert_eq!(store.count_events(&Default::default()).unwrap(), 3);
}

#[test]
fn report_with_wrong_original_hash_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let mut f = synthetic(3);
    f.original.push(b'x');
    let err = store.ingest_batch(&[synthetic(2), f]).unwrap_err();
    assert!(matches!(err, StoreError::OriginalMismatch { .. }), "{err}");
    assert_eq!(store.count_reports().unwrap(), 0, "whole batch rolled back");
    assert_eq!(store.count_originals().unwrap(), 0);
}

#[test]
fn originals_are_immutable_and_verify_finds_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let out = store.ingest_batch(&[synthetic(1), synthetic(2)]).unwrap();
    let ok = store.verify().unwrap();
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(ok.originals_checked, 2);

    let raw = rusqlite::Connection::open(store.path()).unwrap();
    let upd = raw.execute("UPDATE originals SET bytes = x'00'", []);
    let msg = upd.unwrap_err().to_string();
    assert!(msg.contains("immutable"), "{msg}");
    let del = raw.execute("DELETE FROM originals", []);
    assert!(del.unwrap_err().to_string().contains("immutable"));
    let upd = raw.execute("UPDATE audit_log SET who = 'x'", []);
    // No rows, but the trigger is per row; insert one row to exercise it via review below.
    assert!(upd.is_ok());

    // Tamper: drop the trigger and change one blob.
    raw.execute_batch("DROP TRIGGER originals_no_update")
        .unwrap();
    let sha = &out[1].original_sha256;
    raw.execute(
        "UPDATE originals SET bytes = CAST('tampered' AS BLOB) WHERE sha256 = ?1",
        [sha],
    )
    .unwrap();
    drop(raw);
    let bad: VerifyOutcome = store.verify().unwrap();
    assert!(!bad.is_ok());
    assert_eq!(bad.originals_checked, 2);
    assert_eq!(bad.mismatches.len(), 1);
    assert_eq!(&bad.mismatches[0].sha256, sha);
    assert_eq!(bad.mismatches[0].first_path, "inbox/report-2.txt");
    assert!(bad.mismatches[0].problem.contains("hashes to"));
    assert!(bad.integrity_problems.is_empty());
}

#[test]
fn reopening_is_a_noop_and_version_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = open(&dir);
        assert_eq!(store.schema_version().unwrap(), 4);
        store.ingest_batch(&[synthetic(1)]).unwrap();
    }
    let store = open(&dir);
    assert_eq!(store.schema_version().unwrap(), 4);
    assert_eq!(store.count_reports().unwrap(), 1);
    let raw = rusqlite::Connection::open(dir.path().join("lantern.db")).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // A database from a newer program is refused with a clear message.
    raw.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(raw);
    drop(store);
    let err = SqliteStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("schema version 99"));
}

#[test]
fn open_creates_nested_folder() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b/c");
    let store = SqliteStore::open(&nested).unwrap();
    assert!(nested.join("lantern.db").exists());
    assert_eq!(store.count_reports().unwrap(), 0);
    assert!(store.verify().unwrap().is_ok());
    assert_eq!(
        store
            .count_events(&lantern_store::EventFilter {
                event_type: Some(EventType::Arrest),
                ..Default::default()
            })
            .unwrap(),
        0
    );
}
