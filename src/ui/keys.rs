//! The one key table: it drives dispatch, the `?` help overlay and the status-bar hints, so the
//! three can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key is bound to. The screen carries out those that move its own widgets (the JSON
/// viewer, the help overlay, a repaint) and turns the rest into the monitor's actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    AllChats,
    OpenFilter,
    ToggleFollow,
    ToggleRawEvents,
    ToggleFormBytes,
    Help,
    NextDetailView,
    ToggleFold,
    ToggleWrap,
    FoldAll,
    UnfoldAll,
    Search,
    SearchNext,
    SearchPrev,
    CopyValue,
    CopyPath,
    CopyBody,
    PrevRequest,
    NextRequest,
    Resend,
    EditAndSend,
    CopyCurl,
    WriteMatching,
    ClearHistory,
    Repaint,
    MarkRequest,
    CompareRequests,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Chats,
    Stream,
    Detail,
}

/// A key: code plus the modifiers that must be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    /// How the keys are written in help and hints.
    pub label: &'static str,
    pub action: Command,
    pub help: &'static str,
    /// Shown in the status bar when its pane is focused.
    pub hint: bool,
}

const fn b(
    scope: Scope,
    keys: &'static [Key],
    label: &'static str,
    action: Command,
    help: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        scope,
        keys,
        label,
        action,
        help,
        hint,
    }
}

use Command as A;
use Scope as S;

/// Every key wamon knows. Pane scopes are consulted before global ones.
pub const KEYMAP: &[Binding] = &[
    b(S::Global, &[k('q'), ctrl('c')], "q", A::Quit, "quit", true),
    b(
        S::Global,
        &[code(KeyCode::Tab)],
        "Tab",
        A::FocusNext,
        "next pane",
        true,
    ),
    b(
        S::Global,
        &[code(KeyCode::BackTab)],
        "S-Tab",
        A::FocusPrev,
        "previous pane",
        false,
    ),
    b(
        S::Global,
        &[k('j'), code(KeyCode::Down)],
        "j/k",
        A::Down,
        "move down / up",
        false,
    ),
    b(
        S::Global,
        &[k('k'), code(KeyCode::Up)],
        "",
        A::Up,
        "",
        false,
    ),
    b(
        S::Global,
        &[k('g'), code(KeyCode::Home)],
        "g/G",
        A::Top,
        "first / last",
        false,
    ),
    b(
        S::Global,
        &[k('G'), code(KeyCode::End)],
        "",
        A::Bottom,
        "",
        false,
    ),
    b(
        S::Global,
        &[code(KeyCode::PageUp), ctrl('u')],
        "PgUp/PgDn",
        A::PageUp,
        "page up / down",
        false,
    ),
    b(
        S::Global,
        &[code(KeyCode::PageDown), ctrl('d')],
        "",
        A::PageDown,
        "",
        false,
    ),
    b(
        S::Global,
        &[k('R')],
        "R",
        A::Resend,
        "send the request again (to the bot)",
        false,
    ),
    b(
        S::Global,
        &[k('E')],
        "E",
        A::EditAndSend,
        "edit the body in $EDITOR, then send",
        false,
    ),
    b(
        S::Global,
        &[k('C')],
        "C",
        A::CopyCurl,
        "copy the request as curl",
        false,
    ),
    b(
        S::Global,
        &[k('W')],
        "W",
        A::WriteMatching,
        "write the filtered requests to a file",
        false,
    ),
    b(
        S::Global,
        &[k('m')],
        "m",
        A::MarkRequest,
        "mark this request to compare",
        false,
    ),
    b(
        S::Global,
        &[k('D')],
        "D",
        A::CompareRequests,
        "diff the marked request against this one",
        false,
    ),
    b(
        S::Global,
        &[k('X')],
        "X",
        A::ClearHistory,
        "clear the history (press twice)",
        false,
    ),
    b(
        S::Chats,
        &[code(KeyCode::Enter)],
        "Enter",
        A::Open,
        "show this chat alone",
        true,
    ),
    b(
        S::Global,
        &[k('c'), code(KeyCode::Esc)],
        "c/Esc",
        A::AllChats,
        "back to all chats",
        true,
    ),
    b(S::Chats, &[k('/')], "/", A::OpenFilter, "filter", true),
    b(S::Stream, &[k('/')], "/", A::OpenFilter, "filter", true),
    b(
        S::Stream,
        &[k('f')],
        "f",
        A::ToggleFollow,
        "follow newest on/off",
        true,
    ),
    b(
        S::Stream,
        &[k('r')],
        "r",
        A::ToggleRawEvents,
        "every raw event as a row",
        true,
    ),
    b(
        S::Stream,
        &[code(KeyCode::Enter)],
        "Enter",
        A::FocusNext,
        "inspect in the detail pane",
        false,
    ),
    b(
        S::Detail,
        &[k('/')],
        "/",
        A::Search,
        "search the JSON",
        true,
    ),
    b(
        S::Detail,
        &[k('n')],
        "n/N",
        A::SearchNext,
        "next / previous match",
        true,
    ),
    b(S::Detail, &[k('N')], "", A::SearchPrev, "", false),
    b(
        S::Detail,
        &[k('v')],
        "v",
        A::NextDetailView,
        "raw / event / headers / ticks / bot reply",
        true,
    ),
    b(
        S::Detail,
        &[k('r')],
        "r",
        A::ToggleFormBytes,
        "a form body: its fields / its bytes",
        true,
    ),
    b(
        S::Detail,
        &[code(KeyCode::Enter), k(' ')],
        "Space",
        A::ToggleFold,
        "fold / unfold",
        true,
    ),
    b(
        S::Detail,
        &[k('w')],
        "w",
        A::ToggleWrap,
        "wrap long lines / cut them at the edge",
        true,
    ),
    b(
        S::Detail,
        &[k('-')],
        "-/+",
        A::FoldAll,
        "fold all / unfold all",
        false,
    ),
    b(S::Detail, &[k('+'), k('=')], "", A::UnfoldAll, "", false),
    b(
        S::Detail,
        &[k('y')],
        "y",
        A::CopyValue,
        "copy value (OSC 52)",
        true,
    ),
    b(
        S::Detail,
        &[k('p')],
        "p",
        A::CopyPath,
        "copy path like .payload.body",
        true,
    ),
    b(
        S::Detail,
        &[k('Y')],
        "Y",
        A::CopyBody,
        "copy the whole body",
        false,
    ),
    b(
        S::Detail,
        &[k('[')],
        "[/]",
        A::PrevRequest,
        "previous / next request of this message",
        true,
    ),
    b(S::Detail, &[k(']')], "", A::NextRequest, "", false),
    b(S::Global, &[k('?')], "?", A::Help, "help", true),
    b(
        S::Global,
        &[ctrl('l')],
        "C-l",
        A::Repaint,
        "repaint the screen",
        false,
    ),
    b(
        S::Global,
        &[k('f')],
        "f",
        A::ToggleFollow,
        "follow newest on/off",
        false,
    ),
];

