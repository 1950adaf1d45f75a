//! Atom feeds of events (RFC 4287), e.g. one per saved search, for feed readers.
//! Entries carry no sensitive fields: the title and summary are made from the
//! structured event (type, place, date, actors) and the report's title and outlet.

use std::io::Write;

use lantern_extract::PlaceRole;
use lantern_store::EventRecord;

/// Escape text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The feed's own data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedInfo {
    /// Feed id (an IRI, e.g. `urn:lantern:alert:executions-yanggang`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Link to the feed's own URL, if served.
    pub self_url: Option<String>,
    /// Link to the matching view in the app, if any.
    pub alternate_url: Option<String>,
    /// RFC 3339 time of the newest change.
    pub updated: String,
    /// Base URL of event pages in the app (`{base}{event id}`), if any.
    pub event_url_base: Option<String>,
}

/// Writes an Atom feed, one entry per event.
pub struct AtomWriter<W: Write> {
    out: W,
    event_url_base: Option<String>,
}

impl<W: Write> AtomWriter<W> {
    /// Start the feed.
    pub fn new(mut out: W, info: &FeedInfo) -> std::io::Result<Self> {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>")?;
        writeln!(out, "<feed xmlns=\"http://www.w3.org/2005/Atom\">")?;
        writeln!(out, "  <id>{}</id>", xml_escape(&info.id))?;
        writeln!(out, "  <title>{}</title>", xml_escape(&info.title))?;
        writeln!(out, "  <updated>{}</updated>", xml_escape(&info.updated))?;
        writeln!(out, "  <author><name>Lantern</name></author>")?;
        if let Some(u) = &info.self_url {
            writeln!(out, "  <link rel=\"self\" href=\"{}\"/>", xml_escape(u))?;
        }
        if let Some(u) = &info.alternate_url {
            writeln!(
                out,
                "  <link rel=\"alternate\" href=\"{}\"/>",
                xml_escape(u)
            )?;
        }
        Ok(AtomWriter {
            out,
            event_url_base: info.event_url_base.clone(),
        })
    }

    /// Write one entry.
    pub fn write(&mut self, r: &EventRecord) -> std::io::Result<()> {
        let e = &r.stored.event;
        let place = e
            .places
            .iter()
            .find(|p| p.role == PlaceRole::Location)
            .map(|p| format!(" in {}, {}", p.name, p.admin1))
            .unwrap_or_default();
        let date = crate::acled::event_date(e, r.report.published)
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let title = format!("{}{place}{date}", e.event_type.as_str().replace('_', " "));
        let actors: Vec<&str> = e.actors.iter().map(|a| a.as_str()).collect();
        let mut summary = String::new();
        if !actors.is_empty() {
            summary.push_str(&format!("Actors: {}. ", actors.join(", ")));
        }
        summary.push_str(&format!(
            "Report: {}{}. Review: {}.",
            r.report.title.as_deref().unwrap_or("(untitled)"),
            r.report
                .outlet
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default(),
            r.stored.review_state.as_str()
        ));
        let out = &mut self.out;
        writeln!(out, "  <entry>")?;
        writeln!(
            out,
            "    <id>urn:lantern:event:{}</id>",
            xml_escape(&crate::event_uid(r))
        )?;
        writeln!(out, "    <title>{}</title>", xml_escape(&title))?;
        writeln!(out, "    <updated>{}</updated>", xml_escape(&r.updated_at))?;
        if let Some(base) = &self.event_url_base {
            writeln!(
                out,
                "    <link rel=\"alternate\" href=\"{}{}\"/>",
                xml_escape(base),
                r.stored.id
            )?;
        }
        if let Some(u) = &r.report.url {
            writeln!(
                out,
                "    <link rel=\"related\" href=\"{}\"/>",
                xml_escape(u)
            )?;
        }
        writeln!(out, "    <category term=\"{}\"/>", e.event_type.as_str())?;
        writeln!(out, "    <summary>{}</summary>", xml_escape(&summary))?;
        writeln!(out, "  </entry>")
    }

    /// Close the feed and flush.
    pub fn finish(mut self) -> std::io::Result<W> {
        writeln!(self.out, "</feed>")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Events of a saved search newer than its last check (id above `alert.last_event_id`),
/// in the search's order, passed to `f` one at a time. Returns the highest id seen
/// (the alert's `last_event_id` if none is new). Rejected events are left out.
pub fn new_matches(
    store: &dyn lantern_store::Store,
    alert: &lantern_store::Alert,
    f: &mut dyn FnMut(&EventRecord),
) -> lantern_store::Result<i64> {
    let mut max = alert.last_event_id;
    store.for_each_event(&alert.query.to_filter(), &mut |r| {
        if r.stored.id > alert.last_event_id
            && r.stored.review_state != lantern_store::ReviewState::Rejected
        {
            max = max.max(r.stored.id);
            f(&r);
        }
        Ok(())
    })?;
    Ok(max)
}

/// Write the Atom feed of a saved search: its `max_entries` most recently stored
/// matching events (highest ids), newest first. Memory holds at most `max_entries`.
/// `base_url`, if given, is the app's address: the feed links to
/// `{base}/alerts/{name}/feed.atom` (self) and `{base}/events/{id}` (entries).
pub fn write_alert_feed<W: Write>(
    store: &dyn lantern_store::Store,
    alert: &lantern_store::Alert,
    base_url: Option<&str>,
    max_entries: usize,
    out: W,
) -> Result<W, crate::ExportError> {
    let mut newest: Vec<EventRecord> = Vec::new();
    store.for_each_event(&alert.query.to_filter(), &mut |r| {
        if r.stored.review_state == lantern_store::ReviewState::Rejected || max_entries == 0 {
            return Ok(());
        }
        let pos = newest.partition_point(|x| x.stored.id > r.stored.id);
        if pos < max_entries {
            newest.insert(pos, r);
            newest.truncate(max_entries);
        }
        Ok(())
    })?;
    let updated = newest
        .iter()
        .map(|r| r.updated_at.as_str())
        .max()
        .unwrap_or(alert.created_at.as_str())
        .to_string();
    let base = base_url.map(|b| b.trim_end_matches('/').to_string());
    let info = FeedInfo {
        id: format!("urn:lantern:alert:{}", alert.name),
        title: format!("Lantern alert: {}", alert.name),
        self_url: base
            .as_ref()
            .map(|b| format!("{b}/alerts/{}/feed.atom", alert.name)),
        alternate_url: base.as_ref().map(|b| format!("{b}/alerts/{}", alert.name)),
        updated,
        event_url_base: base.as_ref().map(|b| format!("{b}/events/")),
    };
    let mut w = AtomWriter::new(out, &info)?;
    for r in &newest {
        w.write(r)?;
    }
    Ok(w.finish()?)
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            xml_escape("a<b>&\"c\" 'd'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;\n"
        );
    }
}
