//! HTML pages: metadata (title, outlet, url, published) and the main article text.
//!
//! The page is parsed with `scraper` (html5ever). Every walk over the tree is iterative
//! (`traverse`/`descendants` edges), so deeply nested markup cannot overflow the stack, and
//! the tree is stored flat, so dropping it does not recurse either.
//!
//! Main text: the largest `<article>`, else `<main>`/`[role=main]`, else the element holding
//! the most paragraph text, else the body. Inside it, navigation, headers, footers, asides,
//! scripts, styles, forms, figures and captions, hidden elements, link-dense lists (related
//! articles) and elements whose class/id says share/related/newsletter/... are dropped.
//! Block elements become paragraphs separated by blank lines.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::{Html, Node};

use crate::date::parse_date;
use crate::model::{DateSource, Published};
use crate::Meta;

/// Metadata and main text of an HTML page.
pub struct Page {
    pub meta: Meta,
    pub text: String,
}

const SKIP_TAGS: &[&str] = &[
    "nav",
    "header",
    "footer",
    "aside",
    "script",
    "style",
    "form",
    "figure",
    "figcaption",
    "noscript",
    "iframe",
    "svg",
    "button",
    "select",
    "template",
    "textarea",
    "input",
    "label",
    "object",
    "embed",
    "video",
    "audio",
    "canvas",
    "map",
    "dialog",
    "menu",
    "head",
    "title",
    "meta",
    "link",
    "picture",
    "img",
];

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "dl",
    "dt",
    "dd",
    "address",
    "hr",
    "center",
    "details",
    "summary",
    "body",
    "html",
    "caption",
    "tbody",
    "thead",
    "tfoot",
];

/// Class/id words marking non-story blocks.
const SKIP_WORDS: &[&str] = &[
    "related",
    "author",
    "byline",
    "bio",
    "meta",
    "pagination",
    "pager",
    "toolbar",
    "relation",
    "relate",
    "reporter",
    "print",
    "sns",
    "share",
    "sharing",
    "social",
    "newsletter",
    "subscribe",
    "subscription",
    "comments",
    "comment",
    "advert",
    "advertisement",
    "ads",
    "ad",
    "promo",
    "breadcrumb",
    "breadcrumbs",
    "sidebar",
    "caption",
    "tags",
    "tag",
    "copyright",
    "cookie",
    "popup",
    "modal",
    "banner",
    "nav",
    "navigation",
    "menu",
    "footer",
    "header",
    "hidden",
    "sr-only",
    "visually-hidden",
    "recommend",
    "recommended",
    "most-read",
    "popular",
    "widget-related",
];

/// Meta names/properties giving a publication date, best first.
const DATE_METAS: &[&str] = &[
    "og:published_time",
    "article:published",
    "published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "datepublished",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "dcterms.date",
    "dcterms.created",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "citation_publication_date",
    "article.published",
];

static LD_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""datePublished"\s*:\s*"([^"]{4,40})""#).expect("constant pattern")
});

fn element_name<'a>(node: &NodeRef<'a, Node>) -> Option<&'a str> {
    match node.value() {
        Node::Element(e) => Some(e.name()),
        _ => None,
    }
}

fn attr<'a>(node: &NodeRef<'a, Node>, name: &str) -> Option<&'a str> {
    match node.value() {
        Node::Element(e) => e.attr(name),
        _ => None,
    }
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// All text under a node, whitespace collapsed (iterative).
fn node_text(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            out.push_str(t);
            out.push(' ');
        }
    }
    collapse_ws(&out)
}

/// Per-node text length and link text length, computed bottom-up in one traversal.
struct Sizes {
    text: HashMap<NodeId, (usize, usize)>,
}

impl Sizes {
    fn compute(root: NodeRef<'_, Node>) -> Sizes {
        let mut text: HashMap<NodeId, (usize, usize)> = HashMap::new();
        for edge in root.traverse() {
            if let Edge::Close(node) = edge {
                let own = match node.value() {
                    Node::Text(t) => t.trim().chars().count(),
                    _ => 0,
                };
                let (mut total, mut link) = (own, 0);
                for c in node.children() {
                    if let Some((t, l)) = text.get(&c.id()) {
                        total += t;
                        link += l;
                    }
                }
                if element_name(&node) == Some("a") {
                    link = total;
                }
                if matches!(
                    element_name(&node),
                    Some("script" | "style" | "noscript" | "template")
                ) {
                    total = 0;
                    link = 0;
                }
                text.insert(node.id(), (total, link));
            }
        }
        Sizes { text }
    }

