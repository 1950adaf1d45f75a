//! Language detection from script proportions.

use crate::model::Language;

/// Detect the language of a text from the share of Hangul and Latin letters.
///
/// Korean when Hangul makes up at least 30% of the letters, English when Latin letters make
/// up at least half, otherwise `Other` (also for text without letters).
pub fn detect_language(text: &str) -> Language {
    let (mut hangul, mut latin, mut letters) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        if !c.is_alphabetic() {
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

/// Hangul syllables, jamo and compatibility jamo.
pub(crate) fn is_hangul(c: char) -> bool {
    ('\u{ac00}'..='\u{d7a3}').contains(&c)
        || ('\u{1100}'..='\u{11ff}').contains(&c)
        || ('\u{3130}'..='\u{318f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

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
