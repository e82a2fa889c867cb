//! `wamon export`: the requests of a capture file, all or those a filter and a seq range
//! select, written as a capture, headless NDJSON, a curl script or HAR 1.2.
//!
//! The capture is read whole ([`crate::capture::read_all`]); each line it could not read is one
//! sanitised warning on stderr. Output goes to stdout, or to a new private file (`-o`, `0600`,
//! never over an existing file without `--force`), which is opened only once everything was
//! read, so a capture can be exported over itself.
//!
//! One file per format ([`capture`], [`ndjson`], [`curl`], [`har`]); [`shell`] is the quoting
//! behind the curl commands. Every format writes nothing a terminal acts on, so stdout is safe
//! on a terminal too.
//!
//! Edge module: reads and writes files.

pub mod capture;
pub mod curl;
pub mod har;
pub mod ndjson;
pub mod shell;

use crate::cli::{ExportArgs, ExportFormat};
use crate::envelope::Envelope;
use crate::filter::Filter;
use crate::forward::ForwardRecord;
use color_eyre::eyre::{bail, eyre, Result, WrapErr};
use std::collections::{HashMap, HashSet};
use std::io::Write;

/// The requests of a capture, which of them are exported, and the forward results.
#[derive(Debug, Default)]
pub struct Selection {
    /// Every request of the capture, in file order (the NDJSON export applies them all).
    pub envelopes: Vec<Envelope>,
    /// Parallel to `envelopes`: whether each is exported.
    pub selected: Vec<bool>,
    /// Forward results by the seq of their request, in file order.
    pub forwards: HashMap<u64, Vec<ForwardRecord>>,
}

impl Selection {
    /// Every request of `loaded` selected.
    pub fn all(loaded: crate::capture::Loaded) -> Selection {
        let mut forwards: HashMap<u64, Vec<ForwardRecord>> = HashMap::new();
        for r in loaded.forwards {
            forwards.entry(r.seq).or_default().push(r);
        }
        let envelopes: Vec<Envelope> = loaded.envelopes.into_iter().map(|(e, _)| e).collect();
        Selection {
            selected: vec![true; envelopes.len()],
            envelopes,
            forwards,
        }
    }

    /// Keeps selected only the requests `filter` matches and whose seq is in `seqs`.
    pub fn narrow(&mut self, filter: &Filter, seqs: Option<&std::ops::RangeInclusive<u64>>) {
        let matching = crate::select::matching_seqs(&self.envelopes, filter);
        for (env, keep) in self.envelopes.iter().zip(self.selected.iter_mut()) {
            *keep &= matching.contains(&env.seq) && seqs.is_none_or(|r| r.contains(&env.seq));
        }
    }

    /// How many requests are exported.
    pub fn count(&self) -> usize {
        self.selected.iter().filter(|s| **s).count()
    }

    /// Every request in file order, with whether it is exported and its forward results (given
    /// with the first request of that seq only, should a file hold a seq twice).
    pub fn each(&self) -> impl Iterator<Item = (&Envelope, bool, &[ForwardRecord])> {
        let mut seen = HashSet::new();
        self.envelopes
            .iter()
            .zip(&self.selected)
            .map(move |(env, &selected)| {
                let forwards = match self.forwards.get(&env.seq) {
                    Some(f) if seen.insert(env.seq) => f.as_slice(),
                    _ => &[],
                };
                (env, selected, forwards)
            })
    }

    /// The exported requests in file order, each with its forward results.
    pub fn chosen(&self) -> impl Iterator<Item = (&Envelope, &[ForwardRecord])> {
        self.each().filter(|(_, s, _)| *s).map(|(e, _, f)| (e, f))
    }
}

/// `provider/event` of a request's first event (`provider` alone when it has none), fit for a
/// one-line comment or title: nothing a terminal acts on.
pub fn what(env: &Envelope) -> String {
    let normalized = crate::provider::normalize(env);
    let mut what = normalized.provider.as_str().to_owned();
    if let Some(ev) = normalized.events.first() {
        what.push('/');
        what.push_str(&ev.event);
    }
    crate::display::clean(&what).into_owned()
}

/// Checks `--to`: an `http://` or `https://` base URL, without a query.
fn base_url(to: &str) -> Result<&str> {
    let uri: hyper::Uri = to
        .parse()
        .map_err(|e| eyre!("--to {to:?} is not a URL: {e}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
        bail!("--to {to:?}: give a full http:// or https:// URL, like http://127.0.0.1:3000");
    }
    if uri.query().is_some() {
        bail!("--to {to:?}: a base URL takes no query (each request's own is sent)");
    }
    Ok(to)
}

/// Writes `sel` in `format` to `out`; `source` names the capture in a curl script's header.
pub fn render(
    sel: &Selection,
    format: ExportFormat,
    base_url: &str,
    source: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ExportFormat::Capture => capture::write(sel, out),
        ExportFormat::Ndjson => ndjson::write(sel, out),
        ExportFormat::Curl => {
            out.write_all(curl::script_header(source, sel.count(), base_url).as_bytes())?;
            for (env, _) in sel.chosen() {
                writeln!(out, "\n{}", curl::comment(env))?;
                writeln!(out, "{}", curl::curl_command(env, base_url))?;
            }
            Ok(())
        }
        ExportFormat::Har => har::write(sel, out),
    }
}

/// `wamon export`.
pub fn run(args: &ExportArgs) -> Result<()> {
    let shown = crate::display::clean(&args.file.display().to_string()).into_owned();
    if args.to.is_some() && args.format != ExportFormat::Curl {
        bail!("--to is for --format curl (the address its commands send to)");
    }
    let to = base_url(args.to.as_deref().unwrap_or(curl::DEFAULT_BASE_URL))?;
    let filter = Filter::parse(args.filter.as_deref().unwrap_or("")).map_err(|e| {
        eyre!(
            "--filter {:?}: {} (at character {})",
            args.filter.as_deref().unwrap_or(""),
            e.message,
            e.at + 1
        )
    })?;
    let file = std::fs::File::open(&args.file).wrap_err_with(|| format!("opening {shown}"))?;
    let loaded = crate::capture::read_all(std::io::BufReader::new(file))
        .wrap_err_with(|| format!("reading {shown}"))?;
    for w in &loaded.warnings {
        eprintln!("wamon: {shown}: {}", crate::display::clean(&w.to_string()));
    }
    let total = loaded.envelopes.len();
    let mut sel = Selection::all(loaded);
    sel.narrow(&filter, args.seq.as_ref());
    let forwards: usize = sel.chosen().map(|(_, f)| f.len()).sum();

    let mut bytes = Vec::new();
    render(&sel, args.format, to, &shown, &mut bytes)?;
    match &args.output {
        Some(path) => {
            let out_shown = crate::display::clean(&path.display().to_string()).into_owned();
            let mut f = crate::private_files::create(path, args.force).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    eyre!("{out_shown} exists: give --force to overwrite it")
                } else {
                    eyre!("creating {out_shown}: {e}")
                }
            })?;
            f.write_all(&bytes)
                .and_then(|()| f.sync_all())
                .wrap_err_with(|| format!("writing {out_shown}"))?;
            eprintln!(
                "wamon: exported {} of {total} requests ({forwards} forward results) to {out_shown}",
                sel.count()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                // The reader went away (`wamon export … | head`): nothing more to do.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.wrap_err("writing to stdout")?,
            }
        }
    }
    Ok(())
}
