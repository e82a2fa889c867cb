//! The `wamon` binary: parses the command line, sets up logging and error reports, dispatches.

use clap::Parser;

/// mimalloc rather than the system allocator: normalising a webhook makes many small short-lived
/// allocations, often freed on another thread than the one that made them, where it is markedly
/// faster (`cargo bench --bench load`: ~130k -> ~230k events/s).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use color_eyre::eyre::{bail, Result, WrapErr};
use std::io::IsTerminal;
use std::process::ExitCode;
use wamon::cli::{Cli, Command, SendArgs};

/// Whether stderr may carry colour: a terminal, and `NO_COLOR` unset.
fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Errors a user can act on (a missing file, a busy port, a bad flag) print as one plain line
/// naming the cause chain, with no backtrace or source location: they are not bugs. Panics,
/// which are, still get color-eyre's report (coloured only on a terminal without `NO_COLOR`).
fn main() -> ExitCode {
    let colour = stderr_colour();
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let _ = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(false)
        .install();
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let label = if colour {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            eprintln!("wamon: {label} {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<()> {
    let cli = Cli::parse();
    // The local offset must be read before any thread starts (the time crate refuses later).
    let utc_offset_s = time::UtcOffset::current_local_offset()
        .map(|o| o.whole_seconds())
        .unwrap_or(0);
    // At least two workers: the capture's group-commit leader may sit in write(2) on one of them
    // while the other keeps the screen and the other requests going (see capture_writer.rs).
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    let result = runtime.block_on(run(cli, utc_offset_s));
    // A write to a stdout nobody reads may still sit in a blocking thread; the run is over, so
    // do not wait for it (dropping the runtime would).
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

async fn run(cli: Cli, utc_offset_s: i32) -> Result<()> {
    match cli.command {
        Some(Command::Send(args)) => {
            wamon::logging::to_stderr();
            send(args).await
        }
        Some(Command::Replay(args)) => {
            wamon::logging::to_stderr();
            wamon::replay::run_cli(&args).await
        }
        Some(Command::Export(args)) => wamon::export::run(&args),
        None => {
            let _guard = if cli.run.headless {
                wamon::logging::to_stderr();
                None
            } else {
                let path = match &cli.run.log_file {
                    Some(p) => p.clone(),
                    None => {
                        let path = wamon::logging::default_log_file();
                        wamon::run::own_dirs(&path)?;
                        path
                    }
                };
                Some(
                    wamon::logging::to_file(&path)
                        .wrap_err_with(|| format!("opening log file {}", path.display()))?,
                )
            };
            wamon::run::run(cli.run, utc_offset_s).await
        }
    }
}

/// `wamon send`: posts a scenario and reports each reply on stderr.
async fn send(args: SendArgs) -> Result<()> {
    // A capture file plays as `wamon replay FILE --speed S` would.
    if let Some(path) = &args.file {
        if wamon::replay::is_capture_file(path)? {
            let opts = wamon::replay::Options::new(&args.to, args.speed)?;
            return wamon::replay::run(path, &opts).await;
        }
    }
    let start = wamon::receiver::now_ms();
    let plays: Vec<(String, Vec<wamon::demo_script::DemoRequest>)> = match &args.file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("reading {}", path.display()))?;
            let reqs = wamon::demo_script::parse_scenario(&text, start)
                .wrap_err_with(|| format!("scenario file {}", path.display()))?;
            vec![(path.display().to_string(), reqs)]
        }
        None => {
            let scenario = args.scenario.clone().unwrap_or_default();
            if !wamon::demo_script::SCENARIOS.contains(&scenario.as_str()) {
                bail!(
                    "no scenario {scenario:?}: built-in scenarios are {}",
                    wamon::demo_script::SCENARIOS.join(", ")
                );
            }
            let mut v = Vec::new();
            let providers = if args.provider.eq_ignore_ascii_case("all") {
                wamon::demo_script::providers(&scenario).to_vec()
            } else {
                wamon::demo::providers_for(&args.provider)?
            };
            for p in providers {
                v.push((
                    p.to_owned(),
                    wamon::demo::builtin_requests(&scenario, p, start)?,
                ));
            }
            v
        }
    };
    let mut failures = 0usize;
    let mut total = 0usize;
    for (name, reqs) in &plays {
        let sent = wamon::demo::play(&args.to, name, reqs, args.speed, |s| {
            eprintln!(
                "{:<9} {:>3}/{:<3} {} {}",
                s.provider,
                s.step + 1,
                reqs.len(),
                s.status,
                s.note.as_deref().unwrap_or("")
            );
        })
        .await?;
        total += sent.len();
        failures += sent.iter().filter(|s| s.status >= 500).count();
    }
    eprintln!("sent {total} requests to {}", args.to);
    if failures > 0 {
        bail!("{failures} requests got a server error");
    }
    Ok(())
}
