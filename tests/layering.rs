//! The crate's layers, checked in its source: the core and the monitor import no terminal
//! library and nothing of the screen, so that they stay testable without a terminal and the
//! screen stays the only module that talks to one (see `src/lib.rs`).

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// The lines of `file` that use one of `names` as code (comments and doc lines aside).
fn uses(file: &Path, names: &[&str]) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("//"))
        .filter(|l| names.iter().any(|n| l.contains(n)))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_monitor_and_the_core_use_no_terminal_and_nothing_of_the_screen() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = [
        "monitor",
        "model",
        "provider",
        "store",
        "filter",
        "display",
        "envelope.rs",
        "body_encoding.rs",
        "json_tree.rs",
        "capture.rs",
        "run_info.rs",
    ];
    let mut checked = 0;
    for layer in layers {
        let path = src.join(layer);
        let files = if path.is_dir() {
            sources(&path)
        } else {
            vec![path]
        };
        for f in files {
            checked += 1;
            let found = uses(&f, &["ratatui", "crossterm", "tui_textarea", "crate::ui"]);
            assert!(
                found.is_empty(),
                "{} uses the screen's layer: {found:?}",
                f.display()
            );
        }
    }
    assert!(checked > 50, "only {checked} files checked");
}

#[test]
fn the_screen_does_not_reach_back_into_the_program_that_runs_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    for f in sources(&src) {
        let found = uses(&f, &["crate::run::", "crate::run;", "crate::headless"]);
        assert!(found.is_empty(), "{} imports run: {found:?}", f.display());
    }
}
