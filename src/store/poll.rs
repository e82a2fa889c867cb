//! Live poll tallies: per voter the latest complete selection, from which counts are derived.
//!
//! Votes arrive as option hashes (base64 of SHA-256 of the option name, WhatsApp's own scheme),
//! so names from one provider and hashes from another meet in one key space. A newer vote
//! replaces the voter's previous one; an empty known vote withdraws it; an unreadable vote (WAHA
//! `poll.vote.failed`) counts as "voted, choice unknown". Votes older than the voter's stored one
//! are ignored, because providers deliver them out of order. Meta interactive replies use the same
//! state with options discovered as replies arrive.

use crate::model::{option_hash, ChatId, PollDef, PollSnapshot, Vote};
use serde::Serialize;
use std::collections::HashMap;

/// One option of a poll: its name and WhatsApp hash (or a provider's own option id).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PollOption {
    name: String,
    key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct VoterState {
    options: Vec<String>,
    ts_ms: Option<i64>,
    known: bool,
}

/// A poll (or an interactive prompt) and its voters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PollState {
    question: String,
    multi: bool,
    options: Vec<PollOption>,
    voters: HashMap<ChatId, VoterState>,
    /// Snapshot time of the last authoritative tally, to drop older snapshots.
    snapshot_ts_ms: Option<i64>,
}

/// What applying a vote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    Applied,
    /// Older than the voter's stored vote: recorded, not applied.
    Stale,
}

/// A tally as shown and printed: `{question, multi, options: [{name, votes}], voters, unknown_votes}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollTally {
    pub question: String,
    pub multi: bool,
    pub options: Vec<OptionTally>,
    /// Voters with a known, non-empty selection.
    pub voters: usize,
    /// Voters whose choice could not be read.
    pub unknown_votes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionTally {
    pub name: String,
    pub votes: usize,
}

impl PollState {
    /// A poll as created.
    pub fn from_def(def: &PollDef) -> PollState {
        PollState {
            question: def.question.clone(),
            multi: def.multi,
            options: def
                .options
                .iter()
                .map(|name| PollOption {
                    name: name.clone(),
                    key: option_hash(name),
                })
                .collect(),
            ..PollState::default()
        }
    }

    /// Fills in the definition of a poll whose votes arrived first.
    pub fn define(&mut self, def: &PollDef) {
        let voters = std::mem::take(&mut self.voters);
        *self = PollState {
            voters,
            snapshot_ts_ms: self.snapshot_ts_ms,
            ..PollState::from_def(def)
        };
    }

    pub fn is_defined(&self) -> bool {
        !self.options.is_empty()
    }

    /// Applies one voter's complete current selection.
    pub fn vote(&mut self, vote: &Vote, voter: ChatId) -> VoteOutcome {
        if let Some(prev) = self.voters.get(&voter) {
            if let (Some(new), Some(old)) = (vote.ts_ms, prev.ts_ms) {
                if new < old {
                    return VoteOutcome::Stale;
                }
            }
            // An unreadable vote after a readable one tells nothing new: keep the known choice.
            if !vote.known && prev.known {
                return VoteOutcome::Applied;
            }
        }
        self.voters.insert(
            voter,
            VoterState {
                options: vote.options.clone(),
                ts_ms: vote.ts_ms,
                known: vote.known,
            },
        );
        VoteOutcome::Applied
    }

    /// Replaces the whole tally with a provider's snapshot, unless an equal or newer one was
    /// already applied.
    pub fn apply_snapshot(&mut self, snap: &PollSnapshot) -> VoteOutcome {
        if let (Some(new), Some(old)) = (snap.ts_ms, self.snapshot_ts_ms) {
            if new < old {
                return VoteOutcome::Stale;
            }
        }
        if !snap.def.options.is_empty() {
            self.define(&snap.def);
        }
        let mut voters: HashMap<ChatId, VoterState> = HashMap::new();
        for (name, names_voters) in &snap.voters {
            let key = option_hash(name);
            for v in names_voters {
                let st = voters.entry(v.clone()).or_insert(VoterState {
                    options: Vec::new(),
                    ts_ms: snap.ts_ms,
                    known: true,
                });
                st.options.push(key.clone());
            }
        }
        // Voters the snapshot cannot see (unreadable votes) stay counted as unknown.
        for (id, st) in &self.voters {
            if !st.known && !voters.contains_key(id) {
                voters.insert(id.clone(), st.clone());
            }
        }
        self.voters = voters;
        self.snapshot_ts_ms = snap.ts_ms.or(self.snapshot_ts_ms);
        VoteOutcome::Applied
    }

    /// Records an interactive reply: the replier's choice becomes `option_id` (titled `title`).
    pub fn reply(
        &mut self,
        voter: ChatId,
        option_id: &str,
        title: &str,
        ts_ms: Option<i64>,
    ) -> VoteOutcome {
        if !self.options.iter().any(|o| o.key == option_id) {
            self.options.push(PollOption {
                name: title.to_owned(),
                key: option_id.to_owned(),
            });
        }
        let vote = Vote {
            poll: crate::model::MessageId::new(""),
            voter: voter.clone(),
            options: vec![option_id.to_owned()],
            known: true,
            ts_ms,
        };
        self.vote(&vote, voter)
    }

    /// Sets the question shown for an interactive prompt.
    pub fn set_question(&mut self, question: &str) {
        if self.question.is_empty() {
            self.question = question.to_owned();
        }
    }