    fn get(&self, id: NodeId) -> (usize, usize) {
        self.text.get(&id).copied().unwrap_or((0, 0))
    }
}

fn has_skip_marker(node: &NodeRef<'_, Node>) -> bool {
    let Node::Element(e) = node.value() else {
        return false;
    };
    if e.attr("hidden").is_some()
        || e.attr("aria-hidden") == Some("true")
        || e.attr("style").is_some_and(|s| {
            s.replace(' ', "")
                .to_ascii_lowercase()
                .contains("display:none")
        })
    {
        return true;
    }
    if matches!(
        e.attr("role"),
        Some("navigation" | "complementary" | "banner" | "contentinfo")
    ) {
        return true;
    }
    let mut tokens: Vec<String> = e.classes().map(str::to_ascii_lowercase).collect();
    if let Some(id) = e.id() {
        tokens.push(id.to_ascii_lowercase());
    }
    tokens.iter().any(|tok| {
        SKIP_WORDS.contains(&tok.as_str())
            || tok
                .split(['-', '_'])
                .filter(|p| !p.is_empty())
                .any(|p| SKIP_WORDS.contains(&p) && p.len() > 3)
    })
}

/// Choose the element holding the main text.
fn choose_root<'a>(doc: &'a Html, sizes: &Sizes) -> NodeRef<'a, Node> {
    let root = doc.tree.root();
    let mut best_article: Option<(usize, NodeRef<'a, Node>)> = None;
    let mut main: Option<NodeRef<'a, Node>> = None;
    let mut body: Option<NodeRef<'a, Node>> = None;
    // Paragraph text per parent, in document order (for deterministic ties).
    let mut p_index: HashMap<NodeId, usize> = HashMap::new();
    let mut p_text: Vec<(NodeId, usize)> = Vec::new();
    for node in root.descendants() {
        match element_name(&node) {
            Some("article") => {
                let (t, l) = sizes.get(node.id());
                let score = t.saturating_sub(l);
                if !matches!(&best_article, Some((s, _)) if *s >= score) {
                    best_article = Some((score, node));
                }
            }
            Some("main") if main.is_none() => main = Some(node),
            Some(_) if main.is_none() && attr(&node, "role") == Some("main") => main = Some(node),
            Some("body") if body.is_none() => body = Some(node),
            Some("p") | None => {
                let direct_text = matches!(node.value(), Node::Text(_));
                if !direct_text && element_name(&node).is_none() {
                    continue;
                }
                let in_code = node.parent().is_some_and(|p| {
                    matches!(
                        element_name(&p),
                        Some("script" | "style" | "noscript" | "template" | "title")
                    )
                });
                if direct_text && in_code {
                    continue;
                }
                if let Some(parent) = node.parent() {
                    let len = sizes.get(node.id()).0;
                    let slot = *p_index.entry(parent.id()).or_insert_with(|| {
                        p_text.push((parent.id(), 0));
                        p_text.len() - 1
                    });
                    p_text[slot].1 += len;
                }
            }
            _ => {}
        }
    }
    if let Some((score, node)) = best_article {
        if score >= 100 {
            return node;
        }
    }
    if let Some(node) = main {
        if sizes.get(node.id()).0 >= 100 {
            return node;
        }
    }
    let mut densest: Option<(NodeId, usize)> = None;
    for &(id, len) in &p_text {
        if !matches!(densest, Some((_, best)) if best >= len) {
            densest = Some((id, len));
        }
    }
    if let Some((id, len)) = densest {
        if len >= 80 {
            if let Some(node) = doc.tree.get(id) {
                return node;
            }
        }
    }
    body.unwrap_or(root)
}

/// Collects paragraphs from text and block boundaries.
#[derive(Default)]
struct TextBuilder {
    paragraphs: Vec<String>,
    current: String,
}

impl TextBuilder {
    fn push_text(&mut self, s: &str) {
        for (i, word) in s.split_whitespace().enumerate() {
            let needs_space = (i > 0 || s.starts_with(char::is_whitespace))
                && !self.current.is_empty()
                && !self.current.ends_with([' ', '\n']);
            if needs_space {
                self.current.push(' ');
            }
            self.current.push_str(word);
        }
        if s.ends_with(char::is_whitespace)
            && !self.current.is_empty()
            && !self.current.ends_with([' ', '\n'])
        {
            self.current.push(' ');
        }
    }

