//! Actors: resolve the lexicon's actor cues to the codebook's canonical ids. "MSS" is read
//! from its expansion in the report ("Ministry of Social Security (MSS)"), else it is
//! the Ministry of State Security; police, "the authorities" and customs officers are
//! Chinese when the nearest place is in China; "agents"/"officers" refer back to the
//! agency last named.

use crate::lexicon::ActCue;
use crate::model::Actor;

/// What "MSS" means in this report.
pub fn mss_meaning(body: &str) -> Actor {
    // look for an explicit expansion next to "(MSS)" or "MSS (...)"; most reports have
    // no "MSS" at all, which `contains` (vectorised) tells faster than `find`
    if !body.contains("MSS") {
        return Actor::StateSecurity;
    }
    let mut from = 0usize;
    while let Some(p) = body[from..].find("MSS") {
        let at = from + p;
        let before = &body[crate::text::floor_cb(body, at.saturating_sub(40))..at];
        let after = &body[at..crate::text::ceil_cb(body, (at + 45).min(body.len()))];
        let b = before.to_ascii_lowercase();
        let a = after.to_ascii_lowercase();
        if b.contains("social security") || a.contains("social security") {
            return Actor::SocialSecurity;
        }
        if b.contains("state security") || a.contains("state security") {
            return Actor::StateSecurity;
        }
        from = at + 3;
        if from >= body.len() {
            break;
        }
    }
    Actor::StateSecurity
}

/// Country context for generic agencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    Kp,
    Cn,
}

/// Resolve one actor cue. `last` is the agency most recently named (for "agents").
pub fn resolve(
    cue: ActCue,
    mss: Actor,
    country: Country,
    last: Option<Actor>,
    military_report: bool,
) -> Option<Actor> {
    match cue {
        ActCue::Guards => military_report.then_some(Actor::Military),
        ActCue::Fixed(a) => Some(a),
        ActCue::Mss => Some(mss),
        ActCue::Police => Some(match country {
            Country::Cn => Actor::ChinaAuthorities,
            Country::Kp => Actor::SocialSecurity,
        }),
        ActCue::Authorities => Some(match country {
            Country::Cn => Actor::ChinaAuthorities,
            Country::Kp => Actor::Government,
        }),
        ActCue::Customs => Some(match country {
            Country::Cn => Actor::ChinaAuthorities,
            Country::Kp => Actor::Government,
        }),
        ActCue::Agents => last,
    }
}

/// Is the report about border guards or soldiers (so that bare "guards" are military)?
pub fn military_report(body: &str) -> bool {
    if body.contains("경비대") || body.contains("군인") {
        return true;
    }
    let l = body.to_ascii_lowercase();
    [
        "border guard",
        "guard unit",
        "guard post",
        "soldier",
        "sentr",
        "border patrol",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// Agencies that "agents"/"officers" can refer back to.
pub fn is_agency(a: Actor) -> bool {
    matches!(
        a,
        Actor::StateSecurity
            | Actor::SocialSecurity
            | Actor::MilitarySecurity
            | Actor::Prosecutors
            | Actor::ChinaAuthorities
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mss_expansion() {
        assert_eq!(
            mss_meaning("the Ministry of Social Security (MSS) said"),
            Actor::SocialSecurity
        );
        assert_eq!(
            mss_meaning("The Ministry of State Security (MSS) arrested"),
            Actor::StateSecurity
        );
        assert_eq!(mss_meaning("MSS agents arrested"), Actor::StateSecurity);
    }
}