fn matches(key: &Key, ev: &KeyEvent) -> bool {
    // Shifted characters arrive as the upper-case char, sometimes with SHIFT set: ignore SHIFT.
    let mods = ev.modifiers - KeyModifiers::SHIFT;
    key.code == ev.code && key.mods == mods
}

/// The action `ev` means in `scope` (pane bindings first, then global ones).
pub fn lookup(scope: Scope, ev: &KeyEvent) -> Option<Command> {
    KEYMAP
        .iter()
        .filter(|bnd| bnd.scope == scope)
        .chain(KEYMAP.iter().filter(|bnd| bnd.scope == Scope::Global))
        .find(|bnd| bnd.keys.iter().any(|key| matches(key, ev)))
        .map(|bnd| bnd.action)
}

/// Hints for the status bar when `scope` is focused: `(label, help)`, `? help` first (it leads
/// to every other key, so it is the one hint that must never be cut off).
pub fn hints(scope: Scope) -> Vec<(&'static str, &'static str)> {
    let mut hints: Vec<&Binding> = KEYMAP
        .iter()
        .filter(|bnd| bnd.hint && (bnd.scope == scope || bnd.scope == Scope::Global))
        .collect();
    hints.sort_by_key(|bnd| bnd.action != Command::Help);
    hints.iter().map(|bnd| (bnd.label, bnd.help)).collect()
}

/// Help overlay sections: scope name and its `(label, help)` rows.
pub fn help_sections() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    [
        (Scope::Global, "Everywhere"),
        (Scope::Chats, "Chats"),
        (Scope::Stream, "Stream"),
        (Scope::Detail, "Detail"),
    ]
    .into_iter()
    .map(|(scope, name)| {
        let rows = KEYMAP
            .iter()
            .filter(|bnd| bnd.scope == scope && !bnd.label.is_empty())
            .map(|bnd| (bnd.label, bnd.help))
            .collect();
        (name, rows)
    })
    .collect()
}

impl From<crate::monitor::Focus> for Scope {
    fn from(f: crate::monitor::Focus) -> Scope {
        match f {
            crate::monitor::Focus::Chats => Scope::Chats,
            crate::monitor::Focus::Stream => Scope::Stream,
            crate::monitor::Focus::Detail => Scope::Detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn pane_bindings_win_over_global_ones() {
        let slash = key(KeyCode::Char('/'), KeyModifiers::NONE);
        assert_eq!(lookup(Scope::Stream, &slash), Some(Command::OpenFilter));
        assert_eq!(lookup(Scope::Detail, &slash), Some(Command::Search));
        let enter = key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(lookup(Scope::Chats, &enter), Some(Command::Open));
        assert_eq!(lookup(Scope::Detail, &enter), Some(Command::ToggleFold));
    }

    #[test]
    fn ctrl_c_and_q_quit_everywhere() {
        for scope in [Scope::Chats, Scope::Stream, Scope::Detail] {
            let c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
            assert_eq!(lookup(scope, &c), Some(Command::Quit));
            let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
            assert_eq!(lookup(scope, &q), Some(Command::Quit));
        }
    }

    #[test]
    fn shifted_letters_match_without_caring_about_the_shift_flag() {
        let g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(Scope::Stream, &g), Some(Command::Bottom));
        let n = key(KeyCode::Char('N'), KeyModifiers::NONE);
        assert_eq!(lookup(Scope::Detail, &n), Some(Command::SearchPrev));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for bnd in &KEYMAP[i + 1..] {
                if a.scope != bnd.scope {
                    continue;
                }
                for ka in a.keys {
                    assert!(
                        !bnd.keys.contains(ka),
                        "{ka:?} bound to {:?} and {:?}",
                        a.action,
                        bnd.action
                    );
                }
            }
        }
    }

    #[test]
    fn help_and_hints_come_from_the_table() {
        let sections = help_sections();
        assert_eq!(sections.len(), 4);
        assert!(sections[0].1.iter().any(|(l, _)| *l == "q"));
        assert!(hints(Scope::Detail).iter().any(|(l, _)| *l == "y"));
        assert!(!hints(Scope::Chats).iter().any(|(l, _)| *l == "y"));
    }
}
