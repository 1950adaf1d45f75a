//! Bytes to text: binary refusal, BOM, declared charset, then content sniffing.
//!
//! Policy for invalid bytes: decoding is strict. A file that is neither valid UTF-8 nor
//! cleanly decodable EUC-KR/CP949 (nor valid in its BOM or declared encoding) is refused with
//! an error naming the first bad byte offset, rather than decoded lossily: originals are
//! evidence, and a silently replaced byte would move or change quoted text.

use encoding_rs::{Encoding, EUC_KR, UTF_16BE, UTF_16LE, UTF_8};

use crate::IngestError;

/// Known binary signatures and their names.
const MAGIC: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "zip archive or Office document"),
    (b"\x1f\x8b", "gzip archive"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "legacy Office document",
    ),
    (b"\x7fELF", "ELF executable"),
    (b"MZ\x90\x00", "Windows executable"),
    (b"SQLite format 3\0", "SQLite database"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"OggS\0", "Ogg media"),
    (b"ID3\x03\0", "MP3 audio"),
    (b"ID3\x04\0", "MP3 audio"),
    (b"\x00\x00\x00\x18ftyp", "MP4 video"),
    (b"\x00\x00\x00\x20ftyp", "MP4 video"),
];

/// Decoded text plus the name of the encoding it was read in.
#[allow(dead_code)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

fn err(reason: String) -> IngestError {
    IngestError { reason }
}

/// Name a binary file type from its first bytes, if it is one we recognise.
pub fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("WebP image");
    }
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, name)| *name)
}

/// Which BOM (if any) starts the bytes, and its length.
pub fn bom(bytes: &[u8]) -> Option<(&'static Encoding, usize)> {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        Some((UTF_8, 3))
    } else if bytes.starts_with(b"\xff\xfe") {
        Some((UTF_16LE, 2))
    } else if bytes.starts_with(b"\xfe\xff") {
        Some((UTF_16BE, 2))
    } else {
        None
    }
}

/// Guess BOM-less UTF-16 from the pattern of zero bytes in the first 4 KiB of mostly
/// ASCII text.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let even0 = head.iter().step_by(2).filter(|b| **b == 0).count();
    let odd0 = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if odd0 * 10 >= pairs * 7 && even0 * 20 < pairs {
        Some(UTF_16LE)
    } else if even0 * 10 >= pairs * 7 && odd0 * 20 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A charset declared in the first 4 KiB: HTML `<meta charset>` / `content="...; charset="`
/// or an XML declaration `encoding="..."`.
pub fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    for key in [&b"charset"[..], &b"encoding"[..]] {
        let mut from = 0;
        while let Some(pos) = find(&lower[from..], key) {
            let mut i = from + pos + key.len();
            from = i;
            while i < lower.len() && lower[i] == b' ' {
                i += 1;
            }
            if i >= lower.len() || lower[i] != b'=' {
                continue;
            }
            i += 1;
            while i < lower.len() && matches!(lower[i], b' ' | b'"' | b'\'') {
                i += 1;
            }
            let start = i;
            while i < lower.len()
                && (lower[i].is_ascii_alphanumeric()
                    || matches!(lower[i], b'-' | b'_' | b'.' | b':'))
            {
                i += 1;
            }
            if i > start {
                if let Some(enc) = Encoding::for_label(&lower[start..i]) {
                    return Some(enc);
                }
            }
        }
    }
    None
}

/// The first occurrence of `needle` in `hay` (memchr's vectorised search).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn strict(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// EUC-KR/CP949 accepted only when it decodes cleanly into mostly Hangul and ASCII.
fn try_euc_kr(bytes: &[u8]) -> Option<String> {
    let text = strict(EUC_KR, bytes)?;
    let (mut good, mut total) = (0usize, 0usize);
    for c in text.chars() {
        total += 1;
        if c.is_ascii() || crate::lang::is_hangul(c) || c.is_whitespace() || is_common_punct(c) {
            good += 1;
        }
    }
    (total > 0 && good * 10 >= total * 9).then_some(text)
}

fn is_common_punct(c: char) -> bool {
    matches!(
        c,
        '\u{2018}'
            ..='\u{201f}'
                | '…'
                | '·'
                | '▲'
                | '△'
                | '◆'
                | '■'
                | '●'
                | '○'
                | '※'
                | '「'
                | '」'
                | '『'
                | '』'
                | '〈'
                | '〉'
                | '《'
                | '》'
    )
}

