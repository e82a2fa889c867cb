//! The accounts events arrived for ([`crate::model::Event::account`]), interned: rows,
//! messages and chats carry a 16-bit index instead of the name.
//!
//! Index 0 is "no account" (a body that names none). Accounts are never forgotten (a handful per
//! run is normal), and their number is bounded: past [`MAX_ACCOUNTS`] every new account shares
//! one last slot shown as [`OVERFLOW`], so a sender inventing a new session name per request
//! cannot grow memory without limit (their chats then share that slot).

use std::collections::HashMap;
use std::sync::Arc;

/// Distinct accounts kept, the overflow slot included.
pub const MAX_ACCOUNTS: usize = 4096;

/// The name of the slot every account past [`MAX_ACCOUNTS`] shares.
pub const OVERFLOW: &str = "(other accounts)";

/// The interned accounts.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    /// `names[i - 1]` is account `i`.
    names: Vec<Arc<str>>,
    by_name: HashMap<Arc<str>, u16>,
}

impl Accounts {
    /// The index of `account` (0 for none), interning it when new.
    pub fn intern(&mut self, account: Option<&str>) -> u16 {
        let Some(name) = account else { return 0 };
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        if self.names.len() + 1 >= MAX_ACCOUNTS {
            return self.intern_overflow();
        }
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        let i = self.names.len() as u16;
        self.by_name.insert(name, i);
        i
    }

    fn intern_overflow(&mut self) -> u16 {
        if let Some(&i) = self.by_name.get(OVERFLOW) {
            return i;
        }
        let name: Arc<str> = Arc::from(OVERFLOW);
        self.names.push(name.clone());
        let i = self.names.len() as u16;
        self.by_name.insert(name, i);
        i
    }

    /// The index of `account`, if seen.
    pub fn find(&self, account: &str) -> Option<u16> {
        self.by_name.get(account).copied()
    }

    /// The name of account `i`; `None` for 0 (no account) or an index never given out.
    pub fn name(&self, i: u16) -> Option<&str> {
        let i = usize::from(i).checked_sub(1)?;
        self.names.get(i).map(|n| &**n)
    }

    /// How many accounts were seen (not counting "none").
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Every index in use, "none" included.
    pub fn indexes(&self) -> impl Iterator<Item = u16> {
        0..=self.names.len() as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_intern_to_stable_indexes() {
        let mut a = Accounts::default();
        assert_eq!(a.intern(None), 0);
        let d = a.intern(Some("default"));
        assert_eq!(a.intern(Some("loja")), d + 1);
        assert_eq!(a.intern(Some("default")), d);
        assert_eq!(a.name(d), Some("default"));
        assert_eq!(a.name(0), None);
    }

    #[test]
    fn past_the_cap_new_accounts_share_one_slot() {
        let mut a = Accounts::default();
        for n in 0..MAX_ACCOUNTS * 2 {
            a.intern(Some(&format!("s{n}")));
        }
        assert_eq!(a.len(), MAX_ACCOUNTS);
        let last = a.intern(Some("yet another"));
        assert_eq!(a.name(last), Some(OVERFLOW));
        assert_eq!(a.intern(Some("s0")), 1);
    }
}
