//! Places: decide, for every gazetteer mention in the body, whether it counts for the
//! report's events. A place counts when something happens there or the source is there;
//! it does not when it is named only in passing ("unlike in Chongjin", "after
//! Pyongsong"), as a locator of another place ("Dandong, across the river from
//! Sinuiju", "지안시와 마주한 만포시"), as a metonym for a government ("Pyongyang has
//! ordered"), as a destination of flight ("fled to ..."), or as a river ("the Tumen").

use crate::gazetteer::{Gazetteer, Mention};
use crate::model::{EventPlace, PlaceRole};
use crate::text::{ceil_cb, floor_cb};

/// A mention with the decision taken on it.
#[derive(Debug, Clone)]
pub struct Judged {
    pub m: Mention,
    /// None: named only in passing, as locator, metonym or river: it does not count.
    pub role: Option<PlaceRole>,
    /// The name stands for a government ("Pyongyang has ordered").
    pub metonym: bool,
}

const PASSING_BEFORE: &[&str] = &[
    "unlike in ",
    "unlike ",
    "after ",
    "than in ",
    "than ",
    "compared with ",
    "compared to ",
    "similar to ",
    "as in ",
    "such as ",
    "formerly known as ",
    "headquarters in ",
    "sent from ",
    "dispatched from ",
    "arrived from ",
    "came down from ",
];
const LOCATOR_BEFORE: &[&str] = &[
    "across the river from ",
    "across the border from ",
    "across from ",
    "opposite ",
    "facing ",
    "on the other side from ",
    "on the other side of the river from ",
    "which borders ",
    "bordering ",
    "adjacent to ",
    "faces ",
];
const DEST_BEFORE: &[&str] = &[
    "fled to ",
    "flee to ",
    "defected to ",
    "defect to ",
    "escaped to ",
    "escape to ",
];
const METONYM_BEFORE: &[&str] = &[
    "orders from ",
    "instructions from ",
    "directive from ",
    "ordered by ",
    "approval from ",
];
const METONYM_AFTER: &[&str] = &[
    " has ordered",
    " ordered",
    " has issued",
    " issued",
    " has instructed",
    " instructed",
    " agreed",
    " has agreed",
    " have agreed",
    " announced",
    " has announced",
    " decided",
    " has decided",
    " demanded",
    " has demanded",
    " has banned",
    " has warned",
    " wants",
    " has sent down",
    "'s order",
    "\u{2019}s order",
    "'s directive",
    "\u{2019}s directive",
    "'s decision",
    "\u{2019}s decision",
    "'s instructions",
    "\u{2019}s instructions",
];
const SOURCE_BEFORE: &[&str] = &[
    "source in ",
    "sources in ",
    "source from ",
    "source based in ",
    "source living in ",
    "resident of ",
    "residents of ",
    "resident in ",
    "trader in ",
    "source in the city of ",
];
const KO_NOT_AFTER: &[&str] = &[
    "와 달리",
    "과 달리",
    "보다",
    "에 비해",
    "처럼",
    "와 마주한",
    "과 마주한",
    "와 마주하",
    "과 마주하",
    "와 접한",
    "과 접한",
    "와 인접한",
    "과 인접한",
    "와 맞닿은",
    "과 맞닿은",
    "맞은편",
    "건너편",
    "강",
    "으로 탈북",
    "로 탈북",
];

fn ends_with_ci(h: &str, n: &str) -> bool {
    h.len() >= n.len()
        && h.is_char_boundary(h.len() - n.len())
        && h[h.len() - n.len()..].eq_ignore_ascii_case(n)
}

fn starts_with_ci(h: &str, n: &str) -> bool {
    h.len() >= n.len() && h.is_char_boundary(n.len()) && h[..n.len()].eq_ignore_ascii_case(n)
}

