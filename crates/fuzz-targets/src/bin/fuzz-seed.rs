//! Writes each fuzz target's seeds, made from `fixtures/`, into `fuzz/corpus/<target>/`
//! (`cargo xtask fuzz-seed [TARGET]...`). Existing files are kept; a seed already there is not
//! written twice (seed files are named by a hash of their bytes).

use std::process::ExitCode;

use shiming_fuzz_targets::seed::{self, Fixtures};
use shiming_fuzz_targets::{corpus_dir, repository_root, TARGETS};

fn main() -> ExitCode {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !TARGETS.iter().any(|t| t.name == w.as_str()))
    {
        eprintln!("fuzz-seed: no target {unknown}");
        return ExitCode::from(2);
    }
    let root = repository_root();
    let fixtures = Fixtures::in_repository();
    for target in TARGETS
        .iter()
        .filter(|t| wanted.is_empty() || wanted.iter().any(|w| w == t.name))
    {
        match write_seeds(&root, &fixtures, target) {
            Ok((written, total)) => {
                println!("{}: {total} seeds, {written} new", target.name);
            }
            Err(e) => {
                eprintln!("fuzz-seed: {}: {e}", target.name);
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// Writes the seeds of `target`; returns how many files were new and how many seeds it has.
fn write_seeds(
    root: &std::path::Path,
    fixtures: &Fixtures,
    target: &shiming_fuzz_targets::Target,
) -> std::io::Result<(usize, usize)> {
    let dir = corpus_dir(root, target.name);
    std::fs::create_dir_all(&dir)?;
    let seeds = (target.seeds)(fixtures)?;
    let mut written = 0;
    for input in &seeds {
        let path = dir.join(seed::file_name(input));
        if !path.exists() {
            std::fs::write(path, input)?;
            written += 1;
        }
    }
    Ok((written, seeds.len()))
}