    /// Per option name, who chose it; then the voters whose choice could not be read.
    pub fn voter_lists(&self) -> (Vec<(String, Vec<ChatId>)>, Vec<ChatId>) {
        let mut by_option: Vec<(String, Vec<ChatId>)> = self
            .options
            .iter()
            .map(|o| {
                let mut who: Vec<ChatId> = self
                    .voters
                    .iter()
                    .filter(|(_, v)| v.known && v.options.contains(&o.key))
                    .map(|(id, _)| id.clone())
                    .collect();
                who.sort();
                (o.name.clone(), who)
            })
            .collect();
        by_option.retain(|(_, who)| !who.is_empty());
        let mut unknown: Vec<ChatId> = self
            .voters
            .iter()
            .filter(|(_, v)| !v.known)
            .map(|(id, _)| id.clone())
            .collect();
        unknown.sort();
        (by_option, unknown)
    }

    pub fn tally(&self) -> PollTally {
        let mut options: Vec<OptionTally> = self
            .options
            .iter()
            .map(|o| OptionTally {
                name: o.name.clone(),
                votes: self
                    .voters
                    .values()
                    .filter(|v| v.known && v.options.contains(&o.key))
                    .count(),
            })
            .collect();
        // Votes for options the definition does not list (poll not seen yet, or a hash we
        // cannot name) stay visible under their key rather than vanishing.
        let mut strays: Vec<&String> = self
            .voters
            .values()
            .filter(|v| v.known)
            .flat_map(|v| v.options.iter())
            .filter(|k| !self.options.iter().any(|o| &o.key == *k))
            .collect();
        strays.sort();
        strays.dedup();
        for key in strays {
            options.push(OptionTally {
                name: key.clone(),
                votes: self
                    .voters
                    .values()
                    .filter(|v| v.known && v.options.contains(key))
                    .count(),
            });
        }
        PollTally {
            question: self.question.clone(),
            multi: self.multi,
            options,
            voters: self
                .voters
                .values()
                .filter(|v| v.known && !v.options.is_empty())
                .count(),
            unknown_votes: self.voters.values().filter(|v| !v.known).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MessageId;

    fn def() -> PollDef {
        PollDef {
            question: "Ship on Friday?".into(),
            options: vec!["Yes".into(), "No".into(), "Later".into()],
            multi: false,
        }
    }

    fn vote(voter: &str, names: &[&str], ts: i64, known: bool) -> (Vote, ChatId) {
        let voter = ChatId::parse(voter).unwrap();
        (
            Vote {
                poll: MessageId::new("p"),
                voter: voter.clone(),
                options: names.iter().map(|n| option_hash(n)).collect(),
                known,
                ts_ms: Some(ts),
            },
            voter,
        )
    }

    fn counts(p: &PollState) -> Vec<usize> {
        p.tally().options.iter().map(|o| o.votes).collect()
    }

    #[test]
    fn a_new_vote_replaces_the_old_and_empty_withdraws() {
        let mut p = PollState::from_def(&def());
        let (v, who) = vote("1", &["Yes"], 10, true);
        p.vote(&v, who);
        let (v, who) = vote("2", &["No"], 11, true);
        p.vote(&v, who);
        let (v, who) = vote("1", &["Later"], 12, true);
        p.vote(&v, who);
        assert_eq!(counts(&p), vec![0, 1, 1]);
        assert_eq!(p.tally().voters, 2);
        let (v, who) = vote("2", &[], 13, true);
        p.vote(&v, who);
        assert_eq!(counts(&p), vec![0, 0, 1]);
        assert_eq!(p.tally().voters, 1);
    }

    #[test]
    fn older_votes_do_not_override_newer_ones() {
        let mut p = PollState::from_def(&def());
        let (v, who) = vote("1", &["No"], 20, true);
        p.vote(&v, who);
        let (v, who) = vote("1", &["Yes"], 10, true);
        assert_eq!(p.vote(&v, who), VoteOutcome::Stale);
        assert_eq!(counts(&p), vec![0, 1, 0]);
    }

    #[test]
    fn unreadable_votes_count_as_unknown() {
        let mut p = PollState::from_def(&def());
        let (v, who) = vote("1", &[], 10, false);
        p.vote(&v, who);
        let t = p.tally();
        assert_eq!((t.voters, t.unknown_votes), (0, 1));
    }

    #[test]
    fn votes_before_the_definition_are_kept() {
        let mut p = PollState::default();
        let (v, who) = vote("1", &["Later"], 10, true);
        p.vote(&v, who);
        p.define(&def());
        assert_eq!(counts(&p), vec![0, 0, 1]);
    }

    #[test]
    fn snapshots_overwrite_the_tally() {
        let mut p = PollState::from_def(&def());
        let (v, who) = vote("1", &["Yes"], 10, true);
        p.vote(&v, who);
        let snap = PollSnapshot {
            poll: MessageId::new("p"),
            def: def(),
            voters: vec![("No".into(), vec![ChatId::parse("2").unwrap()])],
            ts_ms: Some(20),
        };
        p.apply_snapshot(&snap);
        assert_eq!(counts(&p), vec![0, 1, 0]);
    }

    #[test]
    fn interactive_replies_discover_options() {
        let mut p = PollState::default();
        p.reply(ChatId::parse("1").unwrap(), "b1", "Yes", Some(1));
        p.reply(ChatId::parse("2").unwrap(), "b2", "No", Some(2));
        p.reply(ChatId::parse("1").unwrap(), "b2", "No", Some(3));
        let t = p.tally();
        assert_eq!(t.options.len(), 2);
        assert_eq!(counts(&p), vec![0, 2]);
    }
}