    fn line_break(&mut self) {
        let trimmed = self.current.trim_end_matches(' ').len();
        self.current.truncate(trimmed);
        // `<br><br>` separates paragraphs on many older news sites.
        if self.current.ends_with('\n') {
            self.paragraph_break();
            return;
        }
        if !self.current.is_empty() && !self.current.ends_with('\n') {
            self.current.push('\n');
        }
    }

    fn paragraph_break(&mut self) {
        let p: String = self
            .current
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if !p.is_empty() {
            self.paragraphs.push(p);
        }
        self.current.clear();
    }

    fn finish(mut self) -> String {
        self.paragraph_break();
        let mut out = self.paragraphs.join("\n\n");
        out.push('\n');
        out
    }
}

/// Text of the main content under `root`, skipping non-story subtrees.
fn block_text(root: NodeRef<'_, Node>, sizes: &Sizes, skip_heading: Option<&str>) -> String {
    let root_len = sizes.get(root.id()).0.max(1);
    let mut out = TextBuilder::default();
    let mut skipping: Option<NodeId> = None;
    let mut pre_depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => {
                        if pre_depth > 0 {
                            for (i, line) in t.split('\n').enumerate() {
                                if i > 0 {
                                    out.line_break();
                                }
                                out.push_text(line);
                            }
                        } else {
                            out.push_text(t);
                        }
                    }
                    Node::Element(e) => {
                        let name = e.name();
                        if node.id() != root.id()
                            && should_skip(&node, name, sizes, root_len, skip_heading)
                        {
                            skipping = Some(node.id());
                            continue;
                        }
                        if name == "br" {
                            out.line_break();
                        } else if name == "pre" {
                            pre_depth += 1;
                        }
                        if BLOCK_TAGS.contains(&name) {
                            out.paragraph_break();
                        } else if matches!(name, "td" | "th") {
                            out.push_text(" ");
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skipping {
                    if id == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if let Some(name) = element_name(&node) {
                    if name == "pre" {
                        pre_depth = pre_depth.saturating_sub(1);
                    }
                    if BLOCK_TAGS.contains(&name) {
                        out.paragraph_break();
                    } else if matches!(name, "td" | "th") {
                        out.push_text(" ");
                    }
                }
            }
        }
    }
    out.finish()
}

fn should_skip(
    node: &NodeRef<'_, Node>,
    name: &str,
    sizes: &Sizes,
    root_len: usize,
    skip_heading: Option<&str>,
) -> bool {
    if SKIP_TAGS.contains(&name) {
        return true;
    }
    let (total, link) = sizes.get(node.id());
    // Heuristic skips never drop the bulk of the main text.
    let minor = total * 2 < root_len;
    if minor && has_skip_marker(node) {
        return true;
    }
    if minor && total > 0 {
        let list = matches!(name, "ul" | "ol" | "dl");
        let block = matches!(name, "div" | "section" | "table" | "td" | "th" | "tr" | "p");
        if (list && link * 10 >= total * 6) || (block && link * 10 >= total * 8 && total < 2000) {
            return true;
        }
    }
    if name == "h1" {
        if let Some(title) = skip_heading {
            return collapse_ws(&node_text(*node)) == title;
        }
    }
    false
}

