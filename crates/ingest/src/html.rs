//! HTML pages: metadata and main text.

use crate::Meta;

/// Metadata and main text of an HTML page.
pub struct Page {
    pub meta: Meta,
    pub text: String,
}

/// Extract metadata and the main article text of an HTML page.
pub fn extract(_html: &str) -> Page {
    Page {
        meta: Meta::default(),
        text: String::new(),
    }
}

/// Text of an HTML fragment (feed item content).
pub fn fragment_text(html: &str) -> String {
    html.to_string()
}
