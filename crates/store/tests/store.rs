//! Ingest, listing, lookup, originals, verify and migrations: the contract, on every
//! backend of `common::stores()` (SQLite; PostgreSQL when `LANTERN_TEST_POSTGRES` is set).

mod common;

use common::*;
use lantern_extract::EventType;
use lantern_store::{FileOutcome, ReportOutcome, SqliteStore, Store, StoreError, VerifyOutcome};

#[test]
fn ingest_list_show_and_prefix() {
    for mut store in stores() {
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
        // The same from another thread, on the connection the store gives it (SQLite:
        // a second, read-only one; the ingest's reader thread uses it).
        if let Some(mut lookup) = store.original_lookup().unwrap() {
            let sha = sha.clone();
            std::thread::spawn(move || {
                assert!(lookup.has_original(&sha).unwrap());
                assert!(lookup.has_original(&sha.to_uppercase()).unwrap());
                assert!(!lookup.has_original(&"0".repeat(64)).unwrap());
            })
            .join()
            .unwrap();
        }
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
}

#[test]
fn ambiguous_prefix_is_an_error_naming_it() {
    for mut store in stores() {
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
}

#[test]
fn same_file_twice_is_stored_once() {
    for mut store in stores() {
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
}

#[test]
fn same_body_in_two_files_is_one_report() {
    for mut store in stores() {
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
}

#[test]
fn report_with_wrong_original_hash_is_refused() {
    for mut store in stores() {
        let mut f = synthetic(3);
        f.original.push(b'x');
        let err = store.ingest_batch(&[synthetic(2), f]).unwrap_err();
        assert!(matches!(err, StoreError::OriginalMismatch { .. }), "{err}");
        assert_eq!(store.count_reports().unwrap(), 0, "whole batch rolled back");
        assert_eq!(store.count_originals().unwrap(), 0);
    }
}

#[test]
fn originals_are_immutable_and_verify_finds_corruption() {
    for mut store in stores() {
        let out = store.ingest_batch(&[synthetic(1), synthetic(2)]).unwrap();
        let ok = store.verify().unwrap();
        assert!(ok.is_ok(), "{ok:?}");
        assert_eq!(ok.originals_checked, 2);

        let msg = store
            .raw_exec("UPDATE originals SET first_path = 'x'")
            .unwrap_err();
        assert!(msg.contains("immutable"), "{msg}");
        let msg = store.raw_exec("DELETE FROM originals").unwrap_err();
        assert!(msg.contains("immutable"), "{msg}");
        // No rows yet: the audit log's guard is per row (exercised in events.rs).
        assert!(store.raw_exec("UPDATE audit_log SET who = 'x'").is_ok());

        // Tamper: disable the guard and change one original's bytes.
        let sha = &out[1].original_sha256;
        store.tamper_original(sha);
        let bad: VerifyOutcome = store.verify().unwrap();
        assert!(!bad.is_ok());
        assert_eq!(bad.originals_checked, 2);
        assert_eq!(bad.mismatches.len(), 1);
        assert_eq!(&bad.mismatches[0].sha256, sha);
        assert_eq!(bad.mismatches[0].first_path, "inbox/report-2.txt");
        assert!(bad.mismatches[0].problem.contains("hashes to"));
        assert!(bad.integrity_problems.is_empty());
    }
}

#[test]
fn reopening_is_a_noop_and_version_is_recorded() {
    for mut store in stores() {
        let version = store.schema_version().unwrap();
        assert!(version >= 3, "{version}");
        store.ingest_batch(&[synthetic(1)]).unwrap();
        let again = store.reopen();
        assert_eq!(again.schema_version().unwrap(), version);
        assert_eq!(again.count_reports().unwrap(), 1);
        drop(again);
        // A database from a newer program is refused with a clear message.
        store.set_schema_version(99);
        let err = store.try_reopen().err().expect("newer schema refused");
        assert!(
            matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("schema version 99"));
    }
}

#[test]
fn sqlite_uses_wal() {
    let store = sqlite_store();
    let Backend::Sqlite(dir) = &store.backend else {
        unreachable!()
    };
    let raw = rusqlite::Connection::open(dir.path().join("lantern.db")).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// Several connections (as several processes would) ingest overlapping batches at
/// once: every report is stored exactly once, with its events once.
#[test]
fn concurrent_overlapping_ingest_stores_each_report_once() {
    for store in stores() {
        const WORKERS: usize = 3;
        const FILES: usize = 60;
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let mut s = store.reopen();
                std::thread::spawn(move || {
                    // Each worker covers two thirds of the files, in its own order.
                    let mut ids: Vec<usize> = (0..FILES).filter(|i| i % WORKERS != w).collect();
                    if w % 2 == 1 {
                        ids.reverse();
                    }
                    let mut stored = 0;
                    for chunk in ids.chunks(7) {
                        let batch: Vec<_> = chunk.iter().map(|&i| synthetic(i)).collect();
                        let out = s.ingest_batch(&batch).expect("concurrent ingest");
                        stored += out.iter().map(FileOutcome::stored).sum::<usize>();
                    }
                    stored
                })
            })
            .collect();
        let stored: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(
            stored,
            FILES,
            "{}: each report stored by one worker",
            store.name()
        );
        assert_eq!(store.count_reports().unwrap() as usize, FILES);
        assert_eq!(store.count_originals().unwrap() as usize, FILES);
        assert_eq!(
            store.count_events(&Default::default()).unwrap() as usize,
            3 * FILES,
            "{}: no duplicated or lost events",
            store.name()
        );
        for i in [0, FILES / 2, FILES - 1] {
            let id = synthetic(i).reports[0].0.id.clone();
            assert_eq!(store.report_events(&id).unwrap().len(), 3);
        }
    }
}

/// `data_version` moves when another connection writes.
#[test]
fn data_version_sees_other_connections() {
    for store in stores() {
        let v0 = store.data_version().unwrap();
        let mut other = store.reopen();
        other.ingest_batch(&[synthetic(5)]).unwrap();
        let v1 = store.data_version().unwrap();
        assert!(v1 > v0, "{}: {v0} -> {v1}", store.name());
        let id = store.events(&Default::default()).unwrap()[0].id;
        other
            .review_event(id, "ed", &lantern_store::ReviewDecision::Confirm, None)
            .unwrap();
        assert!(store.data_version().unwrap() > v1);
    }
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

#[test]
fn prepared_files_store_the_same_as_plain_ones() {
    use lantern_store::{EventFilter, PreparedFile};
    for (mut plain, mut prepared) in stores().into_iter().zip(stores()) {
        let files = || {
            vec![
                synthetic(1),
                synthetic(2),
                file_input(
                    text_file(
                        "Phones",
                        "2024-03-05",
                        "혜산시에서 단속이 있었다. Agents searched homes.",
                    ),
                    "k.txt",
                    three_events(),
                ),
                synthetic(1),
            ]
        };
        let a = plain.ingest_batch(&files()).unwrap();
        let inputs: Vec<PreparedFile> = files()
            .into_iter()
            .map(|f| PreparedFile::new(f).unwrap())
            .collect();
        assert_eq!(inputs[0].sha256(), a[0].original_sha256);
        let b = prepared.ingest_prepared(inputs).unwrap();
        assert_eq!(a, b);
        let strip = |v: Vec<lantern_store::StoredEvent>| {
            v.into_iter()
                .map(|e| (e.report_id, e.event, e.review_state))
                .collect::<Vec<_>>()
        };
        let filter = EventFilter::default();
        assert_eq!(
            strip(plain.events(&filter).unwrap()),
            strip(prepared.events(&filter).unwrap())
        );
        for o in &a {
            for r in &o.reports {
                if let ReportOutcome::Stored { id, .. } = r {
                    assert_eq!(plain.report(id).unwrap(), prepared.report(id).unwrap());
                }
            }
        }
        assert_eq!(
            plain.search("혜산", 10, 0).unwrap().len(),
            prepared.search("혜산", 10, 0).unwrap().len()
        );
        assert_eq!(prepared.search("혜산", 10, 0).unwrap().len(), 1);
    }
}

#[test]
fn a_prepared_file_checks_its_reports_hash() {
    let mut f = synthetic(3);
    f.original.push(b'x');
    let err = lantern_store::PreparedFile::new(f).unwrap_err();
    assert!(matches!(err, StoreError::OriginalMismatch { .. }), "{err}");
}