/// Read title, outlet, url and published date from the page head and body.
fn read_meta(doc: &Html) -> (Meta, Option<String>) {
    let mut metas: HashMap<String, String> = HashMap::new();
    let mut title_tag = None;
    let mut h1 = None;
    let mut canonical = None;
    let mut time_el: Option<(bool, String)> = None;
    let mut ld_date = None;
    for node in doc.tree.root().descendants() {
        let Node::Element(e) = node.value() else {
            continue;
        };
        match e.name() {
            "meta" => {
                let key = e
                    .attr("property")
                    .or_else(|| e.attr("name"))
                    .or_else(|| e.attr("itemprop"));
                if let (Some(k), Some(v)) = (key, e.attr("content")) {
                    let v = v.trim();
                    if !v.is_empty() {
                        metas
                            .entry(k.trim().to_ascii_lowercase())
                            .or_insert_with(|| v.to_string());
                    }
                }
            }
            "title" if title_tag.is_none() => {
                title_tag = Some(node_text(node)).filter(|t| !t.is_empty());
            }
            "h1" if h1.is_none() => h1 = Some(node_text(node)).filter(|t| !t.is_empty()),
            "link" if canonical.is_none() => {
                let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") {
                    canonical = e.attr("href").map(|s| s.trim().to_string());
                }
            }
            "time" => {
                if let Some(dt) = e.attr("datetime") {
                    let strong = e.attr("pubdate").is_some()
                        || e.attr("itemprop")
                            .is_some_and(|p| p.eq_ignore_ascii_case("datepublished"));
                    if !matches!(&time_el, Some((s, _)) if *s || !strong) {
                        time_el = Some((strong, dt.trim().to_string()));
                    }
                }
            }
            "script"
                if ld_date.is_none() && e.attr("type").is_some_and(|t| t.contains("ld+json")) =>
            {
                let text: String = node
                    .children()
                    .filter_map(|c| match c.value() {
                        Node::Text(t) => Some(t.to_string()),
                        _ => None,
                    })
                    .collect();
                ld_date = LD_DATE.captures(&text).map(|c| c[1].to_string());
            }
            _ => {}
        }
    }
    let mut meta = Meta::default();
    let published = |raw: &str, source| {
        parse_date(raw).map(|date| Published {
            date,
            source,
            raw: raw.to_string(),
        })
    };
    meta.published = metas
        .get("article:published_time")
        .and_then(|v| published(v, DateSource::ArticlePublishedTime))
        .or_else(|| {
            DATE_METAS.iter().find_map(|k| {
                metas
                    .get(*k)
                    .and_then(|v| published(v, DateSource::MetaTag))
            })
        })
        .or_else(|| {
            ld_date
                .as_deref()
                .and_then(|v| published(v, DateSource::MetaTag))
        })
        .or_else(|| {
            time_el
                .as_ref()
                .and_then(|(_, v)| published(v, DateSource::TimeElement))
        });
    meta.outlet = metas.get("og:site_name").cloned();
    meta.url = canonical
        .filter(|u| !u.is_empty())
        .or_else(|| metas.get("og:url").cloned());
    // Title: og:title, else the <title> (cut to the h1 when it is "h1 | Site"), else h1.
    let og_title = metas
        .get("og:title")
        .or_else(|| metas.get("twitter:title"))
        .map(|t| strip_site_suffix(&collapse_ws(t), meta.outlet.as_deref()));
    meta.title = og_title.clone().or_else(|| match (&title_tag, &h1) {
        (Some(t), Some(h)) if t.starts_with(h.as_str()) && t.len() > h.len() => {
            let rest = t[h.len()..]
                .trim_start_matches([' ', '|', '-', '–', '—', ':'])
                .trim();
            if meta.outlet.is_none() && !rest.is_empty() {
                meta.outlet = Some(rest.to_string());
            }
            Some(h.clone())
        }
        (Some(t), _) => Some(strip_site_suffix(t, meta.outlet.as_deref())),
        (None, Some(h)) => Some(h.clone()),
        (None, None) => None,
    });
    (meta, h1)
}

fn strip_site_suffix(title: &str, site: Option<&str>) -> String {
    if let Some(site) = site {
        for sep in [" | ", " - ", " – ", " — ", " :: "] {
            if let Some(head) = title.strip_suffix(site).and_then(|h| h.strip_suffix(sep)) {
                return head.trim().to_string();
            }
        }
    }
    title.to_string()
}

/// Extract metadata and the main article text of an HTML page.
pub fn extract(html: &str) -> Page {
    let doc = Html::parse_document(html);
    let (meta, h1) = read_meta(&doc);
    let sizes = Sizes::compute(doc.tree.root());
    let root = choose_root(&doc, &sizes);
    let skip_heading = h1.filter(|h| meta.title.as_deref() == Some(h.as_str()));
    let text = block_text(root, &sizes, skip_heading.as_deref());
    Page { meta, text }
}

/// Text of an HTML fragment (feed item content, a JSON `html` field).
pub fn fragment_text(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let sizes = Sizes::compute(doc.tree.root());
    block_text(doc.tree.root(), &sizes, None)
}

/// Whether a string looks like HTML markup rather than plain text.
pub fn looks_like_html(s: &str) -> bool {
    static TAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)</?(?:p|div|br|span|a|b|i|em|strong|h[1-6]|ul|ol|li|article|section|img|figure|blockquote|table|html|body)(?-u:\b)[^>]*>")
            .expect("constant pattern")
    });
    TAG.is_match(s)
}
