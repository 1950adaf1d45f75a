//! Language detection from script proportions.

use crate::model::Language;

/// Detect the language of a text from the share of Hangul and Latin letters.
///
/// Korean when Hangul makes up at least 30% of the letters, English when Latin letters make
/// up at least half, otherwise `Other` (also for text without letters).
pub fn detect_language(text: &str) -> Language {
    let (mut hangul, mut latin, mut letters) = (0usize, 0usize, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A block of 64 bytes that are all ASCII (most of an English report): its letters
        // are counted in one pass the compiler vectorises (an OR of the block for the
        // test, a branch-free count of `(b | 0x20) - b'a' < 26`, which for ASCII bytes is
        // `is_ascii_alphabetic`), instead of a test and a branch per byte.
        if let Some(block) = bytes.get(i..i + 64) {
            if block.iter().fold(0u8, |a, &b| a | b) < 0x80 {
                let n = block
                    .iter()
                    .map(|&b| usize::from((b | 0x20).wrapping_sub(b'a') < 26))
                    .sum::<usize>();
                letters += n;
                latin += n;
                i += 64;
                continue;
            }
        }
        // ASCII (most of an English report): a letter is Latin, nothing else counts. No
        // char decoding and no Unicode table look-up for these bytes.
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphabetic() {
                letters += 1;
                latin += 1;
            }
            i += 1;
            continue;
        }
        // A multi-byte char: decode it (`text` is valid UTF-8, so `i` is a boundary).
        let Some(c) = text.get(i..).and_then(|t| t.chars().next()) else {
            break;
        };
        i += c.len_utf8();
        // Hangul syllables are all letters, and general punctuation (curly quotes, dashes)
        // none: decided without the Unicode table (the tests check both ranges whole).
        if is_hangul_syllable(c) {
            letters += 1;
            hangul += 1;
            continue;
        }
        if is_general_punctuation(c) || !c.is_alphabetic() {
            continue;
        }
        letters += 1;
        if is_hangul(c) {
            hangul += 1;
        } else if c.is_ascii_alphabetic() || ('\u{00c0}'..='\u{024f}').contains(&c) {
            latin += 1;
        }
    }
    if letters == 0 {
        Language::Other
    } else if hangul * 10 >= letters * 3 {
        Language::Ko
    } else if latin * 2 >= letters {
        Language::En
    } else {
        Language::Other
    }
}

/// Precomposed Hangul syllables (every one of them alphabetic).
fn is_hangul_syllable(c: char) -> bool {
    ('\u{ac00}'..='\u{d7a3}').contains(&c)
}

/// The General Punctuation block (none of it alphabetic).
fn is_general_punctuation(c: char) -> bool {
    ('\u{2000}'..='\u{206f}').contains(&c)
}

/// Hangul syllables, jamo and compatibility jamo.
pub(crate) fn is_hangul(c: char) -> bool {
    ('\u{ac00}'..='\u{d7a3}').contains(&c)
        || ('\u{1100}'..='\u{11ff}').contains(&c)
        || ('\u{3130}'..='\u{318f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcuts of `detect_language` agree with the Unicode table.
    #[test]
    fn shortcut_ranges() {
        for c in '\u{ac00}'..='\u{d7a3}' {
            assert!(
                is_hangul_syllable(c) && c.is_alphabetic() && is_hangul(c),
                "{c:?}"
            );
        }
        for c in '\u{2000}'..='\u{206f}' {
            assert!(is_general_punctuation(c) && !c.is_alphabetic(), "{c:?}");
        }
        for b in 0u8..0x80 {
            let c = char::from(b);
            assert_eq!(c.is_alphabetic(), b.is_ascii_alphabetic());
        }
        // Mixed text: the same counts as a plain walk over the chars.
        let reference = |text: &str| {
            let (mut h, mut l, mut n) = (0, 0, 0);
            for c in text.chars().filter(|c| c.is_alphabetic()) {
                n += 1;
                if is_hangul(c) {
                    h += 1;
                } else if c.is_ascii_alphabetic() || ('\u{00c0}'..='\u{024f}').contains(&c) {
                    l += 1;
                }
            }
            if n == 0 {
                Language::Other
            } else if h * 10 >= n * 3 {
                Language::Ko
            } else if l * 2 >= n {
                Language::En
            } else {
                Language::Other
            }
        };
        for t in [
            "",
            "“Quoted” — text…",
            "북한 소식통은 “말했다” said the source",
            "Ёлка und Straße ㄱㄴㄷ ᄀᄁ",
            "abc ㅎ ㅏ 한 Источник 東京 ⁱⁿ",
            "ok 한국어 한국어 한국어 Ж",
        ] {
            assert_eq!(detect_language(t), reference(t), "{t}");
        }
        // The 64-byte ASCII blocks: the branch-free letter test is `is_ascii_alphabetic`,
        // and long texts whose multi-byte chars fall across block edges at every offset,
        // with letter shares on both sides of the thresholds, decide as the plain walk.
        for b in 0u8..0x80 {
            assert_eq!((b | 0x20).wrapping_sub(b'a') < 26, b.is_ascii_alphabetic());
        }
        let parts = [
            "The source said, ",
            "3,000 won (2024). ",
            "북한 소식통 ",
            "“quoted” — ",
            "Ёлка ",
            "ㄱ ",
            "a",
            " ",
        ];
        let mut seed = 7u32;
        for len in 0..300 {
            let mut t = String::new();
            for _ in 0..len % 40 + 1 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                t.push_str(parts[(seed >> 16) as usize % parts.len()]);
            }
            for pad in 0..3 {
                let t = format!("{}{t}", "x".repeat(pad * 21));
                assert_eq!(detect_language(&t), reference(&t), "{t}");
            }
        }
    }

    #[test]
    fn scripts() {
        assert_eq!(detect_language("The source said."), Language::En);
        assert_eq!(
            detect_language("소식통은 말했다. Read in English"),
            Language::Ko
        );
        assert_eq!(detect_language("Источник сообщил"), Language::Other);
        assert_eq!(detect_language("1234 ..."), Language::Other);
    }
}
