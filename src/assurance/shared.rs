//! One return for several partnerships (issue 13, point 7). An organisation that works across
//! several partnerships of one installation (the seed's police, ICB and probation across
//! Cheshire) answers an audit once, in one partnership, and shares that return with the other
//! partnerships' live rounds of the same framework that ask it. Each of those partnerships keeps
//! its own return for the organisation, which *follows* the answering one: it is copied there
//! when the answering return is submitted and reopened when it is reopened, so their business
//! units read it, analyse it and moderate it as their own, and it is only ever changed where it
//! is answered.
//!
//! Here, the rules: which returns may follow, what a following return does when the answering
//! one changes, and how answers cross between two partnerships' versions of a framework (by
//! question code). The queries and the copying are `shared_store.rs`; the pages
//! `routes/shared.rs`.

use std::collections::HashMap;

use super::model::QuestionId;
use super::store::ReturnStatus;

/// Why a return of another partnership may not follow this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This return itself follows another partnership's: share that one instead.
    AnsweringFollows,
    /// This return's round has been followed by a newer round: share the live one.
    AnsweringRoundSuperseded,
    /// The other return already follows a return.
    AlreadyFollowing,
    /// The other partnership's round has a newer round.
    RoundSuperseded,
    /// The other return has answers of its own there, which sharing would overwrite.
    AnsweredThere,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::AnsweringFollows => {
                "This return follows another partnership's return: share that one, where it is answered"
            }
            Refusal::AnsweringRoundSuperseded => {
                "This return's round has been followed by a newer round: share the newer round's return"
            }
            Refusal::AlreadyFollowing => "That return already follows a shared return",
            Refusal::RoundSuperseded => {
                "That partnership has opened a newer round: it can follow only its live round"
            }
            Refusal::AnsweredThere => {
                "That return already has answers of its own in that partnership: its business unit must agree before they are replaced, so it was not shared"
            }
        }
    }
}

/// What is known of the answering return, for [`may_follow`].
#[derive(Debug, Clone, Copy)]
pub struct Answering {
    /// It follows another partnership's return itself.
    pub follows: bool,
    /// Its round is the live round of its framework (no newer one opened).
    pub round_live: bool,
}

/// What is known of another partnership's return that might follow, for [`may_follow`].
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub follows_a_return: bool,
    pub round_live: bool,
    pub status: ReturnStatus,
    /// Answers given to it in its own partnership.
    pub own_answers: i64,
}

/// May `candidate` follow `answering`? Only a live round's return that nobody has begun
/// answering there, and only from a return answered where it stands (no chains).
pub fn may_follow(answering: Answering, candidate: Candidate) -> Result<(), Refusal> {
    if answering.follows {
        return Err(Refusal::AnsweringFollows);
    }
    if !answering.round_live {
        return Err(Refusal::AnsweringRoundSuperseded);
    }
    if candidate.follows_a_return {
        return Err(Refusal::AlreadyFollowing);
    }
    if !candidate.round_live {
        return Err(Refusal::RoundSuperseded);
    }
    if candidate.own_answers > 0 || candidate.status != ReturnStatus::NotStarted {
        return Err(Refusal::AnsweredThere);
    }
    Ok(())
}

/// What a following return does when its answering return is in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Take the answering return's answers, evidence and actions, and submit.
    Copy,
    /// The answering return was reopened: reopen the copy too (its answers stay, as submitted,
    /// until the next submission).
    Reopen,
    /// The answering return is being answered: show the copy as in progress.
    MarkInProgress,
    Nothing,
}

/// What the following return does, from the two returns' stages. A submission reaches the
/// copy once (a copy already submitted or moderated is in step); drafts never cross.
pub fn follow(answering: ReturnStatus, following: ReturnStatus) -> Follow {
    use ReturnStatus::*;
    let answering_submitted = matches!(answering, Submitted | Moderated);
    let following_submitted = matches!(following, Submitted | Moderated);
    match (answering_submitted, following_submitted) {
        (true, false) => Follow::Copy,
        (false, true) => Follow::Reopen,
        (false, false) if answering == InProgress && following == NotStarted => {
            Follow::MarkInProgress
        }
        _ => Follow::Nothing,
    }
}