/// Decode a whole file. The BOM wins, then a declared charset, then content: valid UTF-8,
/// else clean EUC-KR. NUL bytes (outside UTF-16) and known binary signatures are refused.
pub fn decode(bytes: &[u8]) -> Result<Decoded, IngestError> {
    if let Some((enc, len)) = bom(bytes) {
        return strict(enc, &bytes[len..])
            .map(|text| Decoded {
                text,
                encoding: enc.name(),
            })
            .ok_or_else(|| {
                err(format!(
                    "file starts with a {} byte-order mark but is not valid {}",
                    enc.name(),
                    enc.name()
                ))
            });
    }
    if let Some(kind) = binary_kind(bytes) {
        return Err(err(format!("binary file ({kind}), not a report")));
    }
    if memchr::memchr(0, bytes).is_some() {
        if let Some(enc) = bomless_utf16(bytes) {
            if let Some(text) = strict(enc, bytes) {
                return Ok(Decoded {
                    text,
                    encoding: enc.name(),
                });
            }
        }
        let at = bytes.iter().position(|b| *b == 0).unwrap_or(0);
        return Err(err(format!(
            "binary file (NUL byte at offset {at}), not a report"
        )));
    }
    // Valid UTF-8 with multi-byte sequences wins over a legacy declaration: re-saved pages
    // often keep a stale `charset=euc-kr`, while real EUC-KR or Latin-1 text with non-ASCII
    // bytes essentially never forms valid UTF-8.
    let utf8 = std::str::from_utf8(bytes);
    if let Ok(s) = utf8 {
        if !s.is_ascii() {
            return Ok(Decoded {
                text: s.to_string(),
                encoding: "UTF-8",
            });
        }
    }
    if let Some(enc) = declared_charset(bytes) {
        // UTF-16 labels inside an 8-bit file are a lie; treat them as UTF-8.
        if enc != UTF_8 && enc != UTF_16LE && enc != UTF_16BE {
            if let Some(text) = strict(enc, bytes) {
                return Ok(Decoded {
                    text,
                    encoding: enc.name(),
                });
            }
        }
    }
    match utf8 {
        Ok(s) => Ok(Decoded {
            text: s.to_string(),
            encoding: "UTF-8",
        }),
        Err(e) => {
            if let Some(text) = try_euc_kr(bytes) {
                return Ok(Decoded {
                    text,
                    encoding: "EUC-KR",
                });
            }
            Err(err(format!(
                "not valid UTF-8 (invalid byte at offset {}) and not EUC-KR/CP949; \
                 re-save the file as UTF-8",
                e.valid_up_to()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_bom() {
        assert_eq!(decode(b"abc").unwrap().text, "abc");
        assert_eq!(decode(b"\xef\xbb\xbfabc").unwrap().text, "abc");
        let le: Vec<u8> = [0xff, 0xfe, b'h', 0, b'i', 0].to_vec();
        assert_eq!(decode(&le).unwrap().text, "hi");
        let be: Vec<u8> = [0xfe, 0xff, 0, b'h', 0, b'i'].to_vec();
        assert_eq!(decode(&be).unwrap().text, "hi");
    }

    #[test]
    fn euc_kr_sniffed_and_declared() {
        let (bytes, _, _) = EUC_KR.encode("혜산시 보위부가 브로커를 체포했다.");
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "혜산시 보위부가 브로커를 체포했다.");
        assert_eq!(d.encoding, "EUC-KR");
        let mut page = b"<html><head><meta charset=\"euc-kr\"></head><body>".to_vec();
        page.extend_from_slice(&bytes);
        assert!(decode(&page).unwrap().text.contains("체포"));
        // A stale euc-kr declaration on a page that is really UTF-8.
        let utf8_page = "<meta charset=\"euc-kr\"><p>혜산시 보위부</p>";
        assert_eq!(decode(utf8_page.as_bytes()).unwrap().text, utf8_page);
    }

    #[test]
    fn binary_and_invalid() {
        let e = decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").err().unwrap();
        assert_eq!(e.reason, "binary file (PNG image), not a report");
        assert!(decode(b"ab\0cd").err().unwrap().reason.contains("NUL"));
        let e = decode(b"hello \xff\xfe\xfd world").err().unwrap();
        assert!(e.reason.contains("offset 6"), "{}", e.reason);
    }
}