/// Judge every mention (sorted by start).
pub fn judge(body: &str, mentions: &[Mention]) -> Vec<Judged> {
    let mut out: Vec<Judged> = Vec::with_capacity(mentions.len());
    for (k, m) in mentions.iter().enumerate() {
        let before = &body[floor_cb(body, m.start.saturating_sub(40))..m.start.min(body.len())];
        let after = &body[m.end.min(body.len())..ceil_cb(body, (m.end + 40).min(body.len()))];
        // a province or county word after the name belongs to it ("Onsong County")
        let after_q = skip_qualifier(after);
        let mut role = Some(PlaceRole::Location);
        let mut metonym = false;
        // every "before" phrase ends with a space and every metonym "after" phrase
        // starts with a space, an apostrophe or '’' (lead byte 0xE2): the byte next to
        // the name rules out whole lists at once (about 95 tests a mention otherwise)
        let sp = before.as_bytes().last() == Some(&b' ');
        // the byte before that space, compared first (ASCII case ignored, as
        // `ends_with_ci` does): most phrases end in another letter
        let b2 = before.len().checked_sub(2).map(|i| before.as_bytes()[i]);
        let ends = |list: &[&str]| {
            sp && list.iter().any(|p| {
                let pb = p.as_bytes();
                (pb.len() < 2 || b2.is_some_and(|c| c.eq_ignore_ascii_case(&pb[pb.len() - 2])))
                    && ends_with_ci(before, p)
            })
        };
        let metonym_after = |a: &str| {
            matches!(a.as_bytes().first(), Some(b' ' | b'\'' | 0xE2))
                && METONYM_AFTER.iter().any(|p| starts_with_ci(a, p))
        };
        if ends(SOURCE_BEFORE)
            || starts_with_ci(after_q, " source")
            || after_q.trim_start().starts_with("소식통")
        {
            role = Some(PlaceRole::Source);
        } else if ends(METONYM_BEFORE) || metonym_after(after_q) {
            role = None;
            metonym = true;
        } else if ends(PASSING_BEFORE)
            || ends(LOCATOR_BEFORE)
            || ends(DEST_BEFORE)
            || KO_NOT_AFTER.iter().any(|p| after.starts_with(p))
            || is_river(before, after)
        {
            role = None;
        } else if let Some(next) = mentions.get(k + 1) {
            // "Beijing and Pyongyang agreed": the first of a pair used as a metonym
            let gap =
                &body[m.end.min(body.len())..next.start.min(body.len()).max(m.end.min(body.len()))];
            if (gap == " and " || gap == ", ") && next.end <= body.len() {
                let after2 = &body[next.end..ceil_cb(body, (next.end + 40).min(body.len()))];
                if metonym_after(after2) {
                    role = None;
                    metonym = true;
                }
            }
        }
        out.push(Judged {
            m: m.clone(),
            role,
            metonym,
        });
    }
    out
}

fn skip_qualifier(after: &str) -> &str {
    for q in [
        " Province",
        " province",
        " County",
        " county",
        " City",
        " city",
        " District",
    ] {
        if let Some(r) = after.strip_prefix(q) {
            return r;
        }
    }
    after
}

/// "the Tumen", "Tumen River": a river, not the city.
fn is_river(before: &str, after: &str) -> bool {
    let a = after.trim_start_matches(' ');
    if starts_with_ci(after, " river") || after.starts_with('강') {
        return true;
    }
    if ends_with_ci(before, "the ") {
        let next = a.chars().next();
        return matches!(next, None | Some(',') | Some('.') | Some(';') | Some(')'))
            || starts_with_ci(after, " at ")
            || starts_with_ci(after, " near ")
            || starts_with_ci(after, " in ")
            || starts_with_ci(after, " and ")
            || starts_with_ci(after, " into ")
            || starts_with_ci(after, " from ");
    }
    false
}

/// The event-place record for a mention.
pub fn event_place(g: &Gazetteer, j: &Judged) -> Option<EventPlace> {
    let idx = j.m.place;
    if idx >= g.places.len() {
        return None;
    }
    let p = g.place(idx);
    Some(EventPlace {
        id: p.id.clone(),
        name: p.name.clone(),
        admin1: p.admin1.clone(),
        level: p.level,
        lat: p.lat,
        lon: p.lon,
        approximate: p.approximate,
        role: j.role.unwrap_or(PlaceRole::Location),
        span: (j.m.start, j.m.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(start: usize, end: usize) -> Mention {
        Mention {
            start,
            end,
            place: 0,
            qualifier: None,
        }
    }

    fn role_of(text: &str, name: &str) -> Option<PlaceRole> {
        let s = text.find(name).unwrap();
        judge(text, &[m(s, s + name.len())])[0].role
    }

    #[test]
    fn rules() {
        assert_eq!(role_of("Unlike in Chongjin, people", "Chongjin"), None);
        assert_eq!(
            role_of("the busiest hub after Pyongsong, has", "Pyongsong"),
            None
        );
        assert_eq!(
            role_of("Dandong, across the river from Sinuiju, have", "Sinuiju"),
            None
        );
        assert_eq!(
            role_of("Pyongyang has ordered the heads", "Pyongyang"),
            None
        );
        assert_eq!(role_of("crossed the Tumen River at night", "Tumen"), None);
        assert_eq!(role_of("tried to cross the Tumen at night", "Tumen"), None);
        assert_eq!(role_of("중국 지안시와 마주한 만포시", "지안시"), None);
        assert_eq!(
            role_of("a source in Hyesan told us", "Hyesan"),
            Some(PlaceRole::Source)
        );
        assert_eq!(
            role_of("양강도 소식통은 17일", "양강도"),
            Some(PlaceRole::Source)
        );
        assert_eq!(
            role_of("the bridge between Tumen and Namyang", "Tumen"),
            Some(PlaceRole::Location)
        );
    }
}