/// Values of one partnership's questions carried to another's version of the framework, by
/// question code, and the codes the other version does not have (left unanswered there).
#[derive(Debug, Clone, PartialEq)]
pub struct Carried<T> {
    pub values: Vec<(QuestionId, T)>,
    pub missing: Vec<String>,
}

/// Carries `(code, value)` pairs to the questions of `target` (code → question).
pub fn carry<T>(
    source: impl IntoIterator<Item = (String, T)>,
    target: &HashMap<String, QuestionId>,
) -> Carried<T> {
    let mut carried = Carried {
        values: Vec::new(),
        missing: Vec::new(),
    };
    for (code, value) in source {
        match target.get(&code) {
            Some(question) => carried.values.push((*question, value)),
            None => carried.missing.push(code),
        }
    }
    carried.missing.sort();
    carried
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReturnStatus::*;

    const ANSWERING: Answering = Answering {
        follows: false,
        round_live: true,
    };
    const FRESH: Candidate = Candidate {
        follows_a_return: false,
        round_live: true,
        status: NotStarted,
        own_answers: 0,
    };

    #[test]
    fn a_live_untouched_return_may_follow() {
        assert_eq!(may_follow(ANSWERING, FRESH), Ok(()));
    }

    #[test]
    fn chains_superseded_rounds_and_answered_returns_are_refused() {
        let follows = Answering {
            follows: true,
            ..ANSWERING
        };
        assert_eq!(may_follow(follows, FRESH), Err(Refusal::AnsweringFollows));
        let old = Answering {
            round_live: false,
            ..ANSWERING
        };
        assert_eq!(
            may_follow(old, FRESH),
            Err(Refusal::AnsweringRoundSuperseded)
        );
        let following = Candidate {
            follows_a_return: true,
            ..FRESH
        };
        assert_eq!(
            may_follow(ANSWERING, following),
            Err(Refusal::AlreadyFollowing)
        );
        let superseded = Candidate {
            round_live: false,
            ..FRESH
        };
        assert_eq!(
            may_follow(ANSWERING, superseded),
            Err(Refusal::RoundSuperseded)
        );
        for candidate in [
            Candidate {
                own_answers: 1,
                ..FRESH
            },
            Candidate {
                status: InProgress,
                ..FRESH
            },
            Candidate {
                status: Submitted,
                ..FRESH
            },
        ] {
            assert_eq!(
                may_follow(ANSWERING, candidate),
                Err(Refusal::AnsweredThere)
            );
        }
    }

    #[test]
    fn a_submission_is_copied_once_and_a_reopen_reopens() {
        let all = [NotStarted, InProgress, Submitted, Moderated];
        for answering in all {
            for following in all {
                let expected = match (answering, following) {
                    (Submitted | Moderated, NotStarted | InProgress) => Follow::Copy,
                    (NotStarted | InProgress, Submitted | Moderated) => Follow::Reopen,
                    (InProgress, NotStarted) => Follow::MarkInProgress,
                    _ => Follow::Nothing,
                };
                assert_eq!(
                    follow(answering, following),
                    expected,
                    "{answering:?} {following:?}"
                );
            }
        }
    }

    #[test]
    fn answers_cross_by_question_code_and_missing_codes_are_named() {
        let target: HashMap<String, QuestionId> = [
            ("1.1".to_owned(), QuestionId::new(40)),
            ("2.1".to_owned(), QuestionId::new(41)),
        ]
        .into();
        let carried = carry(
            [
                ("2.1".to_owned(), "met"),
                ("9.9".to_owned(), "exceeds"),
                ("1.1".to_owned(), "not met"),
                ("3.1".to_owned(), "met"),
            ],
            &target,
        );
        assert_eq!(
            carried.values,
            vec![
                (QuestionId::new(41), "met"),
                (QuestionId::new(40), "not met")
            ]
        );
        assert_eq!(carried.missing, vec!["3.1".to_owned(), "9.9".to_owned()]);
    }
}
