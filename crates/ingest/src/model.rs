//! The report model shared by every later stage.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Hex SHA-256 of some bytes: the hash used for originals and report ids.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The language of a report's body, as detected from its script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// English (Latin script).
    En,
    /// Korean (Hangul).
    Ko,
    /// Anything else, or no letters.
    Other,
}

impl Language {
    /// The short code: `en`, `ko` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ko => "ko",
            Language::Other => "other",
        }
    }
}

/// Where a report's published date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// `published:` in a `---` front-matter header.
    FrontMatter,
    /// `<meta property="article:published_time">`.
    ArticlePublishedTime,
    /// Another `<meta>` (og:, dc.date, pubdate, ...).
    MetaTag,
    /// A `<time datetime>` element.
    TimeElement,
    /// The `published` field of a JSON Lines record.
    JsonField,
    /// `pubDate` / `published` / `updated` of a feed item.
    Feed,
    /// A date line in the text itself.
    BodyText,
}

/// A report's publication date and its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The calendar date as written (no time-zone conversion).
    pub date: NaiveDate,
    /// Where the date came from.
    pub source: DateSource,
    /// The value as the file wrote it.
    pub raw: String,
}

/// What kind of boilerplate a removed span was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    /// A photo caption or credit.
    Caption,
    /// A line of topic keywords.
    TagLine,
    /// Contact prompts, language links, copyright, share/subscribe prompts.
    Footer,
    /// Reporter names and bios, date lines.
    Byline,
    /// Navigation, breadcrumbs, related-article links.
    Nav,
    /// Anything else, such as market-price widgets.
    Other,
}

impl SpanKind {
    /// The snake_case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Caption => "caption",
            SpanKind::TagLine => "tag_line",
            SpanKind::Footer => "footer",
            SpanKind::Byline => "byline",
            SpanKind::Nav => "nav",
            SpanKind::Other => "other",
        }
    }
}

/// A piece of [`Report::text`] that is not part of the story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedSpan {
    /// Byte offset into [`Report::text`].
    pub offset: usize,
    /// Length in bytes.
    pub length: usize,
    /// What kind of boilerplate it was.
    pub kind: SpanKind,
}

/// One report: an article, bulletin or testimony, cleaned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// SHA-256 (hex) of `body`: reposts of the same clean text are one report.
    pub id: String,
    /// SHA-256 (hex) of the whole original file this report came from.
    pub original_sha256: String,
    /// Headline, from front matter, meta tags, the feed item or JSON.
    pub title: Option<String>,
    /// Publisher name.
    pub outlet: Option<String>,
    /// Canonical URL of the report, when given.
    pub url: Option<String>,
    /// Publication date, when given.
    pub published: Option<Published>,
    /// Language detected from the body's script.
    pub language: Language,
    /// The main text as found (decoded, normalised line ends), boilerplate included.
    pub text: String,
    /// Boilerplate inside `text`, sorted by offset, non-overlapping.
    pub removed: Vec<RemovedSpan>,
    /// The clean body: `text` without the removed spans. Evidence spans index this.
    pub body: String,
    /// RFC 3339 capture time, supplied by the caller.
    pub captured_at: String,
    /// The path (or URL) the file was read from.
    pub source_path: String,
    /// For files holding several reports (JSON Lines, feeds): the line or item number.
    pub item: Option<usize>,
    /// The detected container format: text, html, jsonl, rss, atom.
    pub format: String,
}
